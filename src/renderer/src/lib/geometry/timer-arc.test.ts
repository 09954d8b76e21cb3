import { describe, expect, it } from 'vitest';
import { timerArcPath, timerRemaining } from './timer-arc';

describe('election timer arc', () => {
  const reading = { elapsedMs: 50, timeoutMs: 200, atDisplayMs: 1000 };

  it('starts from the reported share of the timeout', () => {
    expect(timerRemaining(reading, 1000, 1)).toBeCloseTo(0.75);
  });

  it('runs down with display time at the cluster speed', () => {
    expect(timerRemaining(reading, 1100, 1)).toBeCloseTo(0.25);
    expect(timerRemaining(reading, 1100, 0.1)).toBeCloseTo(0.7);
  });

  it('stops at empty rather than going negative', () => {
    expect(timerRemaining(reading, 5000, 1)).toBe(0);
  });

  it('never runs backwards for a now earlier than the reading', () => {
    expect(timerRemaining(reading, 900, 1)).toBeCloseTo(0.75);
  });

  it('is empty for a node without a timeout', () => {
    expect(timerRemaining({ elapsedMs: 0, timeoutMs: 0, atDisplayMs: 0 }, 0, 1)).toBe(0);
  });

  it('draws nothing for an expired timer and a closed ring for a full one', () => {
    expect(timerArcPath(30, 4, 0)).toBe('');
    const full = timerArcPath(30, 4, 1);
    const half = timerArcPath(30, 4, 0.5);
    expect(full).toMatch(/^M/);
    expect(half).toMatch(/^M/);
    expect(half).not.toBe(full);
  });
});
