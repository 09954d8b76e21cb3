// Figure 8 of the Raft paper, staged on a running five-node group through the ClusterApi alone
// (links, kills, restarts, writes), so the same steps run in-process and over HTTP against a real
// `raftlab cluster`. The lesson's no-op switch is on; `unsafe` also commits by counting replicas.
import type { ClusterApi, ClusterState, NodeView } from '../../../src/shared/api';
import type { NodeId } from '../../../src/shared/raft/types';
import { waitFor } from './cluster';

export type Figure8Api = Pick<ClusterApi, 'state' | 'setLesson' | 'partition' | 'heal' | 'kv' | 'kill' | 'restart'>;

export interface Figure8Staged {
  /** The leader that wrote B in a later term, and leads again at the end. */
  readonly x: NodeId;
  /** The two nodes that took A from the second leader and then voted for X. */
  readonly y: NodeId;
  readonly z: NodeId;
  readonly termOfA: number;
  readonly termOfB: number;
  /** Where A sits: 1, or later if the first leader was elected before the lesson (with its no-op). */
  readonly indexOfA: number;
  /** Who replicated A to Y and Z (and, when unsafe, committed it). */
  readonly leaderOfA: NodeId;
  /** The picture just before X came back. */
  readonly beforeOverwrite: ClusterState;
}

export function nodeOf(state: ClusterState, id: NodeId): NodeView {
  const node = state.nodes.find((candidate) => candidate.id === id);
  if (!node) throw new Error(`no node ${id}`);
  return node;
}

async function leaderAmong(api: Figure8Api, ids: readonly NodeId[], what: string): Promise<NodeView> {
  return waitFor(
    what,
    async () => (await api.state()).nodes.find((n) => ids.includes(n.id) && n.alive && n.role === 'leader'),
    30_000,
  );
}

/**
 * Paper (a)-(d): A is written on L1 and n2 only; X leads a later term and writes B that reaches
 * nobody; L1 or n2 leads again and replicates A to Y and Z (a majority, with nothing of the new
 * term above it); then both holders of A die and X, restarted, wins with Y's and Z's votes.
 * Needs PreVote and CheckQuorum off (a cut-off leader must keep its role) and a short request timeout.
 */
export async function stageFigure8(api: Figure8Api, group: readonly NodeId[], unsafe: boolean): Promise<Figure8Staged> {
  await api.setLesson({ skipNoop: true, unsafeCommitByCount: unsafe });
  const l1 = (await leaderAmong(api, group, 'a first leader')).id;
  const n2 = group.find((id) => id !== l1)!;
  const rest = group.filter((id) => id !== l1 && id !== n2);

  // (a) A reaches n2 only; the other three elect X among themselves.
  await api.partition([[l1, n2], rest]);
  if ((await api.kv({ op: 'SET', key: 'k', value: 'A', via: l1 })).ok) throw new Error('A was acknowledged');
  const x = (await leaderAmong(api, rest, 'a leader among the other three')).id;
  const [y, z] = rest.filter((id) => id !== x) as [NodeId, NodeId];
  const entryA = nodeOf(await api.state(), l1).log.at(-1)!;
  const termOfA = entryA.term;
  const indexOfA = entryA.index;

  // (b) X writes B, which reaches nobody, then dies.
  await api.partition([[l1, n2], [x], [y, z]]);
  if ((await api.kv({ op: 'SET', key: 'k', value: 'B', via: x })).ok) throw new Error('B was acknowledged');
  const termOfB = nodeOf(await api.state(), x).log.at(-1)!.term;
  await api.kill(x);

  // (c) L1 or n2 leads again and replicates A to Y and Z.
  await api.heal();
  const second = await leaderAmong(api, [l1, n2], 'L1 or n2 to lead again');
  await waitFor(
    'A on Y and Z',
    async () => {
      const state = await api.state();
      return [y, z].every((id) => nodeOf(state, id).log.at(-1)?.term === termOfA);
    },
    30_000,
  );
  if (unsafe) {
    await waitFor(
      'A committed by counting, and Y and Z told so',
      async () => {
        const state = await api.state();
        return [second.id, y, z].every((id) => nodeOf(state, id).commitIndex >= indexOfA);
      },
      30_000,
    );
  }
  const beforeOverwrite = await api.state();

  // (d) Both holders of A die; X comes back and wins with Y's and Z's votes.
  await api.kill(l1);
  await api.kill(n2);
  await api.restart(x);
  await leaderAmong(api, [x], 'X to lead');
  return { x, y, z, termOfA, termOfB, indexOfA, leaderOfA: second.id, beforeOverwrite };
}
