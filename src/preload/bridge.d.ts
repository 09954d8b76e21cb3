// `window.raftlab`: the desktop bridge the preload exposes. A browser has none and talks HTTP.
import type { ClusterBridge } from '../shared/api';
import type { GroupsApi } from '../shared/groups-api';

declare global {
  interface Window {
    /** The resharding operations may be absent (an older preload): check before calling them. */
    readonly raftlab?: ClusterBridge & Partial<GroupsApi>;
  }
}
