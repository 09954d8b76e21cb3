// `window.raftlab`: the desktop bridge the preload exposes. A browser has none and talks HTTP.
import type { ClusterBridge } from '../shared/api';

declare global {
  interface Window {
    readonly raftlab?: ClusterBridge;
  }
}
