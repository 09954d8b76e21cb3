// Log compaction and InstallSnapshot (§7): what the core keeps, when it sends a snapshot, how a
// follower takes one, and restarts from one.
import { describe, expect, it } from 'vitest';
import { createRaft, encodeConfChange } from '../../src/shared/raft/index';
import { RaftLog } from '../../src/shared/raft/log';
import type { InstallSnapshot, Membership, RaftCore, SnapshotMeta } from '../../src/shared/raft/types';
import {
  app,
  appResp,
  drain,
  electDirectly,
  entry,
  initialState,
  logOfTerms,
  makeConfig,
  ofType,
  peersOf,
} from './helpers';
import { SnapCluster } from './snap-cluster';

const P3 = peersOf(3);
const M3: Membership = { voters: P3, learners: [] };

function snap(index: number, term: number, membership: Membership = M3, from = 'n1', to = 'n2'): InstallSnapshot {
  return { type: 'Snap', from, to, term, snapshot: { index, term, membership } };
}

/** A leader n1 of term 1 whose log holds `count` committed entries after its no-op, all applied. */
function leaderWithLog(count: number, catchUp = 0): RaftCore {
  const n1 = createRaft(makeConfig('n1', P3, { snapshotCatchUpEntries: catchUp }), initialState());
  electDirectly(n1, ['n2']);
  n1.step(appResp({ from: 'n2', to: 'n1', term: 1, index: 1 }));
  drain(n1);
  for (let i = 0; i < count; i++) n1.propose([new TextEncoder().encode(`v${i}`)]);
  drain(n1);
  n1.step(appResp({ from: 'n2', to: 'n1', term: 1, index: count + 1 }));
  drain(n1);
  return n1;
}

describe('RaftLog compaction', () => {
  it('compactTo drops applied entries and keeps terms at the new start', () => {
    const log = new RaftLog({ index: 0, term: 0 }, logOfTerms([1, 1, 2, 2, 3]), 5, 4);
    log.compactTo(3);
    expect(log.firstIndex()).toBe(4);
    expect(log.term(3)).toBe(2);
    expect(log.term(2)).toBeUndefined();
    expect(log.slice(1, 6).map((e) => e.index)).toEqual([4, 5]);
    // Never backwards.
    log.compactTo(2);
    expect(log.firstIndex()).toBe(4);
  });

  it('compactTo refuses to drop entries not yet applied', () => {
    const log = new RaftLog({ index: 0, term: 0 }, logOfTerms([1, 1, 2]), 3, 1);
    expect(() => log.compactTo(2)).toThrow(/not yet applied/);
    expect(log.firstIndex()).toBe(1);
  });

  it('restore replaces the log and counts the snapshot committed and applied', () => {
    const log = new RaftLog({ index: 0, term: 0 }, logOfTerms([1, 1, 2]), 1, 1);
    log.restore({ index: 10, term: 4 });
    expect(log.lastIndex()).toBe(10);
    expect(log.lastTerm()).toBe(4);
    expect([log.committed, log.applied, log.persistedIndex]).toEqual([10, 10, 10]);
    expect(log.hasUnstable()).toBe(false);
  });

  it('restore refuses to go below the commit index', () => {
    const log = new RaftLog({ index: 0, term: 0 }, logOfTerms([1, 1, 2]), 3, 3);
    expect(() => log.restore({ index: 2, term: 1 })).toThrow(/undo commit/);
  });
});

