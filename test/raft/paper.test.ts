// One test per rule of the Raft paper's Figure 2 and §5, driving single cores with hand-made messages
// (or a small in-memory cluster where the rule is about several nodes).
import { describe, expect, it } from 'vitest';
import { createRaft } from '../../src/shared/raft/index';
import type { Message, RaftCore } from '../../src/shared/raft/types';
import { SeededRandom } from '../../src/shared/random';
import {
  app,
  appResp,
  bytes,
  Cluster,
  drain,
  electDirectly,
  entry,
  initialState,
  logOfTerms,
  makeConfig,
  newNode,
  ofType,
  peersOf,
} from './helpers';

const P3 = peersOf(3);
const P5 = peersOf(5);

function tickUntil(core: RaftCore, done: () => boolean, limit = 1000): number {
  for (let i = 1; i <= limit; i++) {
    core.tick();
    if (done()) return i;
  }
  throw new Error('tickUntil: condition never held');
}

function voteReq(from: string, to: string, term: number, lastLogIndex: number, lastLogTerm: number): Message {
  return { type: 'Vote', from, to, term, lastLogIndex, lastLogTerm, transfer: false };
}

describe('§5.1 terms', () => {
  it('a follower that sees a higher term adopts it and stays follower', () => {
    const n1 = newNode('n1', P3);
    n1.step({ type: 'Heartbeat', from: 'n2', to: 'n1', term: 4, commit: 0, context: 0 });
    expect(n1.status()).toMatchObject({ term: 4, role: 'follower', leader: 'n2', vote: '' });
  });

  it('a candidate that sees a higher term becomes follower', () => {
    const n1 = newNode('n1', P3);
    n1.campaign();
    expect(n1.status().role).toBe('candidate');
    n1.step({ type: 'VoteResp', from: 'n2', to: 'n1', term: 5, reject: true });
    expect(n1.status()).toMatchObject({ term: 5, role: 'follower' });
  });

  it('a leader that learns a higher term from a reply steps down', () => {
    const n1 = newNode('n1', P3);
    electDirectly(n1, ['n2']);
    expect(n1.status().role).toBe('leader');
    n1.step(appResp({ from: 'n3', to: 'n1', term: 9, reject: true, index: 0 }));
    expect(n1.status()).toMatchObject({ term: 9, role: 'follower', leader: null });
  });

  it('a node refuses AppendEntries from an older term, answering with its own term and keeping its log', () => {
    const n1 = newNode('n1', P3, {}, initialState(logOfTerms([1, 2]), { term: 3 }));
    n1.step(app({ from: 'n2', to: 'n1', term: 2, prevLogIndex: 1, prevLogTerm: 1, entries: [entry(2, 2, 'x')] }));
    const out = drain(n1);
    const replies = ofType(out.sent, 'AppResp');
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ to: 'n2', term: 3, reject: true });
    expect(n1.status()).toMatchObject({ term: 3, lastIndex: 2, leader: null });
    expect(out.entries).toEqual([]);
  });

  it('a reply from an older term is ignored', () => {
    const n1 = newNode('n1', P3, {}, initialState([], { term: 2 }));
    n1.campaign(); // term 3
    drain(n1);
    n1.step({ type: 'VoteResp', from: 'n2', to: 'n1', term: 2, reject: false });
    expect(n1.status()).toMatchObject({ role: 'candidate', term: 3 });
  });

  it('a restarted node resumes with its stored term and vote', () => {
    const n1 = newNode('n1', P3, {}, initialState(logOfTerms([1]), { term: 7, vote: 'n3', commit: 1 }));
    expect(n1.status()).toMatchObject({ term: 7, vote: 'n3', commit: 1, role: 'follower', leader: null });
    // It already voted for n3 in term 7, so n2 is refused.
    n1.step(voteReq('n2', 'n1', 7, 5, 5));
    expect(ofType(drain(n1).sent, 'VoteResp')[0]).toMatchObject({ reject: true });
  });
});

