// Batching and flow control: entries and bytes per App, the inflight window in replicate state, one
// probe at a time in probe state, and an idle leader that only sends heartbeats.
import { describe, expect, it } from 'vitest';
import { entrySizeBytes } from '../../src/shared/raft/log';
import type { AppendEntries, RaftCore } from '../../src/shared/raft/types';
import { appResp, bytes, Cluster, drain, electDirectly, newNode, ofType, peersOf } from './helpers';

const P3 = peersOf(3);

function appsTo(c: Cluster, to: string): AppendEntries[] {
  return c.wire.filter((m): m is AppendEntries => m.type === 'App' && m.to === to && m.entries.length > 0);
}

function ackAll(n1: RaftCore, index: number): void {
  for (const from of ['n2', 'n3']) {
    n1.step(appResp({ from, to: 'n1', term: 1, index }));
  }
}

describe('flow control', () => {
  it('keeps at most maxInflightMessages Apps in flight to a follower that does not answer', () => {
    const c = new Cluster(P3, { maxInflightMessages: 4, maxEntriesPerMessage: 2 });
    c.elect('n1');
    c.cutLink('n2', 'n1');
    const before = appsTo(c, 'n2').length;
    for (let i = 0; i < 40; i++) {
      c.node('n1').propose([bytes(`v${i}`)]);
      c.run();
    }
    expect(appsTo(c, 'n2').length - before).toBe(4);
    expect(c.node('n1').status().progress.n2).toMatchObject({ state: 'replicate', inflight: 4, match: 1 });
    // n3 answers, so its window keeps moving and everything commits.
    expect(c.node('n1').status().commit).toBe(41);
    // Once n2's answers get through, the window drains and n2 catches up.
    c.healLink('n2', 'n1');
    c.tick(3);
    expect(c.node('n2').status().lastIndex).toBe(41);
    expect(c.node('n1').status().progress.n2).toMatchObject({ match: 41, inflight: 0 });
  });

  it('puts at most maxEntriesPerMessage entries in one App', () => {
    const n1 = newNode('n1', P3, { maxEntriesPerMessage: 3 });
    electDirectly(n1, ['n2']);
    ackAll(n1, 1);
    drain(n1);
    n1.propose(Array.from({ length: 10 }, (_, i) => bytes(`c${i}`)));
    const apps = ofType(drain(n1).sent, 'App').filter((m) => m.to === 'n2');
    expect(apps.map((m) => m.entries.length)).toEqual([3, 3, 3, 1]);
    expect(apps.map((m) => m.prevLogIndex)).toEqual([1, 4, 7, 10]);
  });

  it('puts at most maxBytesPerMessage bytes in one App, yet sends an oversized entry alone', () => {
    const payload = new Uint8Array(100);
    const size = entrySizeBytes({ index: 1, term: 1, type: 'normal', data: payload });
    const n1 = newNode('n1', P3, { maxBytesPerMessage: size * 2 + 10 });
    electDirectly(n1, ['n2']);
    ackAll(n1, 1);
    drain(n1);
    n1.propose([payload, payload, payload, payload, payload, new Uint8Array(10_000), payload]);
    const apps = ofType(drain(n1).sent, 'App').filter((m) => m.to === 'n2');
    expect(apps.map((m) => m.entries.length)).toEqual([2, 2, 1, 1, 1]);
    expect(apps[3]!.entries[0]!.data.byteLength).toBe(10_000);
  });

  it('batches the proposals of one loop turn into one App per follower', () => {
    const n1 = newNode('n1', P3);
    electDirectly(n1, ['n2']);
    ackAll(n1, 1);
    drain(n1);
    for (let i = 0; i < 20; i++) n1.propose([bytes(`p${i}`)]);
    const apps = ofType(drain(n1).sent, 'App');
    expect(apps.map((m) => [m.to, m.entries.length])).toEqual([
      ['n2', 20],
      ['n3', 20],
    ]);
  });

  it('in probe state sends one App and waits for an answer or a heartbeat reply', () => {
    const n1 = newNode('n1', P3);
    const first = electDirectly(n1, ['n2']);
    expect(ofType(first.sent, 'App').filter((m) => m.to === 'n2')).toHaveLength(1);
    n1.propose([bytes('a')]);
    n1.propose([bytes('b')]);
    expect(ofType(drain(n1).sent, 'App')).toEqual([]);
    n1.step({ type: 'HeartbeatResp', from: 'n2', to: 'n1', term: 1, context: 0 });
    const again = ofType(drain(n1).sent, 'App');
    expect(again.map((m) => [m.to, m.prevLogIndex, m.entries.length])).toEqual([['n2', 0, 3]]);
  });

  it('a rejection moves a follower from replicate back to probe', () => {
    const n1 = newNode('n1', P3);
    electDirectly(n1, ['n2']);
    ackAll(n1, 1);
    n1.propose([bytes('a')]);
    drain(n1);
    expect(n1.status().progress.n2?.state).toBe('replicate');
    // A rejection at or below match answers an older message: ignored.
    n1.step(appResp({ from: 'n2', to: 'n1', term: 1, reject: true, index: 1, conflictIndex: 1 }));
    expect(n1.status().progress.n2?.state).toBe('replicate');
    n1.step(appResp({ from: 'n2', to: 'n1', term: 1, reject: true, index: 2, conflictIndex: 2 }));
    expect(n1.status().progress.n2).toMatchObject({ state: 'probe', next: 2 });
  });

  it('recovers a lost App in replicate state: the next App is rejected and the follower is probed', () => {
    const c = new Cluster(P3);
    c.elect('n1');
    c.dropNext((m) => m.type === 'App' && m.to === 'n2' && m.entries.length > 0);
    c.node('n1').propose([bytes('lost')]);
    c.run();
    c.node('n1').propose([bytes('next')]);
    c.run();
    expect(c.wire.some((m) => m.type === 'AppResp' && m.from === 'n2' && m.reject)).toBe(true);
    c.tick(1);
    expect(c.appliedTexts('n2')).toEqual(['lost', 'next']);
  });

  it('recovers the last App of a burst lost in replicate state through a heartbeat reply', () => {
    const c = new Cluster(P3);
    c.elect('n1');
    // Without n3 nothing commits, so no later App would reveal the loss: only the heartbeat can.
    c.isolate('n3');
    c.dropNext((m) => m.type === 'App' && m.to === 'n2' && m.entries.length > 0);
    c.node('n1').propose([bytes('only')]);
    c.run();
    expect(c.node('n2').status().lastIndex).toBe(1);
    expect(c.node('n1').status().commit).toBe(1);
    c.tick(1);
    expect(c.node('n1').status().commit).toBe(2);
    expect(c.node('n2').status().lastIndex).toBe(2);
  });

  it('an idle leader sends only heartbeats', () => {
    const c = new Cluster(P3);
    c.elect('n1');
    c.node('n1').propose([bytes('x')]);
    c.run();
    c.tick(1);
    const start = c.wire.length;
    c.tick(50);
    const kinds = new Set(c.wire.slice(start).map((m) => m.type));
    expect([...kinds].sort()).toEqual(['Heartbeat', 'HeartbeatResp']);
    expect(c.wire.length - start).toBe(50 * 4);
  });

  it('a heartbeat never tells a follower to commit beyond what it is known to hold', () => {
    const c = new Cluster(P3);
    c.elect('n1');
    c.cutLink('n1', 'n3');
    c.node('n1').propose([bytes('x')]);
    c.run();
    c.healLink('n1', 'n3');
    const start = c.wire.length;
    c.node('n1').tick();
    c.run();
    const beat = c.wire.slice(start).find((m) => m.type === 'Heartbeat' && m.to === 'n3');
    expect(beat).toMatchObject({ commit: 1 });
    expect(c.node('n1').status().commit).toBe(2);
  });
});
