import { describe, expect, it } from 'vitest';
import { ReadOnly } from '../../src/shared/raft/read-only';

const VOTERS = ['n1', 'n2', 'n3', 'n4', 'n5'];

describe('ReadOnly rounds', () => {
  it('puts every read that arrives before a broadcast into that one round', () => {
    const ro = new ReadOnly('n1');
    ro.add(1, 'n1', 10);
    ro.add(2, 'n2', 10);
    ro.add(3, 'n1', 11);
    expect(ro.needsBroadcast()).toBe(true);
    const round = ro.startBroadcast();
    expect(ro.needsBroadcast()).toBe(false);
    ro.ack('n2', round);
    expect(ro.release(VOTERS)).toEqual([]);
    ro.ack('n3', round);
    expect(ro.release(VOTERS).map((r) => r.context)).toEqual([1, 2, 3]);
  });

  it('does not let a round sent before a read confirm that read', () => {
    const ro = new ReadOnly('n1');
    ro.add(1, 'n1', 5);
    const first = ro.startBroadcast();
    ro.add(2, 'n1', 6);
    ro.ack('n2', first);
    ro.ack('n3', first);
    expect(ro.release(VOTERS).map((r) => r.context)).toEqual([1]);
    expect(ro.release(VOTERS)).toEqual([]);
    const second = ro.startBroadcast();
    expect(second).toBeGreaterThan(first);
    ro.ack('n4', second);
    ro.ack('n5', second);
    expect(ro.release(VOTERS).map((r) => r.context)).toEqual([2]);
  });

  it('counts an ack of a newer round for every older one', () => {
    const ro = new ReadOnly('n1');
    ro.add(1, 'n1', 5);
    ro.startBroadcast();
    ro.add(2, 'n1', 6);
    const second = ro.startBroadcast();
    ro.ack('n2', second);
    ro.ack('n3', second);
    expect(ro.release(VOTERS).map((r) => r.context)).toEqual([1, 2]);
  });

  it('confirms a single voter at once', () => {
    const ro = new ReadOnly('n1');
    ro.add(7, 'n1', 3);
    expect(ro.release(['n1'])).toEqual([{ context: 7, from: 'n1', index: 3, round: 1 }]);
  });

  it('hands back every unanswered read on reset, and keeps round ids growing', () => {
    const ro = new ReadOnly('n1');
    ro.waitForCommit({ context: 1, from: 'n1' });
    ro.add(2, 'n2', 4);
    const before = ro.startBroadcast();
    expect(ro.reset().map((r) => r.context)).toEqual([1, 2]);
    expect(ro.pendingCount).toBe(0);
    ro.add(3, 'n1', 9);
    expect(ro.startBroadcast()).toBeGreaterThan(before);
  });
});
