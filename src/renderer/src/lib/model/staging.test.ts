import { describe, expect, it } from 'vitest';
import type { NodeView } from '../../../../shared/api';
import { nodeView } from '../../../../shared/testing/node-view';
import { messageFieldLines, peerRows, voteTally } from './staging';

const A = '127.0.0.1:5001';
const B = '127.0.0.1:5002';
const C = '127.0.0.1:5003';

function node(fields: Partial<NodeView>): NodeView {
  return nodeView(A, { term: 3, ...fields });
}

describe('the per-peer table', () => {
  it("shows a leader's nextIndex and matchIndex per follower, and when each was last heard", () => {
    const leader = node({
      role: 'leader',
      progress: { [B]: { next: 8, match: 7, state: 'replicate' }, [C]: { next: 3, match: 0, state: 'probe' } },
      contactAgoMs: { [B]: 40, [C]: 2500 },
    });
    expect(peerRows(leader, [A, B, C])).toEqual([
      { peer: B, next: 8, match: 7, vote: null, contact: '40 ms ago' },
      { peer: C, next: 3, match: 0, vote: null, contact: '2.5 s ago' },
    ]);
  });

  it("shows a candidate's votes: granted, refused, or not yet answered", () => {
    const candidate = node({ role: 'candidate', votes: { [A]: true, [B]: false } });
    expect(peerRows(candidate, [A, B, C]).map((row) => [row.peer, row.vote, row.contact])).toEqual([
      [B, 'refused', 'never'],
      [C, 'no answer yet', 'never'],
    ]);
  });
});

describe('the vote tally on a candidate', () => {
  it('counts granted votes (its own included) out of the group size', () => {
    expect(voteTally(node({ role: 'candidate', votes: { [A]: true, [B]: true, [C]: false } }), 5)).toBe('2/5');
  });

  it('is absent for a node that is not collecting votes', () => {
    expect(voteTally(node({ role: 'leader' }), 5)).toBeNull();
  });
});

describe('the message inspector', () => {
  it('lists every field of a held message in a stable order', () => {
    expect(
      messageFieldLines({
        id: 9,
        kind: 'App',
        from: A,
        to: B,
        term: 2,
        fields: { prevLogIndex: 4, commit: 3, entries: 2, entryTerms: '5/2 6/2' },
      }),
    ).toEqual([
      'App #9',
      `from ${A} to ${B}, term 2`,
      'commit: 3',
      'entries: 2',
      'entryTerms: 5/2 6/2',
      'prevLogIndex: 4',
    ]);
  });
});
