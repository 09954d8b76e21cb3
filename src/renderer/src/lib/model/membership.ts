// Pure helpers for the membership controls and the diagram: which nodes each group draws (its
// committed voters and learners, in the bootstrap order first, so that a change moves no one
// else), and an address to offer for a new node.
import type { ClusterState, NodeId } from '../../../../shared/api';

/** Each group's nodes to draw: bootstrap members still in it, then the ones that joined. */
export function diagramGroups(
  state: Pick<ClusterState, 'partitions' | 'groups'> | null,
): { readonly id: number; readonly members: NodeId[] }[] {
  if (state === null) return [];
  // The live groups (resharding may add or remove some), each drawn in its bootstrap order.
  return state.groups.map((group) => {
    const bootstrap = state.partitions[group.id] ?? [];
    const current = new Set([...group.members, ...(group.learners ?? [])]);
    const kept = bootstrap.filter((id) => current.has(id));
    const joined = [...current].filter((id) => !bootstrap.includes(id));
    return { id: group.id, members: [...kept, ...joined] };
  });
}

/** The next port after the highest one in use, on the host the first node uses. */
export function suggestNewNode(state: Pick<ClusterState, 'partitions' | 'nodes'> | null): NodeId {
  const ids = [...(state?.partitions.flat() ?? []), ...(state?.nodes.map((node) => node.id) ?? [])];
  let host = '127.0.0.1';
  let highest = 5000;
  for (const id of ids) {
    const colon = id.lastIndexOf(':');
    const port = Number(id.slice(colon + 1));
    if (Number.isInteger(port) && port > highest) {
      highest = port;
      host = id.slice(0, colon);
    }
  }
  return `${host}:${Math.min(65535, highest + 1)}`;
}
