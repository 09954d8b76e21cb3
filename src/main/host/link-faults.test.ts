import { describe, expect, it, vi } from 'vitest';
import type { LinkRequest } from '../../shared/api';
import { ApiError } from '../../shared/api';
import { SeededRandom } from '../../shared/random';
import { LinkFaultTable } from './link-faults';

const [n1, n2, n3, n4, n5] = [
  '127.0.0.1:5001',
  '127.0.0.1:5002',
  '127.0.0.1:5003',
  '127.0.0.1:5004',
  '127.0.0.1:5005',
] as const;
const NODES = [n1, n2, n3, n4, n5];

function table(seed = 7): LinkFaultTable {
  return new LinkFaultTable({ nodes: NODES, random: new SeededRandom(seed) });
}

function apiErrorOf(action: () => void): ApiError {
  try {
    action();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

describe('LinkFaultTable', () => {
  it('delivers at once on a healthy network', () => {
    expect(table().verdict(n1, n2)).toEqual({ action: 'deliver', delayMs: 0 });
  });

  it('a two-way cut drops both directions and shows as one link', () => {
    const faults = table();
    faults.setLink({ a: n2, b: n1, cut: true });
    expect(faults.verdict(n1, n2)).toEqual({ action: 'drop', reason: 'cut' });
    expect(faults.verdict(n2, n1)).toEqual({ action: 'drop', reason: 'cut' });
    expect(faults.verdict(n1, n3).action).toBe('deliver');
    expect(faults.cutLinks()).toEqual([{ a: n1, b: n2, oneWay: false }]);
  });

  it('a one-way cut drops only messages from a to b', () => {
    const faults = table();
    faults.setLink({ a: n3, b: n1, cut: true, oneWay: true });
    expect(faults.isCut(n3, n1)).toBe(true);
    expect(faults.isCut(n1, n3)).toBe(false);
    expect(faults.verdict(n1, n3).action).toBe('deliver');
    expect(faults.cutLinks()).toEqual([{ a: n3, b: n1, oneWay: true }]);
  });

  it('two one-way cuts in opposite directions are reported as one two-way cut', () => {
    const faults = table();
    faults.setLink({ a: n1, b: n2, cut: true, oneWay: true });
    faults.setLink({ a: n2, b: n1, cut: true, oneWay: true });
    expect(faults.cutLinks()).toEqual([{ a: n1, b: n2, oneWay: false }]);
  });

  it('healing one way leaves the other direction cut', () => {
    const faults = table();
    faults.setLink({ a: n1, b: n2, cut: true });
    faults.setLink({ a: n1, b: n2, cut: false, oneWay: true });
    expect(faults.cutLinks()).toEqual([{ a: n2, b: n1, oneWay: true }]);
    faults.setLink({ a: n1, b: n2, cut: false });
    expect(faults.cutLinks()).toEqual([]);
  });

  it('a partition cuts every crossing link both ways and no link within a side', () => {
    const faults = table();
    faults.partition([
      [n1, n2],
      [n3, n4, n5],
    ]);
    for (const a of [n1, n2]) {
      for (const b of [n3, n4, n5]) {
        expect(faults.isCut(a, b)).toBe(true);
        expect(faults.isCut(b, a)).toBe(true);
      }
    }
    expect(faults.isCut(n1, n2)).toBe(false);
    expect(faults.isCut(n4, n5)).toBe(false);
    expect(faults.cutLinks()).toHaveLength(6);
    expect(faults.cutLinks().every((link) => !link.oneWay)).toBe(true);
  });

  it('a new partition replaces the previous one instead of adding to it', () => {
    const faults = table();
    faults.partition([[n1], [n2, n3, n4, n5]]);
    faults.partition([[n5], [n1, n2, n3, n4]]);
    expect(faults.isCut(n1, n2)).toBe(false);
    expect(faults.isCut(n5, n1)).toBe(true);
    expect(faults.cutLinks()).toHaveLength(4);
  });

  it('nodes on no side of a partition keep their links', () => {
    const faults = table();
    faults.partition([[n1], [n2]]);
    expect(faults.isCut(n1, n2)).toBe(true);
    expect(faults.isCut(n1, n3)).toBe(false);
    expect(faults.isCut(n3, n2)).toBe(false);
  });

  it('heal all removes every cut and releases held messages', () => {
    const faults = table();
    const released = vi.fn();
    faults.onRelease(released);
    faults.partition([[n1], [n2, n3]]);
    released.mockClear();
    faults.healAll();
    expect(faults.cutLinks()).toEqual([]);
    expect(released).toHaveBeenCalledTimes(1);
  });

  it('pause holds every message, even on a cut link, and resume releases them', () => {
    const faults = table();
    const released = vi.fn();
    const unsubscribe = faults.onRelease(released);
    faults.setLink({ a: n1, b: n2, cut: true });
    faults.setPaused(true);
    expect(faults.verdict(n1, n2)).toEqual({ action: 'hold' });
    expect(faults.verdict(n3, n4)).toEqual({ action: 'hold' });
    expect(released).not.toHaveBeenCalled();
    faults.setPaused(false);
    expect(released).toHaveBeenCalledTimes(1);
    expect(faults.verdict(n1, n2).action).toBe('drop');
    unsubscribe();
    faults.setPaused(true);
    faults.setPaused(false);
    expect(released).toHaveBeenCalledTimes(1);
  });

  it('added latency is drawn uniformly from [min, max]', () => {
    const faults = table();
    faults.setNetwork({ latencyMs: [20, 80] });
    const delays: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const verdict = faults.verdict(n1, n2);
      if (verdict.action !== 'deliver') throw new Error(`unexpected ${verdict.action}`);
      delays.push(verdict.delayMs);
    }
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...delays)).toBeLessThanOrEqual(80);
    const mean = delays.reduce((sum, d) => sum + d, 0) / delays.length;
    expect(mean).toBeGreaterThan(47);
    expect(mean).toBeLessThan(53);
    expect(delays.filter((d) => d < 35).length).toBeGreaterThan(400);
    expect(delays.filter((d) => d > 65).length).toBeGreaterThan(400);
  });

  it('the same seed draws the same latencies', () => {
    const draw = (seed: number): number[] => {
      const faults = table(seed);
      faults.setNetwork({ latencyMs: [0, 100] });
      return Array.from({ length: 5 }, () => {
        const verdict = faults.verdict(n1, n2);
        return verdict.action === 'deliver' ? verdict.delayMs : -1;
      });
    };
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
  });

  it('drops about dropRate of the messages as loss, and all of them at 1', () => {
    const faults = table();
    faults.setNetwork({ dropRate: 0.3 });
    let drops = 0;
    for (let i = 0; i < 5000; i++) {
      const verdict = faults.verdict(n1, n2);
      if (verdict.action === 'drop') {
        expect(verdict.reason).toBe('loss');
        drops++;
      }
    }
    expect(drops / 5000).toBeGreaterThan(0.27);
    expect(drops / 5000).toBeLessThan(0.33);
    faults.setNetwork({ dropRate: 1 });
    expect(faults.verdict(n1, n2).action).toBe('drop');
  });

  it('setNetwork keeps the fields it is not given', () => {
    const faults = table();
    faults.setNetwork({ latencyMs: [5, 10], dropRate: 0.1 });
    faults.setNetwork({ dropRate: 0 });
    expect(faults.network()).toEqual({ latencyMs: [5, 10], dropRate: 0 });
  });

  it('rejects bad network settings with a 400 naming the field, and keeps the old ones', () => {
    const faults = table();
    const bad: unknown[] = [
      { latencyMs: [10, 5] },
      { latencyMs: [-1, 5] },
      { latencyMs: [0, 1e9] },
      { latencyMs: [0] },
      { latencyMs: '5' },
      { dropRate: 1.5 },
      { dropRate: Number.NaN },
      { dropRate: '0.1' },
    ];
    for (const settings of bad) {
      const error = apiErrorOf(() => faults.setNetwork(settings as never));
      expect(error.status).toBe(400);
      expect(error.message).toMatch(/latencyMs|dropRate/);
    }
    expect(faults.network()).toEqual({ latencyMs: [0, 0], dropRate: 0 });
  });

  it('answers an unknown node with a 404 that names it', () => {
    const error = apiErrorOf(() => table().setLink({ a: n1, b: '127.0.0.1:9999', cut: true }));
    expect(error.status).toBe(404);
    expect(error.message).toBe('unknown node 127.0.0.1:9999');
    expect(apiErrorOf(() => table().partition([[n1], ['127.0.0.1:9999']])).status).toBe(404);
  });

  it('rejects malformed link and partition requests with a 400', () => {
    const faults = table();
    const badLinks: unknown[] = [
      { a: n1, b: n1, cut: true },
      { a: n1, b: n2, cut: 'yes' },
      { a: n1, b: n2, cut: true, oneWay: 1 },
      { a: 5, b: n2, cut: true },
    ];
    for (const request of badLinks) {
      expect(apiErrorOf(() => faults.setLink(request as LinkRequest)).status).toBe(400);
    }
    const badPartitions: unknown[] = [[[n1, n2, n3]], [[n1], []], [[n1], [n1, n2]], 'n1|n2', [[n1], n2]];
    for (const sides of badPartitions) {
      expect(apiErrorOf(() => faults.partition(sides as never)).status).toBe(400);
    }
    expect(apiErrorOf(() => faults.partition([[n1, n2], [n2]])).message).toMatch(/two sides/);
    expect(faults.cutLinks()).toEqual([]);
  });
});

