import { describe, expect, it } from 'vitest';
import type { HostClock, TimerHandle } from '../net/types';
import { Deadlines } from './deadlines';

/** A hand-driven host clock that counts the timers it holds. */
class ManualClock implements HostClock {
  private time = 0;
  private nextId = 1;
  readonly timers = new Map<number, { due: number; fn: () => void }>();
  armed = 0;

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.armed++;
    this.timers.set(id, { due: this.time + ms, fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle.id);
  }

  advance(ms: number): void {
    this.time += ms;
    for (;;) {
      const due = [...this.timers].filter(([, t]) => t.due <= this.time).sort((a, b) => a[1].due - b[1].due)[0];
      if (due === undefined) return;
      this.timers.delete(due[0]);
      due[1].fn();
    }
  }
}

class Expired extends Error {}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('Deadlines', () => {
  it('passes the result through when the work finishes in time, and then holds no timer', async () => {
    const clock = new ManualClock();
    const deadlines = new Deadlines(clock);
    const work = deferred<string>();
    const raced = deadlines.race(work.promise, 5000, () => new Expired());
    clock.advance(4999);
    work.resolve('done');
    await expect(raced).resolves.toBe('done');
    expect(clock.timers.size).toBe(0);
  });

  it('rejects with the expiry error once host time reaches the deadline', async () => {
    const clock = new ManualClock();
    const deadlines = new Deadlines(clock);
    const raced = deadlines.race(new Promise<never>(() => {}), 5000, () => new Expired('late'));
    clock.advance(5000);
    await expect(raced).rejects.toThrow(Expired);
  });

  it('serves many requests in flight with one timer, and expires each at its own deadline', async () => {
    const clock = new ManualClock();
    const deadlines = new Deadlines(clock);
    const outcomes: string[] = [];
    const works = Array.from({ length: 100 }, () => deferred<string>());
    works.forEach((work, i) => {
      clock.advance(10);
      deadlines
        .race(work.promise, clock.now() + 5000, () => new Expired())
        .then(
          () => outcomes.push(`ok ${i}`),
          () => outcomes.push(`expired ${i}`),
        );
    });
    // The first half finishes; the other half never does.
    for (const work of works.slice(0, 50)) work.resolve('x');
    await flush();
    expect(clock.armed).toBe(1);
    // Request 50 began at 510 ms (time is now 1000): its deadline is 5510 ms.
    clock.advance(4509);
    await flush();
    expect(outcomes.filter((o) => o.startsWith('expired'))).toEqual([]);
    clock.advance(1);
    await flush();
    expect(outcomes.filter((o) => o.startsWith('expired'))).toEqual(['expired 50']);
    clock.advance(1000);
    await flush();
    expect(outcomes.filter((o) => o.startsWith('expired'))).toHaveLength(50);
    expect(deadlines.pending).toBe(0);
  });

  it('a deadline earlier than one already queued still expires on time', async () => {
    const clock = new ManualClock();
    const deadlines = new Deadlines(clock);
    const long = deadlines.race(new Promise<never>(() => {}), 5000, () => new Expired('long'));
    const short = deadlines.race(new Promise<never>(() => {}), 100, () => new Expired('short'));
    long.catch(() => {});
    clock.advance(100);
    await expect(short).rejects.toThrow('short');
    clock.advance(4900);
    await expect(long).rejects.toThrow('long');
  });

  it('passes a rejection of the work through as it is', async () => {
    const deadlines = new Deadlines(new ManualClock());
    await expect(deadlines.race(Promise.reject(new Error('no leader')), 10, () => new Expired())).rejects.toThrow(
      'no leader',
    );
  });
});
