// Bad input is refused before any state changes; a broken invariant is told apart from it; and no
// term ever passes the ceiling, neither from a message, nor from a campaign, nor from the disk.
import { describe, expect, it } from 'vitest';
import { InvariantError, RefusedMessageError } from '../../src/shared/raft/errors';
import { createRaft } from '../../src/shared/raft/index';
import { RaftLog } from '../../src/shared/raft/log';
import { TERM_CEILING } from '../../src/shared/raft/message-check';
import type { Message, RaftCore } from '../../src/shared/raft/types';
import { app, drain, electDirectly, entry, initialState, logOfTerms, makeConfig, newNode, peersOf } from './helpers';

const P3 = peersOf(3);

/** Everything observable about a core: its status, and whether it has anything to say. */
function picture(core: RaftCore): unknown {
  const status = core.status();
  return { status, log: core.entries(status.firstIndex, status.lastIndex + 1), hasReady: core.hasReady() };
}

function expectRefusedUnchanged(core: RaftCore, message: Message): void {
  drain(core);
  const before = picture(core);
  expect(() => core.step(message)).toThrow(RefusedMessageError);
  expect(picture(core)).toEqual(before);
}

describe('a refused message changes nothing (term, vote, leader, log, commit, timers, output)', () => {
  it('an App at term 999999 with non-consecutive entries leaves a follower in its term with its log', () => {
    const n1 = newNode('n1', P3, {}, initialState(logOfTerms([1, 1]), { term: 1, commit: 1 }));
    n1.step(app({ from: 'n2', to: 'n1', term: 1, prevLogIndex: 2, prevLogTerm: 1, commit: 2 }));
    n1.tick();
    expectRefusedUnchanged(
      n1,
      app({
        from: 'n2',
        to: 'n1',
        term: 999_999,
        prevLogIndex: 2,
        prevLogTerm: 1,
        entries: [entry(3, 2), entry(5, 2)],
      }),
    );
    expect(n1.status()).toMatchObject({ term: 1, leader: 'n2', lastIndex: 2, commit: 2 });
  });

  it('a heartbeat at term 2^53 - 1 leaves a follower in its term, following its leader', () => {
    const n2 = newNode('n2', P3);
    n2.step({ type: 'Heartbeat', from: 'n1', to: 'n2', term: 3, commit: 0, context: 0 });
    expectRefusedUnchanged(n2, { type: 'Heartbeat', from: 'n3', to: 'n2', term: 2 ** 53 - 1, commit: 0, context: 0 });
    expect(n2.status()).toMatchObject({ term: 3, leader: 'n1', role: 'follower' });
  });

  it('a leader stays leader of its term through forged high-term messages of every kind', () => {
    const n1 = newNode('n1', P3);
    electDirectly(n1, ['n2']);
    const huge = 2 ** 53 - 1;
    const forged: Message[] = [
      { type: 'Heartbeat', from: 'n2', to: 'n1', term: huge, commit: 0, context: 0 },
      { type: 'Vote', from: 'n3', to: 'n1', term: huge, lastLogIndex: 9, lastLogTerm: 9, transfer: true },
      { type: 'TimeoutNow', from: 'n2', to: 'n1', term: huge },
      app({ from: 'n3', to: 'n1', term: 2, prevLogIndex: 1, prevLogTerm: 1, entries: [entry(2, 3)] }),
    ];
    for (const message of forged) expectRefusedUnchanged(n1, message);
    expect(n1.status()).toMatchObject({ role: 'leader', term: 1 });
  });

  it('a refused vote request neither grants nor records a vote', () => {
    const n1 = newNode('n1', P3);
    expectRefusedUnchanged(n1, {
      type: 'Vote',
      from: 'n2',
      to: 'n1',
      term: 2,
      lastLogIndex: 0,
      lastLogTerm: 1,
      transfer: false,
    });
    expect(n1.status()).toMatchObject({ term: 0, vote: '' });
  });
});

describe('the term ceiling', () => {
  it('a term at the ceiling is accepted from a leader', () => {
    const n2 = newNode('n2', P3);
    n2.step({ type: 'Heartbeat', from: 'n1', to: 'n2', term: TERM_CEILING, commit: 0, context: 0 });
    expect(n2.status()).toMatchObject({ term: TERM_CEILING, leader: 'n1' });
  });

  it.each([true, false])(
    'a node at the ceiling does not campaign (preVote %s): no term past it, no throw',
    (preVote) => {
      const n1 = newNode('n1', P3, { preVote }, initialState([], { term: TERM_CEILING }));
      for (let i = 0; i < 100; i++) n1.tick();
      n1.campaign();
      const out = drain(n1);
      expect(out.sent).toEqual([]);
      expect(n1.status()).toMatchObject({ term: TERM_CEILING, role: 'follower' });
    },
  );

  it('a node one below the ceiling may still campaign into it', () => {
    const n1 = newNode('n1', P3, { preVote: false }, initialState([], { term: TERM_CEILING - 1 }));
    n1.campaign();
    expect(n1.status()).toMatchObject({ term: TERM_CEILING, role: 'candidate' });
  });

  it('recovery refuses a stored term above the ceiling, saying what to do', () => {
    const config = makeConfig('n1', P3);
    expect(() => createRaft(config, initialState([], { term: 2 ** 53 - 1 }))).toThrow(
      /recovery refused: the stored term 9007199254740991 is above the ceiling .*data folder/,
    );
    expect(() => createRaft(config, initialState([entry(1, TERM_CEILING + 1)], { term: 1 }))).toThrow(
      /recovery refused/,
    );
  });
});

describe('broken invariants are not refused input', () => {
  it('a leader that hears another leader of its own term raises an InvariantError', () => {
    const n1 = newNode('n1', P3);
    electDirectly(n1, ['n2']);
    expect(() => n1.step(app({ from: 'n2', to: 'n1', term: 1 }))).toThrow(InvariantError);
  });

  it('a log asked to cut a committed entry raises an InvariantError', () => {
    const log = new RaftLog({ index: 0, term: 0 }, logOfTerms([1, 1]), 2, 0);
    expect(() => log.appendFromLeader(1, 1, [entry(2, 2)], () => {})).toThrow(InvariantError);
  });
});
