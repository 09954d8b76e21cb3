import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Poller } from './poller';

describe('snapshot poller', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('waits for each answer before scheduling the next request', async () => {
    let calls = 0;
    let answer: (ok: boolean) => void = () => {};
    const poller = new Poller(
      () => {
        calls++;
        return new Promise<boolean>((resolve) => (answer = resolve));
      },
      () => 100,
    );
    poller.start();
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(1);
    answer(true);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toBe(2);
    poller.stop();
  });

  it('uses the delay for the outcome, and stops for good on stop()', async () => {
    const outcomes = [true, false];
    const delays: boolean[] = [];
    let calls = 0;
    const poller = new Poller(
      async () => outcomes[calls++] ?? true,
      (ok) => {
        delays.push(ok);
        return ok ? 50 : 500;
      },
    );
    poller.start();
    await vi.advanceTimersByTimeAsync(60);
    expect(delays).toEqual([true, false]);
    poller.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toBe(2);
  });

  it('brings the next poll forward when told of a change, once for many, and never pushes it back', async () => {
    let calls = 0;
    const poller = new Poller(
      async () => {
        calls++;
        return true;
      },
      () => 2000,
    );
    poller.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(1);
    poller.pollSoon(150);
    poller.pollSoon(150);
    poller.pollSoon(5000);
    await vi.advanceTimersByTimeAsync(149);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(2);
    // Then the slow idle schedule again.
    await vi.advanceTimersByTimeAsync(1999);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(3);
    poller.stop();
  });

  it('polls again soon after an answer when a change was told while it was in flight', async () => {
    let calls = 0;
    let answer: (ok: boolean) => void = () => {};
    const poller = new Poller(
      () => {
        calls++;
        return new Promise<boolean>((resolve) => (answer = resolve));
      },
      () => 2000,
    );
    poller.start();
    poller.pollSoon(100);
    answer(true);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toBe(2);
    poller.stop();
  });
});