describe('LinkFaultTable: stepping and dropping held messages (staging)', () => {
  it('while paused lets exactly the stepped ids go, at once, and holds the rest', () => {
    const faults = table();
    faults.setPaused(true);
    const released = vi.fn();
    faults.onRelease(released);
    faults.stepHeld([11]);
    expect(released).toHaveBeenCalledTimes(1);
    expect(faults.verdict(n1, n2, 10)).toEqual({ action: 'hold' });
    expect(faults.verdict(n1, n2, 11)).toEqual({ action: 'deliver', delayMs: 0 });
    // A step is spent once used.
    expect(faults.verdict(n1, n2, 11)).toEqual({ action: 'hold' });
  });

  it('refuses to step a running cluster with a 409', () => {
    expect(apiErrorOf(() => table().stepHeld([1])).status).toBe(409);
  });

  it('drops a message marked by hand when its link reaches it, and only that one', () => {
    const faults = table();
    faults.setPaused(true);
    faults.dropHeld(5);
    expect(faults.isDoomed(5)).toBe(true);
    expect(faults.verdict(n1, n2, 4)).toEqual({ action: 'hold' });
    expect(faults.verdict(n1, n2, 5)).toEqual({ action: 'drop', reason: 'dropped by hand' });
    expect(faults.isDoomed(5)).toBe(false);
  });

  it('forgets its marks on resume, after the release has examined every held message', () => {
    const faults = table();
    faults.setPaused(true);
    faults.stepHeld([3]);
    faults.dropHeld(4);
    faults.setPaused(false);
    expect(faults.isDoomed(4)).toBe(false);
    faults.setPaused(true);
    expect(faults.verdict(n1, n2, 3)).toEqual({ action: 'hold' });
  });
});