describe('§5.2 leader election', () => {
  it('a node starts as a follower that knows no leader', () => {
    const s = newNode('n1', P3).status();
    expect(s).toMatchObject({ role: 'follower', leader: null, term: 0, vote: '' });
  });

  it('a follower that hears nothing for an election timeout becomes candidate, increments its term and votes for itself', () => {
    const n1 = newNode('n1', P3, {}, initialState(logOfTerms([1, 1]), { term: 1 }));
    const ticks = tickUntil(n1, () => n1.status().role === 'candidate');
    expect(ticks).toBeGreaterThanOrEqual(10);
    expect(ticks).toBeLessThan(20);
    expect(n1.status()).toMatchObject({ term: 2, vote: 'n1' });
    const requests = ofType(drain(n1).sent, 'Vote');
    expect(requests.map((m) => m.to).sort()).toEqual(['n2', 'n3']);
    for (const r of requests) expect(r).toMatchObject({ term: 2, lastLogIndex: 2, lastLogTerm: 1 });
  });

  it('a candidate counts its own vote only once its term and vote are durable', () => {
    const solo = newNode('n1', ['n1']);
    solo.campaign();
    const ready = solo.ready();
    expect(ready.hardState).toMatchObject({ term: 1, vote: 'n1' });
    expect(solo.status().role).toBe('candidate');
    solo.advance(ready);
    expect(solo.status().role).toBe('leader');
  });

  it('a candidate that wins votes from a majority becomes leader', () => {
    const n1 = newNode('n1', P5);
    n1.campaign();
    drain(n1);
    n1.step({ type: 'VoteResp', from: 'n2', to: 'n1', term: 1, reject: false });
    expect(n1.status().role).toBe('candidate');
    n1.step({ type: 'VoteResp', from: 'n3', to: 'n1', term: 1, reject: false });
    expect(n1.status()).toMatchObject({ role: 'leader', leader: 'n1', term: 1 });
  });

  it('a candidate refused by a majority returns to follower', () => {
    const n1 = newNode('n1', P5);
    n1.campaign();
    drain(n1);
    for (const from of ['n2', 'n3']) n1.step({ type: 'VoteResp', from, to: 'n1', term: 1, reject: true });
    expect(n1.status().role).toBe('candidate');
    n1.step({ type: 'VoteResp', from: 'n4', to: 'n1', term: 1, reject: true });
    expect(n1.status()).toMatchObject({ role: 'follower', term: 1 });
  });

  it('a candidate whose election times out without a winner starts a new one in a higher term', () => {
    const n1 = newNode('n1', P3);
    n1.campaign();
    drain(n1);
    tickUntil(n1, () => n1.status().term === 2);
    expect(n1.status()).toMatchObject({ role: 'candidate', vote: 'n1' });
    expect(ofType(drain(n1).sent, 'Vote').every((m) => m.term === 2)).toBe(true);
  });

  it('a candidate that receives AppendEntries from a leader of its term becomes follower', () => {
    const n1 = newNode('n1', P3);
    n1.campaign();
    n1.step(app({ from: 'n2', to: 'n1', term: 1 }));
    expect(n1.status()).toMatchObject({ role: 'follower', leader: 'n2', term: 1 });
  });

  it('a node grants at most one vote per term', () => {
    const n1 = newNode('n1', P3);
    n1.step(voteReq('n2', 'n1', 1, 0, 0));
    n1.step(voteReq('n3', 'n1', 1, 0, 0));
    n1.step(voteReq('n2', 'n1', 1, 0, 0)); // a retry from the same candidate gets the same answer
    const votes = ofType(drain(n1).sent, 'VoteResp');
    expect(votes.map((v) => [v.to, v.reject])).toEqual([
      ['n3', true],
      ['n2', false],
      ['n2', false],
    ]);
    expect(n1.status().vote).toBe('n2');
  });

  it('a vote is granted only after it is durable: the grant rides in persistedMessages of the Ready that persists it', () => {
    const n1 = newNode('n1', P3);
    n1.step(voteReq('n2', 'n1', 1, 0, 0));
    const ready = n1.ready();
    expect(ready.hardState).toMatchObject({ term: 1, vote: 'n2' });
    expect(ready.messages.filter((m) => m.type === 'VoteResp')).toEqual([]);
    expect(ready.persistedMessages).toEqual([{ type: 'VoteResp', from: 'n1', to: 'n2', term: 1, reject: false }]);
    n1.advance(ready);
  });

  it('granting a vote resets the election timer', () => {
    const n1 = newNode('n1', P3);
    for (let i = 0; i < 9; i++) n1.tick();
    n1.step(voteReq('n2', 'n1', 1, 0, 0));
    expect(n1.status().electionElapsedTicks).toBe(0);
  });

  it('election timeouts are drawn at random in [min, max) and drawn again after each timeout', () => {
    const seen = new Set<number>();
    const n1 = createRaft(makeConfig('n1', P3, { random: new SeededRandom(42) }), initialState());
    for (let round = 0; round < 40; round++) {
      const timeout = n1.status().electionTimeoutTicks;
      expect(timeout).toBeGreaterThanOrEqual(10);
      expect(timeout).toBeLessThan(20);
      seen.add(timeout);
      const ticks = tickUntil(n1, () => n1.status().electionElapsedTicks === 0);
      expect(ticks).toBe(timeout);
      drain(n1);
    }
    expect(seen.size).toBeGreaterThan(4);
  });

  it('followers with different seeds rarely time out together, so a split vote is unlikely', () => {
    let same = 0;
    for (let seed = 0; seed < 200; seed++) {
      const a = createRaft(makeConfig('n1', P3, { random: new SeededRandom(seed * 2) }), initialState());
      const b = createRaft(makeConfig('n2', P3, { random: new SeededRandom(seed * 2 + 1) }), initialState());
      if (a.status().electionTimeoutTicks === b.status().electionTimeoutTicks) same++;
    }
    // Ten possible values: about one pair in ten collides.
    expect(same).toBeLessThan(40);
  });

  it('a leader sends heartbeats to every follower each heartbeat interval', () => {
    const n1 = newNode('n1', P3, { heartbeatTicks: 3 });
    electDirectly(n1, ['n2']);
    n1.tick();
    n1.tick();
    expect(ofType(drain(n1).sent, 'Heartbeat')).toEqual([]);
    n1.tick();
    const beats = ofType(drain(n1).sent, 'Heartbeat');
    expect(beats.map((b) => b.to).sort()).toEqual(['n2', 'n3']);
  });

  it('a follower that keeps hearing heartbeats never starts an election', () => {
    const n1 = newNode('n1', P3);
    for (let i = 0; i < 100; i++) {
      n1.tick();
      n1.step({ type: 'Heartbeat', from: 'n2', to: 'n1', term: 1, commit: 0, context: 0 });
    }
    expect(n1.status()).toMatchObject({ role: 'follower', term: 1, leader: 'n2' });
  });

  it('a leader elected by a majority is followed by every node of the cluster', () => {
    const c = new Cluster(P5);
    c.elect('n3');
    for (const id of P5) expect(c.node(id).status()).toMatchObject({ leader: 'n3', term: 1 });
  });
});

