import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../shared/api';
import { ScaledClock } from './clock';

describe('ScaledClock', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('advances host time at real time divided by the timescale', () => {
    const clock = new ScaledClock({ timescale: 4 });
    vi.advanceTimersByTime(1000);
    expect(clock.now()).toBeCloseTo(250, 6);
  });

  it('fires a timer after the given host ms, scaled to real ms', () => {
    const clock = new ScaledClock({ timescale: 3 });
    const fired = vi.fn();
    clock.setTimeout(fired, 100);
    vi.advanceTimersByTime(299);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('freezes host time while paused and holds every timer', () => {
    const clock = new ScaledClock();
    const fired = vi.fn();
    clock.setTimeout(fired, 100);
    vi.advanceTimersByTime(30);
    clock.setPaused(true);
    const frozenAt = clock.now();
    vi.advanceTimersByTime(10_000);
    expect(clock.now()).toBe(frozenAt);
    expect(fired).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resumes a held timer with only its remaining host time', () => {
    const clock = new ScaledClock();
    const fired = vi.fn();
    clock.setTimeout(fired, 100);
    vi.advanceTimersByTime(30);
    clock.setPaused(true);
    vi.advanceTimersByTime(5_000);
    clock.setPaused(false);
    vi.advanceTimersByTime(69);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('re-times pending timers when the timescale changes', () => {
    const clock = new ScaledClock({ timescale: 1 });
    const fired = vi.fn();
    clock.setTimeout(fired, 100);
    vi.advanceTimersByTime(40);
    clock.setTimescale(2);
    // 60 host ms remain, which at timescale 2 is 120 real ms.
    vi.advanceTimersByTime(119);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
    expect(clock.now()).toBeCloseTo(100, 6);
  });

  it('does not rescale host time that has already passed', () => {
    const clock = new ScaledClock({ timescale: 1 });
    vi.advanceTimersByTime(500);
    clock.setTimescale(10);
    expect(clock.now()).toBeCloseTo(500, 6);
    vi.advanceTimersByTime(100);
    expect(clock.now()).toBeCloseTo(510, 6);
  });

  it('a timescale change while paused applies from the resume', () => {
    const clock = new ScaledClock();
    const fired = vi.fn();
    clock.setTimeout(fired, 100);
    clock.setPaused(true);
    clock.setTimescale(5);
    expect(vi.getTimerCount()).toBe(0);
    clock.setPaused(false);
    vi.advanceTimersByTime(499);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('keeps timers that share a due time in the order they were set, across a rescale', () => {
    const clock = new ScaledClock();
    const order: string[] = [];
    clock.setTimeout(() => order.push('first'), 50);
    clock.setTimeout(() => order.push('second'), 50);
    clock.setTimeout(() => order.push('earlier'), 20);
    vi.advanceTimersByTime(10);
    clock.setTimescale(3);
    vi.advanceTimersByTime(1000);
    expect(order).toEqual(['earlier', 'first', 'second']);
  });

  it('a cleared timer never fires', () => {
    const clock = new ScaledClock();
    const fired = vi.fn();
    const handle = clock.setTimeout(fired, 10);
    clock.clearTimeout(handle);
    clock.setTimescale(2);
    vi.advanceTimersByTime(1000);
    expect(fired).not.toHaveBeenCalled();
    expect(clock.pendingTimers).toBe(0);
  });

  it('every() runs once per period without drift, even when a run is late', () => {
    const clock = new ScaledClock({ timescale: 2 });
    const runsAt: number[] = [];
    const stop = clock.every(50, () => runsAt.push(Math.round(clock.now())));
    vi.advanceTimersByTime(500);
    expect(runsAt).toEqual([50, 100, 150, 200, 250]);
    stop();
    vi.advanceTimersByTime(500);
    expect(runsAt).toHaveLength(5);
    expect(clock.pendingTimers).toBe(0);
  });

  it('every() keeps no real timer while paused and carries on after resume', () => {
    const clock = new ScaledClock();
    let runs = 0;
    clock.every(10, () => {
      runs++;
    });
    vi.advanceTimersByTime(35);
    expect(runs).toBe(3);
    clock.setPaused(true);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(runs).toBe(3);
    clock.setPaused(false);
    vi.advanceTimersByTime(5);
    expect(runs).toBe(4);
  });

  it('every() skips missed runs after a stall instead of bursting', () => {
    // A real clock we can jump forward, as if the process had been blocked for 100 ms.
    let stallMs = 0;
    const clock = new ScaledClock({
      realTime: {
        now: () => performance.now() + stallMs,
        setTimeout: (fn, ms) => setTimeout(fn, ms),
        clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      },
    });
    const runsAt: number[] = [];
    clock.every(10, () => runsAt.push(Math.round(clock.now())));
    vi.advanceTimersByTime(10);
    stallMs = 100;
    vi.advanceTimersByTime(20);
    expect(runsAt).toEqual([10, 120, 130]);
  });

  it('tells listeners about every change of speed or pause', () => {
    const clock = new ScaledClock();
    const seen: unknown[] = [];
    const unsubscribe = clock.onChange((settings) => seen.push(settings));
    clock.setTimescale(2);
    clock.setPaused(true);
    clock.setPaused(true);
    unsubscribe();
    clock.setPaused(false);
    expect(seen).toEqual([
      { timescale: 2, paused: false },
      { timescale: 2, paused: true },
    ]);
  });

  it('rejects a timescale that is not a positive finite number in range with a 400', () => {
    const clock = new ScaledClock();
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1e9]) {
      expect(() => clock.setTimescale(bad)).toThrow(ApiError);
    }
    expect(() => clock.setTimescale(0)).toThrow(/timescale/);
    expect(clock.timescale).toBe(1);
  });
});