describe('snapshotMeta and compact', () => {
  it('snapshotMeta names the applied index, its term and the membership as of it', () => {
    const n1 = leaderWithLog(4);
    expect(n1.snapshotMeta()).toEqual({ index: 5, term: 1, membership: M3 });
  });

  it('snapshotMeta leaves out a config entry committed but not yet applied', () => {
    const n2 = createRaft(makeConfig('n2', P3), initialState());
    const change = {
      index: 1,
      term: 1,
      type: 'config' as const,
      data: encodeConfChange({ type: 'addLearner', node: 'n4' }),
    };
    n2.step(app({ from: 'n1', to: 'n2', term: 1, entries: [change], commit: 1 }));
    // Committed (and in force in the core) before the host has applied it.
    expect(n2.status().membership).toEqual({ voters: P3, learners: ['n4'] });
    expect(n2.snapshotMeta()).toEqual({ index: 0, term: 0, membership: M3 });
    drain(n2);
    expect(n2.snapshotMeta()).toEqual({ index: 1, term: 1, membership: { voters: P3, learners: ['n4'] } });
  });

  it('compact keeps snapshotCatchUpEntries entries before the snapshot point', () => {
    const n1 = leaderWithLog(20, 5);
    const meta = n1.snapshotMeta();
    n1.compact(meta);
    expect(n1.status()).toMatchObject({ snapshotIndex: 21, firstIndex: 17, lastIndex: 21 });
    expect(n1.entries(1, 30).map((e) => e.index)).toEqual([17, 18, 19, 20, 21]);
  });

  it('compact refuses a meta no snapshot of this node can carry, and changes nothing', () => {
    const n1 = leaderWithLog(4);
    const before = n1.status();
    const good = n1.snapshotMeta();
    expect(() => n1.compact({ ...good, index: 9 })).toThrow(/beyond the applied index 5/);
    expect(() => n1.compact({ ...good, term: 2 })).toThrow(/term 1 at index 5, the meta says 2/);
    expect(() => n1.compact({ ...good, membership: { voters: ['n1'], learners: [] } })).toThrow(/not the one in force/);
    expect(() => n1.compact({ ...good, membership: { voters: [], learners: [] } })).toThrow(/no voter/);
    expect(() => n1.compact({ ...good, index: 0 })).toThrow(/not a log index/);
    expect(n1.status()).toEqual(before);
  });

  it('an older meta than the snapshot held changes nothing', () => {
    const n1 = leaderWithLog(4);
    n1.compact(n1.snapshotMeta());
    const before = n1.status();
    n1.compact({ index: 2, term: 1, membership: M3 });
    expect(n1.status()).toEqual(before);
  });
});

describe('the leader sends InstallSnapshot', () => {
  it('sends Snap with the compacted meta to a follower whose next is before the first index', () => {
    const n1 = leaderWithLog(10);
    const meta = n1.snapshotMeta();
    n1.compact(meta);
    // n3 has been silent: it answers a probe at last, its log empty.
    n1.step(appResp({ from: 'n3', to: 'n1', term: 1, index: 0, reject: true, conflictIndex: 1 }));
    const out = drain(n1);
    expect(ofType(out.messages, 'Snap')).toEqual([{ type: 'Snap', from: 'n1', to: 'n3', term: 1, snapshot: meta }]);
    expect(ofType(out.messages, 'App').filter((m) => m.to === 'n3')).toEqual([]);
    expect(n1.status().progress.n3).toMatchObject({ state: 'snapshot' });
  });

  it('sends nothing more while the transfer runs, then probes after it when reported done', () => {
    const n1 = leaderWithLog(10);
    const meta = n1.snapshotMeta();
    n1.compact(meta);
    n1.step(appResp({ from: 'n3', to: 'n1', term: 1, index: 0, reject: true, conflictIndex: 1 }));
    drain(n1);
    n1.propose([new TextEncoder().encode('more')]);
    n1.step({ type: 'HeartbeatResp', from: 'n3', to: 'n1', term: 1, context: 0 });
    const during = drain(n1);
    expect(during.messages.filter((m) => m.to === 'n3' && (m.type === 'App' || m.type === 'Snap'))).toEqual([]);
    n1.reportSnapshot('n3', true);
    expect(n1.status().progress.n3).toMatchObject({ state: 'probe', next: meta.index + 1 });
    const after = ofType(drain(n1).messages, 'App').filter((m) => m.to === 'n3');
    expect(after.map((m) => m.prevLogIndex)).toEqual([meta.index]);
  });

  it('after a failed transfer waits for a sign of life, then sends the snapshot again', () => {
    const n1 = leaderWithLog(10);
    n1.compact(n1.snapshotMeta());
    n1.step(appResp({ from: 'n3', to: 'n1', term: 1, index: 0, reject: true, conflictIndex: 1 }));
    drain(n1);
    n1.reportSnapshot('n3', false);
    expect(n1.status().progress.n3).toMatchObject({ state: 'probe', next: 1 });
    expect(ofType(drain(n1).messages, 'Snap')).toEqual([]);
    n1.step({ type: 'HeartbeatResp', from: 'n3', to: 'n1', term: 1, context: 0 });
    expect(ofType(drain(n1).messages, 'Snap').map((m) => m.to)).toEqual(['n3']);
  });

  it("the follower's acknowledgement of the snapshot index ends the snapshot state", () => {
    const n1 = leaderWithLog(10);
    const meta = n1.snapshotMeta();
    n1.compact(meta);
    n1.step(appResp({ from: 'n3', to: 'n1', term: 1, index: 0, reject: true, conflictIndex: 1 }));
    drain(n1);
    n1.step(appResp({ from: 'n3', to: 'n1', term: 1, index: meta.index }));
    expect(n1.status().progress.n3).toMatchObject({ state: 'replicate', match: meta.index });
    // A report that comes after changes nothing.
    n1.reportSnapshot('n3', false);
    expect(n1.status().progress.n3).toMatchObject({ state: 'replicate', match: meta.index });
  });

  it('ignores a rejection that answers an App sent before the snapshot', () => {
    const n1 = leaderWithLog(10);
    n1.compact(n1.snapshotMeta());
    n1.step(appResp({ from: 'n3', to: 'n1', term: 1, index: 0, reject: true, conflictIndex: 1 }));
    drain(n1);
    n1.step(appResp({ from: 'n3', to: 'n1', term: 1, index: 0, reject: true, conflictIndex: 1 }));
    expect(n1.status().progress.n3).toMatchObject({ state: 'snapshot' });
  });

  it('a restarted leader sends the snapshot it loaded', () => {
    const meta: SnapshotMeta = { index: 50, term: 3, membership: M3 };
    const n1 = createRaft(makeConfig('n1', P3), {
      hardState: { term: 3, vote: 'n1', commit: 52 },
      snapshot: meta,
      entries: [entry(51, 3, 'a'), entry(52, 3, 'b')],
      applied: 50,
    });
    expect(n1.status()).toMatchObject({ snapshotIndex: 50, firstIndex: 51, commit: 52 });
    electDirectly(n1, ['n2']);
    n1.step(appResp({ from: 'n3', to: 'n1', term: 4, index: 52, reject: true, conflictIndex: 1 }));
    expect(ofType(drain(n1).messages, 'Snap').map((m) => m.snapshot)).toEqual([meta]);
  });
});

