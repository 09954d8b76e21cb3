import { describe, expect, it } from 'vitest';
import { LABEL_MIN_GAP, labelledKeys } from './ring-labels';

const deg = (d: number) => (d * Math.PI) / 180;

describe('ring key labels', () => {
  it('labels the newest keys, up to the limit', () => {
    expect([...labelledKeys([0, 60, 120, 180, 240].map(deg), 3)].sort()).toEqual([2, 3, 4]);
  });

  it('never prints two names closer than the gap: the older key keeps only its dot', () => {
    const labelled = labelledKeys([deg(10), deg(14), deg(200)], 6);
    expect(labelled.has(1)).toBe(true);
    expect(labelled.has(0)).toBe(false);
    expect(labelled.has(2)).toBe(true);
  });

  it('measures the gap across zero, and keeps clear of the typed key', () => {
    expect(labelledKeys([deg(358), deg(3)], 6).size).toBe(1);
    expect(labelledKeys([deg(90)], 6, [deg(95)]).size).toBe(0);
    expect(LABEL_MIN_GAP).toBeGreaterThan(deg(10));
  });
});
