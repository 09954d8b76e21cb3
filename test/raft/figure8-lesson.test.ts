// The Figure 8 lesson switches (LessonOptions in src/shared/raft/types.ts), on the paper's Figure 8
// sequence with every message delivered by hand. With `skipNoop` a new leader appends no no-op, so
// an entry of an earlier term sits on a majority with nothing of the leader's term above it: the
// §5.4.2 commit rule must hold it back, and a later leader may then rightly overwrite it. With the
// UNSAFE `unsafeCommitByCount` the leader commits it by counting replicas, and the same later leader
// overwrites an entry that was committed and applied: what the rule exists to prevent.
//
// Five nodes n1..n5, PreVote and CheckQuorum off (as in the paper), one entry per AppendEntries.
// Without no-ops the terms and indexes are the paper's own, shifted by one: A is 1@1, B is 1@2.
import { describe, expect, it } from 'vitest';
import type { LessonOptions, Message, NodeId } from '../../src/shared/raft/types';
import { SimCluster } from '../harness/cluster';
import { decodeText } from '../harness/kv';
import { appliedCommands, checkedCluster } from '../scenarios/support';

const TUNING = { preVote: false, checkQuorum: false, maxEntriesPerMessage: 1 } as const;
const isVote = (message: Message) => message.type === 'Vote' || message.type === 'VoteResp';

function logOf(cluster: SimCluster, id: NodeId): string[] {
  return cluster
    .node(id)
    .disk.entries.map((e) => `${e.index}@${e.term}${e.type === 'noop' ? '' : `:${decodeText(e.data)}`}`);
}

/** A restart builds a fresh core, so the lesson is switched on again for each life of a node. */
function teach(cluster: SimCluster, id: NodeId, lesson: LessonOptions): void {
  cluster.node(id).setOptions({ lesson });
}

function electByHand(cluster: SimCluster, id: NodeId): number {
  for (let attempt = 0; attempt < 5; attempt++) {
    cluster.campaign(id);
    cluster.deliverAll(isVote);
    if (cluster.node(id).status().role === 'leader') {
      cluster.dropPending(isVote);
      return cluster.node(id).status().term;
    }
  }
  throw new Error(`${id} could not win an election`);
}

/**
 * Paper (a)-(c) with every leader teaching `lesson`: n1 gets A (its term) onto n2 only; n5 leads a
 * later term and writes B that reaches nobody; n1 leads again and replicates A to n3 and n4, so A is
 * on a majority (n1, n3, n4 acknowledged) with nothing of n1's new term above it.
 */
function stageFigure8(cluster: SimCluster, lesson: LessonOptions) {
  for (const id of cluster.ids) teach(cluster, id, lesson);
  // (a)
  electByHand(cluster, 'n1');
  expect(cluster.propose('n1', ['A'])).toMatchObject({ ok: true, firstIndex: 1 });
  cluster.deliverAll((m) => m.to === 'n2' || m.from === 'n2');
  cluster.dropPending();
  expect(logOf(cluster, 'n1')).toEqual(['1@1:A']);
  expect(logOf(cluster, 'n2')).toEqual(['1@1:A']);

  // (b) n1 crashes; n5 wins with n3's and n4's votes and writes B, which reaches nobody.
  cluster.crash('n1');
  const termOfN5 = electByHand(cluster, 'n5');
  expect(cluster.propose('n5', ['B'])).toMatchObject({ ok: true, firstIndex: 1 });
  cluster.dropPending();
  expect(logOf(cluster, 'n5')).toEqual([`1@${termOfN5}:B`]);

  // (c) n5 crashes; n1 restarts, wins a later term and replicates A to n3 and n4.
  cluster.crash('n5');
  cluster.restart('n1');
  teach(cluster, 'n1', lesson);
  const termOfN1 = electByHand(cluster, 'n1');
  expect(termOfN1).toBeGreaterThan(termOfN5);
  cluster.dropPending((m) => m.to === 'n2' || m.to === 'n5');
  cluster.deliverAll((m) => [m.from, m.to].every((id) => ['n1', 'n3', 'n4'].includes(id)));
  for (const id of ['n1', 'n3', 'n4']) expect(logOf(cluster, id)).toEqual(['1@1:A']);
  const progress = cluster.node('n1').status().progress;
  expect([progress.n3?.match, progress.n4?.match]).toEqual([1, 1]);
  return { termOfN1, termOfN5 };
}

/** Paper (d): n1 crashes before anyone hears of a commit; n5 restarts and wins with n2, n3 and n4. */
function newLeaderOverwrites(cluster: SimCluster, termOfN5: number): void {
  cluster.crash('n1');
  cluster.dropPending();
  cluster.restart('n5');
  electByHand(cluster, 'n5');
  cluster.deliverAll();
  cluster.tick(1);
  cluster.deliverAll();
  for (const id of ['n2', 'n3', 'n4', 'n5']) {
    expect(logOf(cluster, id)[0]).toBe(`1@${termOfN5}:B`);
  }
}

describe('Figure 8 lesson: a new leader without its no-op', () => {
  it('the commit rule holds back an entry of an earlier term that a majority holds, so overwriting it loses nothing', () => {
    const { cluster } = checkedCluster({ size: 5, seed: 83, autoDeliver: false, tuning: TUNING });
    const { termOfN5 } = stageFigure8(cluster, { skipNoop: true });

    // A is on n1, n3 and n4, yet of an earlier term with nothing of n1's term above it: no commit.
    expect(cluster.node('n1').status().commit).toBe(0);
    expect(appliedCommands(cluster, 'n1')).toEqual([]);

    // So when n5 overwrites it, no state machine ever applied A (the checkers watched every step).
    newLeaderOverwrites(cluster, termOfN5);
    for (const node of cluster.nodes) expect(appliedCommands(cluster, node.id)).not.toContain('A');
    expect(appliedCommands(cluster, 'n5')).toEqual(['B']);
  });

  it('without the lesson the no-op of the new term is what commits the old entry', () => {
    const { cluster } = checkedCluster({ size: 5, seed: 84, autoDeliver: false, tuning: TUNING });
    for (const id of cluster.ids) teach(cluster, id, { skipNoop: false });
    electByHand(cluster, 'n1');
    // The no-op of term 1 is the first entry: a leader of the default core always appends one.
    expect(logOf(cluster, 'n1')).toEqual(['1@1']);
    expect(cluster.node('n1').status().lesson).toBeUndefined();
  });
});

describe('Figure 8 lesson: UNSAFE commit by counting replicas', () => {
  it('commits the old-term entry by count, and a later leader overwrites that committed, applied entry', () => {
    // No safety checkers here: the point is that safety breaks, which they would stop at once.
    const cluster = new SimCluster({ size: 5, seed: 85, autoDeliver: false, tuning: TUNING });
    const { termOfN5 } = stageFigure8(cluster, { skipNoop: true, unsafeCommitByCount: true });

    expect(cluster.node('n1').status().lesson).toEqual({ skipNoop: true, unsafeCommitByCount: true });
    expect(cluster.node('n1').status().commit).toBe(1);
    expect(appliedCommands(cluster, 'n1')).toEqual(['A']);

    newLeaderOverwrites(cluster, termOfN5);
    // State Machine Safety is broken: index 1 is A on n1 and B on n5.
    expect(appliedCommands(cluster, 'n5')).toEqual(['B']);
    expect(appliedCommands(cluster, 'n1')).toEqual(['A']);
  });
});