describe('§5.3 log replication', () => {
  it('a new leader appends a no-op entry of its term', () => {
    const n1 = newNode('n1', P3, {}, initialState(logOfTerms([1, 1]), { term: 1 }));
    const out = electDirectly(n1, ['n2']);
    expect(out.entries).toHaveLength(1);
    expect(out.entries[0]).toMatchObject({ index: 3, term: 2, type: 'noop' });
  });

  it('a leader appends proposals to its own log and sends them to every follower', () => {
    const n1 = newNode('n1', P3);
    electDirectly(n1, ['n2']);
    // Both followers acknowledge the no-op, so the leader knows where their logs stand.
    for (const from of ['n2', 'n3']) {
      n1.step(appResp({ from, to: 'n1', term: 1, index: 1 }));
    }
    drain(n1);
    const result = n1.propose([bytes('a'), bytes('b')]);
    expect(result).toEqual({ ok: true, firstIndex: 2, term: 1 });
    const out = drain(n1);
    expect(out.entries.map((e) => e.index)).toEqual([2, 3]);
    const apps = ofType(out.sent, 'App').filter((m) => m.entries.length > 0);
    expect(apps.map((m) => m.to).sort()).toEqual(['n2', 'n3']);
  });

  it('only the leader takes proposals; others name the leader they know', () => {
    const n1 = newNode('n1', P3);
    n1.step({ type: 'Heartbeat', from: 'n2', to: 'n1', term: 1, commit: 0, context: 0 });
    expect(n1.propose([bytes('x')])).toEqual({ ok: false, reason: 'not-leader', leader: 'n2' });
  });

  it('a follower rejects AppendEntries whose prevLogIndex/prevLogTerm do not match', () => {
    const n1 = newNode('n1', P3, {}, initialState(logOfTerms([1, 1, 2]), { term: 3 }));
    n1.step(app({ from: 'n2', to: 'n1', term: 3, prevLogIndex: 3, prevLogTerm: 3, entries: [entry(4, 3, 'x')] }));
    const out = drain(n1);
    expect(ofType(out.sent, 'AppResp')[0]).toMatchObject({ reject: true, index: 3, conflictTerm: 2, conflictIndex: 3 });
    expect(n1.status().lastIndex).toBe(3);
  });

  it('a follower rejects AppendEntries whose prevLogIndex is beyond its log, hinting its last index + 1', () => {
    const n1 = newNode('n1', P3, {}, initialState(logOfTerms([1, 1]), { term: 1 }));
    n1.step(app({ from: 'n2', to: 'n1', term: 1, prevLogIndex: 5, prevLogTerm: 1 }));
    expect(ofType(drain(n1).sent, 'AppResp')[0]).toMatchObject({
      reject: true,
      index: 5,
      conflictTerm: 0,
      conflictIndex: 3,
    });
  });

  it('a follower deletes a conflicting entry and all that follow it, then appends the new ones', () => {
    const n1 = newNode('n1', P3, {}, initialState(logOfTerms([1, 1, 2, 2]), { term: 2 }));
    n1.step(app({ from: 'n2', to: 'n1', term: 3, prevLogIndex: 2, prevLogTerm: 1, entries: [entry(3, 3, 'new')] }));
    const out = drain(n1);
    expect(n1.entries(1, 10).map((e) => [e.index, e.term])).toEqual([
      [1, 1],
      [2, 1],
      [3, 3],
    ]);
    // The host is told to overwrite from index 3.
    expect(out.entries.map((e) => e.index)).toEqual([3]);
    expect(ofType(out.sent, 'AppResp')[0]).toMatchObject({ reject: false, index: 3 });
  });

  it('a follower never truncates matching entries on a stale or duplicate AppendEntries', () => {
    const n1 = newNode('n1', P3, {}, initialState(logOfTerms([1, 1, 1, 1]), { term: 1 }));
    // A delayed App carrying only entries 2..3, which we already hold.
    n1.step(
      app({ from: 'n2', to: 'n1', term: 1, prevLogIndex: 1, prevLogTerm: 1, entries: logOfTerms([1, 1, 1]).slice(1) }),
    );
    const out = drain(n1);
    expect(n1.status().lastIndex).toBe(4);
    expect(out.entries).toEqual([]);
    // It acknowledges only what that message proves matches.
    expect(ofType(out.sent, 'AppResp')[0]).toMatchObject({ reject: false, index: 3 });
  });

  it('a follower appends entries not already in its log and acknowledges the last new index', () => {
    const n1 = newNode('n1', P3, {}, initialState(logOfTerms([1]), { term: 1 }));
    n1.step(app({ from: 'n2', to: 'n1', term: 1, prevLogIndex: 0, prevLogTerm: 0, entries: logOfTerms([1, 1, 1]) }));
    const out = drain(n1);
    expect(out.entries.map((e) => e.index)).toEqual([2, 3]);
    expect(ofType(out.sent, 'AppResp')[0]).toMatchObject({ reject: false, index: 3 });
  });

  it('a follower sets its commit index to min(leaderCommit, index of last new entry)', () => {
    const n1 = newNode('n1', P3);
    n1.step(app({ from: 'n2', to: 'n1', term: 1, entries: logOfTerms([1, 1]), commit: 5 }));
    expect(n1.status().commit).toBe(2);
    n1.step(
      app({ from: 'n2', to: 'n1', term: 1, prevLogIndex: 2, prevLogTerm: 1, entries: [entry(3, 1, 'c')], commit: 1 }),
    );
    expect(n1.status().commit).toBe(2); // never decreases
  });

  it('a follower applies committed entries in log order', () => {
    const n1 = newNode('n1', P3);
    n1.step(app({ from: 'n2', to: 'n1', term: 1, entries: logOfTerms([1, 1, 1]), commit: 2 }));
    expect(drain(n1).committedEntries.map((e) => e.index)).toEqual([1, 2]);
    n1.step({ type: 'Heartbeat', from: 'n2', to: 'n1', term: 1, commit: 3, context: 0 });
    expect(drain(n1).committedEntries.map((e) => e.index)).toEqual([3]);
    expect(n1.status().applied).toBe(3);
  });

  it('the leader commits an entry once a majority stores it, and followers learn the commit from later messages', () => {
    const c = new Cluster(P5);
    c.elect('n1');
    const n4Commit = c.node('n4').status().commit;
    c.isolate('n4');
    c.isolate('n5');
    c.node('n1').propose([bytes('x')]);
    c.run();
    expect(c.node('n1').status().commit).toBe(2);
    expect(c.appliedTexts('n1')).toEqual(['x']);
    // The news waits for a later message: no App goes for it alone, the next tick's does.
    expect(c.node('n2').status().commit).toBe(1);
    c.tick(1);
    c.run();
    expect(c.node('n2').status().commit).toBe(2);
    expect(c.appliedTexts('n2')).toEqual(['x']);
    expect(c.node('n4').status().commit).toBe(n4Commit);
  });

  it('a leader does not commit an entry a majority does not hold', () => {
    const c = new Cluster(P5);
    c.elect('n1');
    for (const id of ['n3', 'n4', 'n5']) c.isolate(id);
    c.node('n1').propose([bytes('x')]);
    c.run();
    expect(c.node('n1').status()).toMatchObject({ commit: 1, lastIndex: 2 });
  });

  it('committing an entry also commits every entry before it', () => {
    const c = new Cluster(P3);
    c.elect('n1');
    c.isolate('n2');
    c.isolate('n3');
    for (const text of ['a', 'b', 'c']) c.node('n1').propose([bytes(text)]);
    c.run();
    expect(c.node('n1').status().commit).toBe(1);
    c.heal();
    c.tick(3);
    expect(c.node('n1').status().commit).toBe(4);
    expect(c.appliedTexts('n2')).toEqual(['a', 'b', 'c']);
  });

  it('a leader brings followers with missing, extra or conflicting entries in line with its log (Figure 7)', () => {
    // The leader's log of Figure 7 and followers (a) to (f).
    const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
    const followers = [
      [1, 1, 1, 4, 4, 5, 5, 6, 6],
      [1, 1, 1, 4],
      [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
      [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
      [1, 1, 1, 4, 4, 4, 4],
      [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
    ];
    for (const followerLog of followers) {
      const c = new Cluster(
        P3,
        {},
        {
          n1: initialState(logOfTerms(leaderLog), { term: 7 }),
          n2: initialState(logOfTerms(followerLog), { term: 7 }),
          // A third node with the leader's log votes for it, as in the figure's election.
          n3: initialState(logOfTerms(leaderLog), { term: 7 }),
        },
      );
      c.elect('n1');
      c.tick(2);
      const expected = c
        .node('n1')
        .entries(1, 100)
        .map((e) => [e.index, e.term]);
      expect(
        c
          .node('n2')
          .entries(1, 100)
          .map((e) => [e.index, e.term]),
      ).toEqual(expected);
      expect(
        c
          .node('n1')
          .entries(1, 11)
          .map((e) => e.term),
      ).toEqual(leaderLog);
    }
  });
});

describe('§5.4 safety', () => {
  it('the up-to-date check refuses a candidate whose last term is lower', () => {
    const n1 = newNode('n1', P3, {}, initialState(logOfTerms([1, 2]), { term: 2 }));
    n1.step(voteReq('n2', 'n1', 3, 10, 1));
    expect(ofType(drain(n1).sent, 'VoteResp')[0]).toMatchObject({ reject: true, term: 3 });
  });

  it('the up-to-date check refuses a candidate with the same last term and a shorter log', () => {
    const n1 = newNode('n1', P3, {}, initialState(logOfTerms([1, 2, 2]), { term: 2 }));
    n1.step(voteReq('n2', 'n1', 3, 2, 2));
    expect(ofType(drain(n1).sent, 'VoteResp')[0]).toMatchObject({ reject: true });
  });

  it('the up-to-date check grants a candidate with a higher last term even if its log is shorter', () => {
    const n1 = newNode('n1', P3, {}, initialState(logOfTerms([1, 1, 1, 1]), { term: 2 }));
    n1.step(voteReq('n2', 'n1', 3, 2, 2));
    expect(ofType(drain(n1).sent, 'VoteResp')[0]).toMatchObject({ reject: false, term: 3 });
  });

  it('the up-to-date check grants a candidate with the same last term and a log at least as long', () => {
    const n1 = newNode('n1', P3, {}, initialState(logOfTerms([1, 2]), { term: 2 }));
    n1.step(voteReq('n2', 'n1', 3, 2, 2));
    expect(ofType(drain(n1).sent, 'VoteResp')[0]).toMatchObject({ reject: false });
  });

  it('a leader never commits an entry of an earlier term by counting replicas (Figure 8)', () => {
    // n1 leads term 3 holding an entry of term 2 at index 2 that n2 also holds.
    const n1 = newNode('n1', P3, {}, initialState(logOfTerms([1, 2]), { term: 2, commit: 1 }));
    electDirectly(n1, ['n2']);
    expect(n1.status()).toMatchObject({ role: 'leader', term: 3, lastIndex: 3 });
    // n2 acknowledges index 2 only: a majority holds the term-2 entry, yet it must stay uncommitted.
    n1.step(appResp({ from: 'n2', to: 'n1', term: 3, index: 2 }));
    drain(n1);
    expect(n1.status().commit).toBe(1);
    // Once the no-op of term 3 is on a majority, both commit together.
    n1.step(appResp({ from: 'n2', to: 'n1', term: 3, index: 3 }));
    expect(n1.status().commit).toBe(3);
  });

  it('a leader never overwrites or deletes its own entries, whatever its followers hold', () => {
    const c = new Cluster(
      P3,
      {},
      {
        n1: initialState(logOfTerms([1, 3]), { term: 3 }),
        n2: initialState(logOfTerms([1, 2, 2, 2]), { term: 3 }),
        n3: initialState(logOfTerms([1, 3]), { term: 3 }),
      },
    );
    c.elect('n1');
    c.tick(3);
    expect(
      c
        .node('n1')
        .entries(1, 10)
        .map((e) => e.term),
    ).toEqual([1, 3, 4]);
    expect(
      c
        .node('n2')
        .entries(1, 10)
        .map((e) => e.term),
    ).toEqual([1, 3, 4]);
  });

  it('a leader that receives AppendEntries of its own term fails loudly: two leaders in one term break Election Safety', () => {
    const n1 = newNode('n1', P3);
    electDirectly(n1, ['n2']);
    expect(() => n1.step(app({ from: 'n2', to: 'n1', term: 1 }))).toThrow(/two leaders/);
  });

  it('a follower refuses to truncate a committed entry', () => {
    const n1 = newNode('n1', P3, {}, initialState(logOfTerms([1, 1, 1]), { term: 1, commit: 3 }));
    // prevLogIndex below commit: the committed prefix is kept and the message is checked after it.
    n1.step(
      app({
        from: 'n2',
        to: 'n1',
        term: 2,
        prevLogIndex: 1,
        prevLogTerm: 1,
        entries: [entry(2, 1), entry(3, 1), entry(4, 2, 'x')],
      }),
    );
    expect(n1.entries(1, 10).map((e) => e.term)).toEqual([1, 1, 1, 2]);
  });

  it('every node applies the same commands in the same order', () => {
    const c = new Cluster(P5);
    c.elect('n1');
    c.node('n1').propose([bytes('a')]);
    c.run();
    c.isolate('n1');
    c.elect('n2');
    c.node('n2').propose([bytes('b'), bytes('c')]);
    c.run();
    c.heal();
    c.tick(5);
    for (const id of P5) expect(c.appliedTexts(id)).toEqual(['a', 'b', 'c']);
  });
});

describe('durability (Figure 2 "persistent state", etcd async storage)', () => {
  it('the leader counts its own log toward a commit only after advance() reports it durable', () => {
    const n1 = newNode('n1', P3);
    electDirectly(n1, ['n2']);
    n1.step(appResp({ from: 'n2', to: 'n1', term: 1, index: 1 }));
    drain(n1);
    n1.propose([bytes('x')]);
    const ready = n1.ready();
    expect(ready.entries.map((e) => e.index)).toEqual([2]);
    // Neither follower has acknowledged entry 2, and our own copy is not durable: nothing commits.
    expect(n1.status().commit).toBe(1);
    n1.advance(ready);
    // Now our copy counts; one follower still is needed.
    expect(n1.status().commit).toBe(1);
    n1.step(appResp({ from: 'n3', to: 'n1', term: 1, index: 2 }));
    expect(n1.status().commit).toBe(2);
  });

  it('a leader whose own fsync is slow commits on followers alone only when they form a majority', () => {
    const n1 = newNode('n1', P3);
    electDirectly(n1, ['n2']);
    n1.propose([bytes('x')]);
    const ready = n1.ready();
    n1.step(appResp({ from: 'n2', to: 'n1', term: 1, index: 2 }));
    // Our durable no-op and n2 make a majority for index 1 only.
    expect(n1.status().commit).toBe(1);
    n1.step(appResp({ from: 'n3', to: 'n1', term: 1, index: 2 }));
    expect(n1.status().commit).toBe(2);
    n1.advance(ready);
    // The committed entries come out only in a later Ready, after their own Ready was persisted.
    expect(drain(n1).committedEntries.map((e) => e.index)).toEqual([1, 2]);
  });

  it('a follower acknowledges entries only after they are durable', () => {
    const n1 = newNode('n1', P3);
    n1.step(app({ from: 'n2', to: 'n1', term: 1, entries: logOfTerms([1, 1]) }));
    const ready = n1.ready();
    expect(ready.entries.map((e) => e.index)).toEqual([1, 2]);
    expect(ready.messages.filter((m) => m.type === 'AppResp')).toEqual([]);
    expect(ofType(ready.persistedMessages, 'AppResp')[0]).toMatchObject({ index: 2, reject: false });
    n1.advance(ready);
  });

  it('an acknowledgement of entries truncated before the fsync is withdrawn', () => {
    const n1 = newNode('n1', P3);
    n1.step(app({ from: 'n2', to: 'n1', term: 1, entries: logOfTerms([1, 1, 1]) }));
    // Before the host takes the Ready, a leader of term 2 replaces entries 2 and 3.
    n1.step(app({ from: 'n3', to: 'n1', term: 2, prevLogIndex: 1, prevLogTerm: 1, entries: [entry(2, 2, 'y')] }));
    const ready = n1.ready();
    const acks = ofType(ready.persistedMessages, 'AppResp');
    expect(acks.map((a) => [a.to, a.index])).toEqual([['n3', 2]]);
    expect(ready.entries.map((e) => [e.index, e.term])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    n1.advance(ready);
  });

  it('entries truncated while their Ready is being persisted are not counted durable', () => {
    const n1 = newNode('n1', P3);
    n1.step(app({ from: 'n2', to: 'n1', term: 1, entries: logOfTerms([1, 1, 1]) }));
    const first = n1.ready();
    n1.step(app({ from: 'n3', to: 'n1', term: 2, prevLogIndex: 1, prevLogTerm: 1, entries: [entry(2, 2, 'y')] }));
    n1.advance(first);
    // The rewritten suffix must come out again for the host to persist.
    const second = n1.ready();
    expect(second.entries.map((e) => [e.index, e.term])).toEqual([[2, 2]]);
    n1.advance(second);
  });

  it('HardState is emitted exactly when term, vote or commit change', () => {
    const n1 = newNode('n1', P3);
    expect(n1.hasReady()).toBe(false);
    n1.step({ type: 'Heartbeat', from: 'n2', to: 'n1', term: 1, commit: 0, context: 0 });
    const first = n1.ready();
    expect(first.hardState).toEqual({ term: 1, vote: '', commit: 0 });
    n1.advance(first);
    n1.step({ type: 'Heartbeat', from: 'n2', to: 'n1', term: 1, commit: 0, context: 0 });
    const same = n1.ready();
    expect(same.hardState).toBeNull();
    n1.advance(same);
    n1.step(app({ from: 'n2', to: 'n1', term: 1, entries: logOfTerms([1]), commit: 1 }));
    expect(n1.ready().hardState).toEqual({ term: 1, vote: '', commit: 1 });
  });

  it('a restarted node re-delivers committed entries from applied + 1', () => {
    const n1 = newNode('n1', P3, {}, initialState(logOfTerms([1, 1, 1, 1]), { term: 1, commit: 3 }, 1));
    const out = drain(n1);
    expect(out.committedEntries.map((e) => e.index)).toEqual([2, 3]);
    expect(out.entries).toEqual([]);
    expect(n1.status()).toMatchObject({ applied: 3, commit: 3 });
  });

  it('a restart whose applied index is beyond the stored log is refused with a clear error', () => {
    expect(() => newNode('n1', P3, {}, initialState(logOfTerms([1]), { term: 1, commit: 1 }, 5))).toThrow(/applied 5/);
  });

  it('ready() twice without advance() is refused', () => {
    const n1 = newNode('n1', P3);
    n1.campaign();
    n1.ready();
    expect(n1.hasReady()).toBe(false);
    expect(() => n1.ready()).toThrow(/advance/);
  });
});