describe('the follower takes InstallSnapshot', () => {
  it('a snapshot at or below its commit is answered with its commit and not installed', () => {
    const n2 = createRaft(makeConfig('n2', P3), initialState(logOfTerms([1, 1, 1]), { term: 1, commit: 3 }, 3));
    n2.step(snap(2, 1));
    const out = drain(n2);
    expect(out.readys.every((r) => r.snapshot === null)).toBe(true);
    expect(ofType(out.persistedMessages, 'AppResp')).toMatchObject([{ reject: false, index: 3 }]);
    expect(n2.status()).toMatchObject({ lastIndex: 3, commit: 3, snapshotIndex: 0 });
  });

  it('a snapshot whose last entry it holds commits to it and keeps the tail', () => {
    const n2 = createRaft(makeConfig('n2', P3), initialState(logOfTerms([1, 1, 1, 1, 1]), { term: 1 }));
    n2.step(snap(3, 1));
    const out = drain(n2);
    expect(out.readys.every((r) => r.snapshot === null)).toBe(true);
    expect(out.committedEntries.map((e) => e.index)).toEqual([1, 2, 3]);
    expect(ofType(out.persistedMessages, 'AppResp')).toMatchObject([{ reject: false, index: 3 }]);
    expect(n2.status()).toMatchObject({ lastIndex: 5, commit: 3 });
  });

  it('any other snapshot replaces the log: Ready.snapshot, commit and applied at its index, its membership', () => {
    const n2 = createRaft(makeConfig('n2', P3), initialState(logOfTerms([1, 1, 2]), { term: 2, commit: 1 }, 1));
    const membership = { voters: P3, learners: ['n4'] };
    n2.step(snap(10, 3, membership));
    const ready = n2.ready();
    expect(ready.snapshot).toEqual({ index: 10, term: 3, membership });
    expect(ready.committedEntries).toEqual([]);
    expect(ofType(ready.persistedMessages, 'AppResp')).toMatchObject([{ reject: false, index: 10, term: 3 }]);
    n2.advance(ready);
    expect(n2.status()).toMatchObject({
      term: 3,
      leader: 'n1',
      commit: 10,
      applied: 10,
      firstIndex: 11,
      lastIndex: 10,
      lastTerm: 3,
      snapshotIndex: 10,
      membership,
    });
    // The log continues after it.
    n2.step(
      app({
        from: 'n1',
        to: 'n2',
        term: 3,
        prevLogIndex: 10,
        prevLogTerm: 3,
        entries: [entry(11, 3, 'x')],
        commit: 11,
      }),
    );
    expect(drain(n2).committedEntries.map((e) => e.index)).toEqual([11]);
  });

  it('withdraws an unsent acknowledgement of entries the snapshot dropped', () => {
    const n2 = createRaft(makeConfig('n2', P3), initialState());
    n2.step(app({ from: 'n1', to: 'n2', term: 1, entries: logOfTerms([1, 1, 1, 1, 1]), commit: 0 }));
    // The ack of 5 waits for the fsync; meanwhile a snapshot at 3 of another term replaces the log.
    n2.step(snap(3, 1, M3));
    n2.step({ ...snap(4, 2, M3), term: 2 });
    const acks = ofType(drain(n2).persistedMessages, 'AppResp');
    expect(acks.every((m) => m.index <= 4)).toBe(true);
  });

  it('a snapshot arriving while a Ready is outstanding does not break advance()', () => {
    const n2 = createRaft(makeConfig('n2', P3), initialState());
    n2.step(app({ from: 'n1', to: 'n2', term: 1, entries: logOfTerms([1, 1]), commit: 2 }));
    const ready = n2.ready();
    expect(ready.committedEntries.map((e) => e.index)).toEqual([1, 2]);
    n2.step(snap(9, 1));
    n2.advance(ready);
    const next = n2.ready();
    expect(next.snapshot?.index).toBe(9);
    n2.advance(next);
    expect(n2.status()).toMatchObject({ applied: 9, commit: 9 });
  });

  it('a candidate that receives a Snap of its term follows the sender', () => {
    const n2 = createRaft(makeConfig('n2', P3), initialState());
    n2.campaign();
    drain(n2);
    n2.step(snap(5, 1));
    expect(n2.status()).toMatchObject({ role: 'follower', leader: 'n1', commit: 5 });
  });

  it('a Snap from an older term is answered with a rejection carrying our term', () => {
    const n2 = createRaft(makeConfig('n2', P3), initialState([], { term: 5 }));
    n2.step(snap(5, 2));
    const out = drain(n2);
    expect(ofType(out.messages, 'AppResp')).toMatchObject([{ to: 'n1', term: 5, reject: true }]);
    expect(n2.status().snapshotIndex).toBe(0);
  });
});

