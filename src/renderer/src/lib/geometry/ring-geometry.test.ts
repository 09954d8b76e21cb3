import { describe, expect, it } from 'vitest';
import type { RingView } from '../../../../shared/api';
import { TAU } from './point';
import { groupOfHash, groupShares, hashToAngle, mergeAdjacentArcs, placeHash, tokenArcs } from './ring-geometry';

const ring: RingView = {
  hashSpace: 1000,
  tokens: [
    { hash: 700, group: 1 },
    { hash: 100, group: 0 },
    { hash: 400, group: 2 },
    { hash: 900, group: 1 },
  ],
};

describe('hash to angle', () => {
  it('puts hash 0 at the top and a quarter of the space at three o’clock', () => {
    expect(hashToAngle(0, 1000)).toBe(0);
    expect(hashToAngle(250, 1000)).toBeCloseTo(TAU / 4);
    expect(hashToAngle(999, 1000)).toBeLessThan(TAU);
  });

  it('wraps hashes outside the space instead of drawing them past a full turn', () => {
    expect(hashToAngle(1250, 1000)).toBeCloseTo(TAU / 4);
    expect(hashToAngle(-250, 1000)).toBeCloseTo((3 * TAU) / 4);
  });

  it('rejects a hash space that is not positive', () => {
    expect(() => hashToAngle(1, 0)).toThrow(/hash space/);
  });
});

describe('token arcs', () => {
  it('cover the circle exactly once, contiguous and in clockwise order', () => {
    const arcs = tokenArcs(ring);
    expect(arcs).toHaveLength(4);
    const total = arcs.reduce((sum, arc) => sum + (arc.endAngle - arc.startAngle), 0);
    expect(total).toBeCloseTo(TAU, 10);
    for (let i = 1; i < arcs.length; i++) {
      expect(arcs[i]?.startAngle).toBeCloseTo(arcs[i - 1]?.endAngle ?? Number.NaN, 12);
      expect((arcs[i]?.endAngle ?? 0) > (arcs[i]?.startAngle ?? 0)).toBe(true);
    }
  });

  it('give each token the span from the previous token up to itself, the first one wrapping past the top', () => {
    const [first, second] = tokenArcs(ring);
    expect(first?.group).toBe(0);
    expect(first?.startAngle).toBeCloseTo(hashToAngle(900, 1000) - TAU);
    expect(first?.endAngle).toBeCloseTo(hashToAngle(100, 1000));
    expect(second?.group).toBe(2);
  });

  it('give a single token the whole circle', () => {
    const arcs = tokenArcs({ hashSpace: 10, tokens: [{ hash: 3, group: 0 }] });
    expect(arcs).toHaveLength(1);
    expect((arcs[0]?.endAngle ?? 0) - (arcs[0]?.startAngle ?? 0)).toBeCloseTo(TAU);
  });

  it('are empty for a ring without tokens', () => {
    expect(tokenArcs({ hashSpace: 10, tokens: [] })).toEqual([]);
  });

  it('merge neighbours of one group without changing the total', () => {
    const arcs = tokenArcs(ring);
    const merged = mergeAdjacentArcs(arcs);
    expect(merged.map((arc) => arc.group)).toEqual([0, 2, 1]);
    const total = merged.reduce((sum, arc) => sum + (arc.endAngle - arc.startAngle), 0);
    expect(total).toBeCloseTo(TAU, 10);
  });

  it('give each group its share of the space', () => {
    const shares = groupShares(ring);
    expect(shares.get(0)).toBeCloseTo(0.2);
    expect(shares.get(2)).toBeCloseTo(0.3);
    expect(shares.get(1)).toBeCloseTo(0.5);
  });
});

describe('key placement', () => {
  it('assigns a hash to the first token at or after it, wrapping past the last token', () => {
    expect(groupOfHash(ring, 100)).toBe(0);
    expect(groupOfHash(ring, 101)).toBe(2);
    expect(groupOfHash(ring, 650)).toBe(1);
    expect(groupOfHash(ring, 950)).toBe(0);
    expect(groupOfHash({ hashSpace: 10, tokens: [] }, 5)).toBeNull();
  });

  it('places a key on the circle at its angle and inside the arc of its group', () => {
    const center = { x: 50, y: 50 };
    const placement = placeHash(ring, 500, center, 40);
    expect(placement.point.x).toBeLessThan(50 + 1e-9);
    expect(placement.point.y).toBeCloseTo(90);
    const arc = tokenArcs(ring).find((a) => a.startAngle < placement.angle && placement.angle <= a.endAngle);
    expect(arc?.group).toBe(placement.group);
  });
});
