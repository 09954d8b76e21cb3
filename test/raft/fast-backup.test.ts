// The fast backup of §5.3's closing paragraph: a rejecting follower names the term of its conflicting
// entry and where that term starts, so the leader skips a whole term per round trip.
import { describe, expect, it } from 'vitest';
import type { AppendResponse } from '../../src/shared/raft/types';
import { Cluster, initialState, logOfTerms, ofType, peersOf } from './helpers';

function terms(...runs: [term: number, count: number][]): number[] {
  return runs.flatMap(([term, count]) => Array<number>(count).fill(term));
}

function syncFollower(leaderTerms: number[], followerTerms: number[]) {
  const c = new Cluster(
    peersOf(3),
    {},
    {
      n1: initialState(logOfTerms(leaderTerms), { term: 6 }),
      n2: initialState(logOfTerms(followerTerms), { term: 6 }),
      n3: initialState(logOfTerms(leaderTerms), { term: 6 }),
    },
  );
  c.elect('n1');
  c.tick(2);
  const replies = c.wire.filter((m): m is AppendResponse => m.type === 'AppResp' && m.from === 'n2');
  return { c, rejections: replies.filter((m) => m.reject) };
}

describe('fast backup', () => {
  it('resolves 70 divergent entries of two terms the leader never had in two rejections', () => {
    const leader = terms([1, 10], [3, 60]);
    const follower = terms([1, 10], [2, 30], [4, 40]);
    const { c, rejections } = syncFollower(leader, follower);
    expect(rejections.map((r) => [r.index, r.conflictTerm, r.conflictIndex])).toEqual([
      [70, 4, 41],
      [40, 2, 11],
    ]);
    expect(
      c
        .node('n2')
        .entries(1, 200)
        .map((e) => e.term),
    ).toEqual([...leader, 7]);
  });

  it('jumps past its own last entry of the conflicting term when it has that term', () => {
    const leader = terms([1, 10], [2, 20], [5, 40]);
    const follower = terms([1, 10], [2, 30], [4, 30]);
    const { c, rejections } = syncFollower(leader, follower);
    // The second rejection names term 2, which the leader holds up to index 30: it resumes at 31.
    expect(rejections.map((r) => [r.index, r.conflictTerm])).toEqual([
      [70, 4],
      [40, 2],
    ]);
    const probes = ofType(c.wire, 'App')
      .filter((m) => m.from === 'n1' && m.to === 'n2')
      .map((m) => m.prevLogIndex);
    expect(probes.slice(0, 3)).toEqual([70, 40, 30]);
    expect(
      c
        .node('n2')
        .entries(1, 200)
        .map((e) => e.term),
    ).toEqual([...leader, 7]);
  });

  it('catches up a follower missing 60 entries after a single rejection', () => {
    const leader = terms([1, 70]);
    const { c, rejections } = syncFollower(leader, terms([1, 10]));
    expect(rejections.map((r) => [r.index, r.conflictTerm, r.conflictIndex])).toEqual([[70, 0, 11]]);
    expect(c.node('n2').status().lastIndex).toBe(71);
  });

  it('truncates an uncommitted tail of a later term with no rejection at all when the prefix matches', () => {
    const leader = terms([1, 5], [2, 5]);
    const follower = terms([1, 5], [2, 5], [3, 60]);
    const { c, rejections } = syncFollower(leader, follower);
    expect(rejections).toEqual([]);
    expect(c.node('n2').status().lastIndex).toBe(11);
  });
});