describe('snapshots in a cluster', () => {
  it('a follower down while the log was compacted catches up by InstallSnapshot', () => {
    const c = new SnapCluster(P3, { snapshotCatchUpEntries: 2 });
    c.elect('n1');
    c.crash('n3');
    for (let i = 0; i < 30; i++) c.put(`k${i}`);
    c.takeSnapshot('n1');
    c.restart('n3');
    c.tick(5);
    expect(c.installs.map((i) => i.node)).toEqual(['n3']);
    expect(c.texts('n3')).toEqual(c.texts('n1'));
    c.put('after');
    expect(c.texts('n3').at(-1)).toBe('after');
    c.checkStateMachines();
  });

  it('a node restarts from its snapshot plus the tail, and the group goes on', () => {
    const c = new SnapCluster(P3, { snapshotCatchUpEntries: 0 });
    c.elect('n1');
    for (let i = 0; i < 10; i++) c.put(`a${i}`);
    for (const id of P3) c.takeSnapshot(id);
    for (let i = 0; i < 5; i++) c.put(`b${i}`);
    const before = c.texts('n2');
    c.crash('n2');
    c.restart('n2');
    expect(c.node('n2').status()).toMatchObject({ snapshotIndex: 11, firstIndex: 12 });
    c.tick(3);
    expect(c.texts('n2').slice(0, before.length)).toEqual(before);
    // Everyone restarts from a snapshot: the group still elects and commits.
    for (const id of P3) {
      c.crash(id);
      c.restart(id);
    }
    c.settle();
    c.put('z');
    for (const id of P3) expect(c.texts(id).at(-1)).toBe('z');
    c.checkStateMachines();
  });

  it('a failed transfer is retried and succeeds once the receiver can take it', () => {
    const c = new SnapCluster(P3, { snapshotCatchUpEntries: 0 });
    c.elect('n1');
    c.crash('n3');
    for (let i = 0; i < 5; i++) c.put(`k${i}`);
    c.takeSnapshot('n1');
    c.failSnapshotsTo.add('n3');
    c.restart('n3');
    c.tick(5);
    expect(c.snapshotReports.filter((r) => r.to === 'n3' && !r.ok).length).toBeGreaterThan(0);
    expect(c.installs).toEqual([]);
    c.failSnapshotsTo.clear();
    c.tick(5);
    expect(c.installs.map((i) => i.node)).toEqual(['n3']);
    expect(c.texts('n3')).toEqual(c.texts('n1'));
  });
});
