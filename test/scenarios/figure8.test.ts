// Figure 8 of the Raft paper, step by step, with every message delivered by hand. A leader must not
// commit an entry of an earlier term by counting replicas: such an entry can still be overwritten.
// Once an entry of the leader's own term is committed on top of it, it can never be lost.
//
// Five nodes n1..n5, PreVote and CheckQuorum off (as in the paper), one entry per AppendEntries so
// that replication can be stopped between two entries. Terms are shifted from the paper's because
// our first term is 1 and each new leader appends a no-op of its term.
import { describe, expect, it } from 'vitest';
import type { Message, NodeId } from '../../src/shared/raft/types';
import type { SimCluster } from '../harness/cluster';
import { decodeText } from '../harness/kv';
import { appliedCommands, checkedCluster } from './support';

const isVote = (message: Message) => message.type === 'Vote' || message.type === 'VoteResp';

function logOf(cluster: SimCluster, id: NodeId): string[] {
  return cluster
    .node(id)
    .disk.entries.map((e) => `${e.index}@${e.term}${e.type === 'noop' ? '' : `:${decodeText(e.data)}`}`);
}

/** Campaigns until `id` leads, delivering only election traffic; returns its term. */
function electByHand(cluster: SimCluster, id: NodeId): number {
  for (let attempt = 0; attempt < 5; attempt++) {
    cluster.campaign(id);
    cluster.deliverAll(isVote);
    if (cluster.node(id).status().role === 'leader') {
      cluster.dropPending((message) => isVote(message));
      return cluster.node(id).status().term;
    }
  }
  throw new Error(`${id} could not win an election`);
}

/**
 * Paper (a)-(c): n1 leads and gets entry 2 ("A", its term) onto n2 only; n5 leads a later term and
 * writes entries of its own that reach nobody; then n1 leads again and replicates 2:A to n3 and n4,
 * but not yet the no-op of its new term. 2:A is now on four disks, and n1 knows of three of them.
 */
function stageFigure8(cluster: SimCluster) {
  // (a)
  electByHand(cluster, 'n1');
  cluster.deliverAll();
  expect(cluster.propose('n1', ['A'])).toMatchObject({ ok: true, firstIndex: 2 });
  cluster.deliver((m) => m.type === 'App' && m.to === 'n2');
  cluster.dropPending();
  expect(logOf(cluster, 'n1')).toEqual(['1@1', '2@1:A']);
  expect(logOf(cluster, 'n2')).toEqual(['1@1', '2@1:A']);

  // (b) n1 crashes; n5 wins with n3's and n4's votes (n2's log is more up to date than n5's).
  cluster.crash('n1');
  const termOfN5 = electByHand(cluster, 'n5');
  expect(cluster.propose('n5', ['B'])).toMatchObject({ ok: true, firstIndex: 3 });
  cluster.dropPending();
  expect(logOf(cluster, 'n5')).toEqual(['1@1', `2@${termOfN5}`, `3@${termOfN5}:B`]);

  // (c) n5 crashes; n1 restarts and wins a later term.
  cluster.crash('n5');
  cluster.restart('n1');
  const termOfN1 = electByHand(cluster, 'n1');
  expect(termOfN1).toBeGreaterThan(termOfN5);
  // Let n3 and n4 back up to index 2 and take 2:A, but hold back every entry of n1's new term.
  cluster.dropPending((m) => m.to === 'n2' || m.to === 'n5');
  const holdsNewTerm = (m: Message) => m.type === 'App' && m.entries.some((e) => e.term === termOfN1);
  for (let round = 0; round < 10; round++) {
    cluster.dropPending((m) => holdsNewTerm(m) && acceptsAt(cluster, m));
    if (cluster.deliver((m) => m.to === 'n1' || m.to === 'n3' || m.to === 'n4') === 0) break;
  }
  cluster.dropPending();
  for (const id of ['n3', 'n4']) expect(logOf(cluster, id)).toEqual(['1@1', '2@1:A']);
  return { termOfN1, termOfN5 };
}

/** Would the receiver of this App accept it (does it hold the entry before the new ones)? */
function acceptsAt(cluster: SimCluster, message: Message): boolean {
  if (message.type !== 'App') return false;
  const disk = cluster.node(message.to).disk;
  return disk.termAt(message.prevLogIndex) === message.prevLogTerm || message.prevLogIndex === 0;
}

describe('Figure 8: committing entries from earlier terms', () => {
  it('a leader does not commit an entry of an earlier term by counting replicas, and that entry can be overwritten', () => {
    const { cluster } = checkedCluster({
      size: 5,
      seed: 81,
      autoDeliver: false,
      tuning: { preVote: false, checkQuorum: false, maxEntriesPerMessage: 1 },
    });
    const { termOfN5 } = stageFigure8(cluster);

    // n1 knows 2:A is on a majority (itself, n3, n4), yet 2:A is of an earlier term: no commit.
    const status = cluster.node('n1').status();
    expect(status.progress.n3?.match).toBe(2);
    expect(status.progress.n4?.match).toBe(2);
    expect(status.commit).toBe(1);

    // (d) n1 crashes; n5 restarts and wins with n2, n3 and n4, whose last entry is of an older term.
    cluster.crash('n1');
    cluster.restart('n5');
    electByHand(cluster, 'n5');
    cluster.deliverAll();
    // The followers hear of the commit with the leader's next tick.
    cluster.tick(1);
    cluster.deliverAll();
    for (const id of ['n2', 'n3', 'n4', 'n5']) {
      expect(logOf(cluster, id).slice(0, 3)).toEqual(['1@1', `2@${termOfN5}`, `3@${termOfN5}:B`]);
      expect(appliedCommands(cluster, id)).toEqual(['B']);
    }
    // The overwritten 2:A was never applied anywhere (the safety checkers watched every step too).
    for (const node of cluster.nodes) expect(appliedCommands(cluster, node.id)).not.toContain('A');
  });

  it('once an entry of the leader term is committed on top of it, the old-term entry is committed and never lost', () => {
    const { cluster } = checkedCluster({
      size: 5,
      seed: 82,
      autoDeliver: false,
      tuning: { preVote: false, checkQuorum: false, maxEntriesPerMessage: 1 },
    });
    const { termOfN1 } = stageFigure8(cluster);

    // (e) This time n1 gets its no-op (index 3, its own term) onto n3 and n4 before anything else:
    // one tick for a heartbeat, whose replies show n1 what n3 and n4 still lack.
    cluster.tick();
    cluster.deliverAll((m) => [m.from, m.to].every((id) => ['n1', 'n3', 'n4'].includes(id)));
    const status = cluster.node('n1').status();
    expect(status.commit).toBeGreaterThanOrEqual(3);
    expect(appliedCommands(cluster, 'n1')).toEqual(['A']);
    for (const id of ['n3', 'n4']) expect(logOf(cluster, id)).toEqual(['1@1', '2@1:A', `3@${termOfN1}`]);

    // n1 crashes and n5 restarts: n3 and n4 now refuse it, so n5 cannot overwrite 2:A.
    cluster.crash('n1');
    cluster.dropPending();
    cluster.restart('n5');
    for (let attempt = 0; attempt < 5; attempt++) {
      cluster.campaign('n5');
      cluster.deliverAll(isVote);
      expect(cluster.node('n5').status().role).not.toBe('leader');
    }

    // Back to normal operation: everyone ends up with A at index 2.
    cluster.restart('n1');
    cluster.autoDeliver = true;
    cluster.dropPending();
    cluster.agree('C', 5);
    for (const id of cluster.ids) expect(appliedCommands(cluster, id)).toEqual(['A', 'C']);
  });
});
