// ReadIndex (thesis §6.4): linearizable reads without writing to the log.
import { describe, expect, it } from 'vitest';
import type { RaftCore } from '../../src/shared/raft/types';
import { appResp, bytes, Cluster, drain, electDirectly, newNode, ofType, peersOf } from './helpers';

const P3 = peersOf(3);
const P5 = peersOf(5);

function ackNoop(n1: RaftCore, from: string[]): void {
  for (const f of from) {
    n1.step(appResp({ from: f, to: 'n1', term: 1, index: 1 }));
  }
}

describe('ReadIndex on the leader', () => {
  it('waits until the leader has committed an entry of its own term', () => {
    const n1 = newNode('n1', P3);
    electDirectly(n1, ['n2']);
    expect(n1.readIndex(1)).toBe(true);
    const before = drain(n1);
    expect(before.readStates).toEqual([]);
    // No heartbeat round is spent on a read that cannot be answered yet.
    expect(ofType(before.sent, 'Heartbeat').filter((h) => h.context > 0)).toEqual([]);
    ackNoop(n1, ['n2']);
    const round = ofType(drain(n1).sent, 'Heartbeat');
    expect(round.length).toBe(2);
    n1.step({ type: 'HeartbeatResp', from: 'n2', to: 'n1', term: 1, context: round[0]!.context });
    expect(drain(n1).readStates).toEqual([{ context: 1, index: 1 }]);
  });

  it('answers only after a majority acknowledges a heartbeat sent after the read arrived', () => {
    const n1 = newNode('n1', P5);
    electDirectly(n1, ['n2', 'n3']);
    ackNoop(n1, ['n2', 'n3']);
    drain(n1);
    n1.readIndex(7);
    const beats = ofType(drain(n1).sent, 'Heartbeat');
    expect(beats.map((b) => b.to).sort()).toEqual(['n2', 'n3', 'n4', 'n5']);
    const round = beats[0]!.context;
    expect(round).toBeGreaterThan(0);
    n1.step({ type: 'HeartbeatResp', from: 'n4', to: 'n1', term: 1, context: round });
    expect(drain(n1).readStates).toEqual([]);
    n1.step({ type: 'HeartbeatResp', from: 'n5', to: 'n1', term: 1, context: round });
    expect(drain(n1).readStates).toEqual([{ context: 7, index: 1 }]);
  });

  it('serves a whole batch of reads with one heartbeat round', () => {
    const c = new Cluster(P3);
    c.elect('n1');
    const before = c.count('Heartbeat');
    for (let ctx = 1; ctx <= 50; ctx++) c.node('n1').readIndex(ctx);
    c.run();
    expect(c.count('Heartbeat') - before).toBe(2);
    expect(c.readStates.get('n1')!.map((r) => r.context)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('does not answer with a heartbeat round sent before the read arrived', () => {
    const n1 = newNode('n1', P3);
    electDirectly(n1, ['n2']);
    ackNoop(n1, ['n2']);
    drain(n1);
    n1.readIndex(1);
    const first = ofType(drain(n1).sent, 'Heartbeat')[0]!.context;
    n1.readIndex(2);
    n1.step({ type: 'HeartbeatResp', from: 'n2', to: 'n1', term: 1, context: first });
    const out = drain(n1);
    expect(out.readStates).toEqual([{ context: 1, index: 1 }]);
    const second = ofType(out.sent, 'Heartbeat')[0]!.context;
    expect(second).toBeGreaterThan(first);
    n1.step({ type: 'HeartbeatResp', from: 'n3', to: 'n1', term: 1, context: second });
    expect(drain(n1).readStates).toEqual([{ context: 2, index: 1 }]);
  });

  it('records the commit index at the time the read arrived', () => {
    const c = new Cluster(P3);
    c.elect('n1');
    c.node('n1').propose([bytes('a'), bytes('b')]);
    c.run();
    c.node('n1').readIndex(9);
    c.run();
    expect(c.readStates.get('n1')).toEqual([{ context: 9, index: 3 }]);
  });

  it('a single-node group answers at once', () => {
    const solo = newNode('n1', ['n1']);
    solo.campaign();
    drain(solo);
    expect(solo.status().role).toBe('leader');
    expect(solo.readIndex(5)).toBe(true);
    expect(drain(solo).readStates).toEqual([{ context: 5, index: 1 }]);
  });

  it('fails pending reads when the leader steps down', () => {
    const n1 = newNode('n1', P3);
    electDirectly(n1, ['n2']);
    n1.readIndex(1);
    n1.step({ type: 'ReadIndex', from: 'n3', to: 'n1', term: 1, context: 2 });
    ackNoop(n1, ['n2']);
    n1.readIndex(3);
    drain(n1);
    n1.step({ type: 'Heartbeat', from: 'n2', to: 'n1', term: 2, commit: 0, context: 0 });
    const out = drain(n1);
    expect(out.failedReads.sort()).toEqual([1, 3]);
    expect(ofType(out.sent, 'ReadIndexResp')).toEqual([
      { type: 'ReadIndexResp', from: 'n1', to: 'n3', term: 2, context: 2, index: 0, reject: true },
    ]);
  });

  it('CheckQuorum stepping down fails the reads a cut-off leader held', () => {
    const c = new Cluster(P3, { checkQuorum: true });
    c.elect('n1');
    c.isolate('n1');
    c.node('n1').readIndex(4);
    c.tick(25);
    expect(c.failedReads.get('n1')).toEqual([4]);
    expect(c.readStates.get('n1')).toEqual([]);
  });
});

describe('ReadIndex on a follower', () => {
  it('returns false at once when no leader is known', () => {
    const n2 = newNode('n2', P3);
    expect(n2.readIndex(1)).toBe(false);
    expect(n2.hasReady()).toBe(false);
  });

  it('forwards to the leader and turns the answer into a ReadState', () => {
    const c = new Cluster(P3);
    c.elect('n1');
    c.node('n1').propose([bytes('a')]);
    c.run();
    expect(c.node('n2').readIndex(11)).toBe(true);
    c.run();
    expect(c.count('ReadIndex', 'n2', 'n1')).toBe(1);
    expect(c.readStates.get('n2')).toEqual([{ context: 11, index: 2 }]);
    expect(c.readStates.get('n1')).toEqual([]);
  });

  it('turns a refusal into a failed read', () => {
    const n2 = newNode('n2', P3);
    n2.step({ type: 'Heartbeat', from: 'n1', to: 'n2', term: 1, commit: 0, context: 0 });
    n2.readIndex(3);
    drain(n2);
    n2.step({ type: 'ReadIndexResp', from: 'n1', to: 'n2', term: 1, context: 3, index: 0, reject: true });
    const out = drain(n2);
    expect(out.failedReads).toEqual([3]);
    expect(out.readStates).toEqual([]);
  });

  it('fails forwarded reads when its leader changes, and ignores a late answer', () => {
    const n2 = newNode('n2', P3);
    n2.step({ type: 'Heartbeat', from: 'n1', to: 'n2', term: 1, commit: 0, context: 0 });
    n2.readIndex(3);
    drain(n2);
    n2.step({ type: 'Heartbeat', from: 'n3', to: 'n2', term: 2, commit: 0, context: 0 });
    expect(drain(n2).failedReads).toEqual([3]);
    n2.step({ type: 'ReadIndexResp', from: 'n3', to: 'n2', term: 2, context: 3, index: 5, reject: false });
    expect(drain(n2).readStates).toEqual([]);
  });

  it('a node that is not the leader refuses a forwarded read', () => {
    const n2 = newNode('n2', P3);
    n2.step({ type: 'ReadIndex', from: 'n3', to: 'n2', term: 0, context: 8 });
    expect(ofType(drain(n2).sent, 'ReadIndexResp')[0]).toMatchObject({ to: 'n3', context: 8, reject: true });
  });
});
