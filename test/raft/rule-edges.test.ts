// Figure 2 rules at the edge the paper tests did not reach: each case here is one that a mutation of
// `npm run mutants` survived (test/mutants/mutations.ts names it), so each pins the exact boundary.
import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/shared/raft/types';
import { app, drain, entry, initialState, logOfTerms, newNode, ofType, peersOf } from './helpers';

const P3 = peersOf(3);

function voteReq(from: string, term: number, lastLogIndex: number, lastLogTerm: number): Message {
  return { type: 'Vote', from, to: 'n1', term, lastLogIndex, lastLogTerm, transfer: false };
}

describe('Figure 2 at the edges', () => {
  it('a follower commits up to the last entry the App proved, never into its own tail beyond it (receiver rule 5: min(leaderCommit, index of last new entry))', () => {
    // n1 holds 1-2 of term 1 and an unverified tail 3-4 of term 2, from a leader that lost.
    const n1 = newNode('n1', P3, {}, initialState(logOfTerms([1, 1, 2, 2]), { term: 2 }));
    // The leader of term 3 has committed up to 4, but this App only proves entries 1-2 match: its
    // own 3 and 4 may differ from n1's. The entries already held are kept (a stale or short App never
    // truncates), and the commit stops at 2.
    n1.step(
      app({ from: 'n2', to: 'n1', term: 3, prevLogIndex: 1, prevLogTerm: 1, entries: [entry(2, 1, 'e2')], commit: 4 }),
    );
    const out = drain(n1);
    expect(n1.status().lastIndex).toBe(4);
    expect(n1.status().commit).toBe(2);
    expect(out.committedEntries.map((e) => e.index)).toEqual([1, 2]);
    expect(ofType(out.sent, 'AppResp')[0]).toMatchObject({ reject: false, index: 2 });
  });

  it('a vote cast in a term the node had already saved is saved too, in the Ready whose persistedMessages grant it', () => {
    // n1 learns term 2 from a candidate whose log is behind, refuses it, and saves term 2 without a vote.
    const n1 = newNode('n1', P3, {}, initialState(logOfTerms([1]), { term: 1 }));
    n1.step(voteReq('n2', 2, 0, 0));
    const refused = drain(n1);
    expect(ofType(refused.sent, 'VoteResp')).toMatchObject([{ to: 'n2', reject: true, term: 2 }]);
    expect(refused.hardStates).toEqual([{ term: 2, vote: '', commit: 0 }]);
    // Then a candidate of the same term with an up-to-date log: only the vote changes, and it must
    // be durable before the grant leaves, or a restart would let n1 vote again in term 2.
    n1.step(voteReq('n3', 2, 1, 1));
    const ready = n1.ready();
    expect(ready.hardState).toEqual({ term: 2, vote: 'n3', commit: 0 });
    expect(ready.persistedMessages).toEqual([{ type: 'VoteResp', from: 'n1', to: 'n3', term: 2, reject: false }]);
    n1.advance(ready);
  });
});
