// The resharding operations (issue 13, CONTRACTS.md §4): add a group to the ring, remove one. Kept
// beside ClusterApi rather than in it: a host that cannot move keys (a replay) simply lacks them.
import type { NodeId } from './raft/types';

export interface GroupsApi {
  /** Starts the new group's nodes in this host; keys move to it once it leads. */
  addGroup(members: readonly NodeId[]): Promise<{ readonly group: number }>;
  /** Moves the group's keys to the others, then stops its nodes. */
  removeGroup(group: number): Promise<void>;
}

export const GROUPS_PATH = '/api/groups';

/** The host behind a view, if it can reshard. */
export function groupsApiOf(api: object): GroupsApi | null {
  const candidate = api as Partial<GroupsApi>;
  return typeof candidate.addGroup === 'function' && typeof candidate.removeGroup === 'function'
    ? (candidate as GroupsApi)
    : null;
}

/** The IPC channels of the two operations (the desktop window's preload and main agree on these). */
export const GROUP_CHANNELS = { addGroup: 'raftlab:addGroup', removeGroup: 'raftlab:removeGroup' } as const;
