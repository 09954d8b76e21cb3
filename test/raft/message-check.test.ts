// messageProblem(): what a peer message must satisfy before the core lets it touch any state.
import { describe, expect, it } from 'vitest';
import { INDEX_CEILING, messageProblem, TERM_CEILING } from '../../src/shared/raft/message-check';
import type { Message } from '../../src/shared/raft/types';
import { app, appResp, entry } from './helpers';

const RECEIVER = { id: 'n1', peers: ['n1', 'n2', 'n3'] };
const check = (message: Message): string | null => messageProblem(message, RECEIVER);

/** One well-formed message of every type, as a correct peer sends them. */
const GOOD: Message[] = [
  { type: 'PreVote', from: 'n2', to: 'n1', term: 4, lastLogIndex: 7, lastLogTerm: 3, transfer: false },
  { type: 'Vote', from: 'n2', to: 'n1', term: 4, lastLogIndex: 0, lastLogTerm: 0, transfer: true },
  { type: 'PreVoteResp', from: 'n2', to: 'n1', term: 4, reject: false },
  { type: 'VoteResp', from: 'n1', to: 'n1', term: 4, reject: false },
  app({
    from: 'n2',
    to: 'n1',
    term: 4,
    prevLogIndex: 2,
    prevLogTerm: 1,
    commit: 9,
    entries: [entry(3, 1), entry(4, 4)],
  }),
  app({ from: 'n2', to: 'n1', term: 4 }),
  appResp({ from: 'n2', to: 'n1', term: 4, index: 3, reject: true, conflictTerm: 2, conflictIndex: 2 }),
  { type: 'Heartbeat', from: 'n2', to: 'n1', term: 4, commit: 3, context: 5 },
  { type: 'HeartbeatResp', from: 'n2', to: 'n1', term: 4, context: 5 },
  { type: 'TimeoutNow', from: 'n2', to: 'n1', term: 4 },
  { type: 'ReadIndex', from: 'n2', to: 'n1', term: 4, context: 8 },
  { type: 'ReadIndexResp', from: 'n2', to: 'n1', term: 4, context: 8, index: 3, reject: false },
  { type: 'Heartbeat', from: 'n2', to: 'n1', term: TERM_CEILING, commit: INDEX_CEILING, context: 0 },
];

describe('messageProblem', () => {
  it.each(GOOD.map((m, i) => [`${i} ${m.type}`, m] as const))('accepts a well-formed %s', (_name, message) => {
    expect(check(message)).toBeNull();
  });

  it.each([
    ['a stranger', { type: 'TimeoutNow', from: 'n9', to: 'n1', term: 1 }, /n9, who is not a member/],
    ['another receiver', { type: 'TimeoutNow', from: 'n2', to: 'n3', term: 1 }, /for n3 delivered to n1/],
    ['an unknown type', { type: 'Gossip', from: 'n2', to: 'n1', term: 1 }, /unknown message type Gossip/],
    ['a negative term', { type: 'TimeoutNow', from: 'n2', to: 'n1', term: -1 }, /bad term -1/],
    ['a fractional term', { type: 'TimeoutNow', from: 'n2', to: 'n1', term: 1.5 }, /bad term 1.5/],
    [
      'a term of 2^53 - 1',
      { type: 'Heartbeat', from: 'n2', to: 'n1', term: 2 ** 53 - 1, commit: 0, context: 0 },
      /above the ceiling/,
    ],
    [
      'a term just past the ceiling',
      { type: 'TimeoutNow', from: 'n2', to: 'n1', term: TERM_CEILING + 1 },
      /above the ceiling/,
    ],
  ] as const)('refuses %s', (_name, message, reason) => {
    expect(check(message as unknown as Message)).toMatch(reason);
  });

  it('refuses App entries that skip an index, go back, or do not follow prevLogIndex', () => {
    const base = { from: 'n2', to: 'n1', term: 999_999, prevLogIndex: 1, prevLogTerm: 1 };
    expect(check(app({ ...base, entries: [entry(2, 1), entry(4, 1)] }))).toMatch(/entry 4 is not consecutive/);
    expect(check(app({ ...base, entries: [entry(3, 1)] }))).toMatch(/entry 3 is not consecutive after 1/);
    expect(check(app({ ...base, entries: [entry(2, 1), entry(2, 1)] }))).toMatch(/not consecutive/);
  });

  it('refuses App entries whose terms fall, or pass the message term', () => {
    const base = { from: 'n2', to: 'n1', term: 5, prevLogIndex: 1, prevLogTerm: 2 };
    expect(check(app({ ...base, entries: [entry(2, 3), entry(3, 2)] }))).toMatch(/term 2 below the previous 3/);
    expect(check(app({ ...base, entries: [entry(2, 1)] }))).toMatch(/term 1 below the previous 2/);
    expect(check(app({ ...base, entries: [entry(2, 6)] }))).toMatch(/entry 2 has term 6, above the message's term/);
  });

  it('refuses App fields out of range', () => {
    const base = { from: 'n2', to: 'n1', term: 5 };
    expect(check(app({ ...base, prevLogIndex: 3, prevLogTerm: 6 }))).toMatch(/prevLogTerm 6/);
    expect(check(app({ ...base, prevLogIndex: 0, prevLogTerm: 1 }))).toMatch(/prevLogTerm 1 at index 0/);
    expect(check(app({ ...base, prevLogIndex: -1 }))).toMatch(/prevLogIndex -1 is out of range/);
    expect(check(app({ ...base, commit: INDEX_CEILING + 1 }))).toMatch(/commit .* is out of range/);
    expect(
      check(app({ ...base, prevLogIndex: INDEX_CEILING, prevLogTerm: 1, entries: [entry(INDEX_CEILING + 1, 5)] })),
    ).toMatch(/would pass index/);
  });

  it('refuses vote requests whose log claims more than their term', () => {
    const vote = { type: 'Vote', from: 'n2', to: 'n1', term: 3, transfer: false } as const;
    expect(check({ ...vote, lastLogIndex: 9, lastLogTerm: 4 })).toMatch(/lastLogTerm 4/);
    expect(check({ ...vote, lastLogIndex: 0, lastLogTerm: 2 })).toMatch(/for an empty log/);
  });

  it('refuses replies with impossible fields', () => {
    expect(check(appResp({ from: 'n2', to: 'n1', term: 3, index: 2, conflictTerm: 4 }))).toMatch(/conflictTerm 4/);
    expect(check(appResp({ from: 'n2', to: 'n1', term: 3, index: Number.NaN }))).toMatch(/index NaN/);
    expect(check({ type: 'HeartbeatResp', from: 'n2', to: 'n1', term: 3, context: -2 })).toMatch(/context -2/);
    const notBoolean = { type: 'VoteResp', from: 'n2', to: 'n1', term: 3, reject: 1 } as unknown as Message;
    expect(check(notBoolean)).toMatch(/reject must be true or false/);
  });
});
