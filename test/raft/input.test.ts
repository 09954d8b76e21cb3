// Bad input gets a clear error naming the problem, and leaves the node as it was.
import { describe, expect, it } from 'vitest';
import { createRaft } from '../../src/shared/raft/index';
import type { Message } from '../../src/shared/raft/types';
import {
  app,
  appResp,
  bytes,
  drain,
  electDirectly,
  entry,
  initialState,
  logOfTerms,
  makeConfig,
  newNode,
  peersOf,
} from './helpers';

const P3 = peersOf(3);

describe('configuration', () => {
  it('refuses a config whose timing makes no sense, naming each problem', () => {
    const bad = makeConfig('n1', P3, { electionTicksMin: 10, electionTicksMax: 10, heartbeatTicks: 12 });
    expect(() => createRaft(bad, initialState())).toThrow(/electionTicksMax \(10\) must exceed.*heartbeatTicks \(12\)/);
  });

  it('refuses peers listed twice', () => {
    expect(() => createRaft(makeConfig('n1', ['n1', 'n2', 'n2']), initialState())).toThrow(/twice/);
  });

  it('starts a node outside the bootstrap voters (a joining node), which never campaigns', () => {
    const n9 = createRaft(makeConfig('n9', P3), initialState());
    for (let i = 0; i < 100; i++) n9.tick();
    n9.campaign();
    expect(n9.status()).toMatchObject({ role: 'follower', term: 0, membership: { voters: P3, learners: [] } });
    expect(drain(n9).sent).toEqual([]);
  });

  it('refuses flow-control limits below one', () => {
    expect(() => createRaft(makeConfig('n1', P3, { maxInflightMessages: 0 }), initialState())).toThrow(
      /maxInflightMessages must be a positive integer/,
    );
  });

  it('refuses a stored log with a gap', () => {
    expect(() => createRaft(makeConfig('n1', P3), initialState([entry(1, 1), entry(3, 1)]))).toThrow(/gap/);
  });

  it('clamps a stored commit beyond the stored log (a write whose fsync never finished)', () => {
    const n1 = createRaft(makeConfig('n1', P3), initialState(logOfTerms([1, 1]), { term: 1, commit: 5 }));
    expect(n1.status().commit).toBe(2);
    // The clamped value is not written back: a stored commit never goes down.
    expect(drain(n1).hardStates).toEqual([]);
  });
});

describe('messages', () => {
  it('refuses a message from outside the group or addressed to another node', () => {
    const n1 = newNode('n1', P3);
    const stranger: Message = {
      type: 'Vote',
      from: 'n9',
      to: 'n1',
      term: 1,
      lastLogIndex: 0,
      lastLogTerm: 0,
      transfer: false,
    };
    expect(() => n1.step(stranger)).toThrow(/n9, who is not a member/);
    expect(() => n1.step({ ...stranger, from: 'n2', to: 'n3' })).toThrow(/for n3 delivered to n1/);
    expect(() => n1.step({ ...stranger, from: 'n2', term: -1 })).toThrow(/bad term/);
    expect(n1.status()).toMatchObject({ term: 0, leader: null });
  });

  it('refuses an App whose entries are not consecutive without touching the log', () => {
    const n1 = newNode('n1', P3, {}, initialState(logOfTerms([1]), { term: 1 }));
    expect(() =>
      n1.step(app({ from: 'n2', to: 'n1', term: 1, prevLogIndex: 1, prevLogTerm: 1, entries: [entry(3, 1)] })),
    ).toThrow(/not consecutive/);
    expect(n1.status().lastIndex).toBe(1);
  });

  it('a leader ignores an acknowledgement of entries it never had', () => {
    const n1 = newNode('n1', P3);
    electDirectly(n1, ['n2']);
    n1.step(appResp({ from: 'n2', to: 'n1', term: 1, index: 99 }));
    expect(n1.status()).toMatchObject({ role: 'leader', commit: 0 });
    expect(n1.status().progress.n2?.match).toBe(0);
  });

  it('refuses a proposal with no commands', () => {
    const n1 = newNode('n1', P3);
    electDirectly(n1, ['n2']);
    expect(() => n1.propose([])).toThrow(/at least one command/);
    expect(n1.propose([bytes('x')]).ok).toBe(true);
    expect(drain(n1).entries.map((e) => e.index)).toEqual([2]);
  });

  it('advance() refuses a Ready it did not hand out', () => {
    const n1 = newNode('n1', P3);
    n1.campaign();
    const ready = n1.ready();
    expect(() => n1.advance({ ...ready })).toThrow(/Ready returned by the last ready/);
    n1.advance(ready);
  });
});
