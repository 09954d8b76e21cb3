// messageProblem() for what issue 12 added: the InstallSnapshot message, config entries in an App,
// and which messages a node takes from a sender outside the membership it knows.
import { describe, expect, it } from 'vitest';
import { encodeConfChange } from '../../src/shared/raft/conf-change';
import { MAX_MEMBERS, messageProblem } from '../../src/shared/raft/message-check';
import type { InstallSnapshot, Message } from '../../src/shared/raft/types';
import { app } from './helpers';

const RECEIVER = { id: 'n1', peers: ['n1', 'n2', 'n3'] };
const check = (message: unknown): string | null => messageProblem(message as Message, RECEIVER);

function snap(snapshot: unknown, term = 5, from = 'n2'): InstallSnapshot {
  return { type: 'Snap', from, to: 'n1', term, snapshot } as InstallSnapshot;
}
const M = { voters: ['n1', 'n2', 'n3'], learners: ['n4'] };

describe('Snap', () => {
  it('accepts a well-formed snapshot meta', () => {
    expect(check(snap({ index: 10, term: 5, membership: M }))).toBeNull();
    expect(check(snap({ index: 1, term: 1, membership: { voters: ['n9'], learners: [] } }))).toBeNull();
  });

  it.each([
    ['no meta', null, /snapshot must be an object/],
    ['index 0', { index: 0, term: 1, membership: M }, /snapshot index 0 is out of range/],
    ['a fractional index', { index: 1.5, term: 1, membership: M }, /snapshot index 1.5/],
    ['a term above the message', { index: 3, term: 6, membership: M }, /snapshot term 6 is not in 1..5/],
    ['term 0', { index: 3, term: 0, membership: M }, /snapshot term 0/],
    ['no membership', { index: 3, term: 1 }, /membership must be an object/],
    ['no voter', { index: 3, term: 1, membership: { voters: [], learners: ['n2'] } }, /has no voter/],
    ['a node twice', { index: 3, term: 1, membership: { voters: ['n2'], learners: ['n2'] } }, /lists n2 twice/],
    ['an empty id', { index: 3, term: 1, membership: { voters: [''], learners: [] } }, /must not be empty/],
    ['a non-list', { index: 3, term: 1, membership: { voters: 'n2', learners: [] } }, /voters and learners lists/],
    [
      'too many members',
      {
        index: 3,
        term: 1,
        membership: { voters: Array.from({ length: MAX_MEMBERS + 1 }, (_, i) => `m${i}`), learners: [] },
      },
      /more than 64 nodes/,
    ],
  ] as const)('refuses %s', (_name, meta, reason) => {
    expect(check(snap(meta))).toMatch(reason);
  });
});

describe('config entries', () => {
  it('accepts an App carrying a readable config entry', () => {
    const data = encodeConfChange({ type: 'addLearner', node: 'n4' });
    expect(
      check(app({ from: 'n2', to: 'n1', term: 2, entries: [{ index: 1, term: 2, type: 'config', data }] })),
    ).toBeNull();
  });

  it('refuses an App whose config entry is garbage', () => {
    const data = Uint8Array.from([1, 7, 0x61]);
    expect(
      check(app({ from: 'n2', to: 'n1', term: 2, entries: [{ index: 1, term: 2, type: 'config', data }] })),
    ).toMatch(/entry 1: conf change: unknown change type 7/);
  });
});

describe('senders outside the known membership', () => {
  it("takes a leader's traffic from anyone: the membership it knows may lag the group's", () => {
    expect(check(app({ from: 'n7', to: 'n1', term: 2 }))).toBeNull();
    expect(check({ type: 'Heartbeat', from: 'n7', to: 'n1', term: 2, commit: 0, context: 0 })).toBeNull();
    expect(check(snap({ index: 3, term: 1, membership: M }, 2, 'n7'))).toBeNull();
  });

  it.each<Message>([
    { type: 'Vote', from: 'n7', to: 'n1', term: 2, lastLogIndex: 0, lastLogTerm: 0, transfer: false },
    { type: 'PreVote', from: 'n7', to: 'n1', term: 2, lastLogIndex: 0, lastLogTerm: 0, transfer: false },
    { type: 'TimeoutNow', from: 'n7', to: 'n1', term: 2 },
    { type: 'ReadIndex', from: 'n7', to: 'n1', term: 2, context: 1 },
  ])('refuses $type from a stranger', (message) => {
    expect(check(message)).toMatch(/n7, who is not a member of this group/);
  });

  it('refuses a sender id that is no node id', () => {
    expect(check(app({ from: '', to: 'n1', term: 2 }))).toMatch(/bad sender id: a node id must not be empty/);
    expect(check(app({ from: 'a\nb', to: 'n1', term: 2 }))).toMatch(/control characters/);
  });
});
