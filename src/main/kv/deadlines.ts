// Request deadlines with one host-clock timer for all of them, instead of a timer armed and
// cleared per request (a profile of a node at 64 clients showed the timer churn). Requests of one
// node mostly share one timeout, so their deadlines arrive in order: a FIFO whose head holds the
// earliest deadline, and finished requests leave it from the head. A deadline earlier than the
// newest one queued (a forwarded request with less time left) gets a timer of its own.
import type { HostClock, TimerHandle } from '../net/types';

interface Pending {
  readonly deadline: number;
  readonly reject: (error: Error) => void;
  readonly expired: () => Error;
  /** Set once the work settled or the deadline passed: the entry then only waits to leave the queue. */
  done: boolean;
}

export class Deadlines {
  private queue: Pending[] = [];
  private head = 0;
  private timer: TimerHandle | null = null;

  constructor(private readonly clock: HostClock) {}

  /** Requests not yet finished (for tests). */
  get pending(): number {
    let count = 0;
    for (let i = this.head; i < this.queue.length; i++) if (!this.queue[i]!.done) count++;
    return count;
  }

  /**
   * Settles as `work` does, or rejects with `expired()` once host time reaches `deadline`, whichever
   * comes first. `work` is always listened to, so the loser of the race (a forward or a proposal
   * that fails after its deadline) never becomes an unhandled rejection, which would end the process.
   */
  race<T>(work: Promise<T>, deadline: number, expired: () => Error): Promise<T> {
    if (deadline <= this.clock.now()) {
      work.catch(ignoreLateFailure);
      return Promise.reject(expired());
    }
    const newest = this.queue[this.queue.length - 1];
    if (newest !== undefined && this.queue.length > this.head && deadline < newest.deadline) {
      return this.raceAlone(work, deadline, expired);
    }
    return new Promise<T>((resolve, reject) => {
      // Fields rather than a closure: no function is made per request.
      const entry: Pending = { deadline, reject, expired, done: false };
      this.queue.push(entry);
      if (this.timer === null) this.arm(deadline);
      work.then(
        (value) => {
          this.finish(entry);
          resolve(value);
        },
        (error: unknown) => {
          this.finish(entry);
          reject(error);
        },
      );
    });
  }

  private raceAlone<T>(work: Promise<T>, deadline: number, expired: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => reject(expired()), deadline - this.clock.now());
      work.then(
        (value) => {
          this.clock.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          this.clock.clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  private finish(entry: Pending): void {
    entry.done = true;
    this.dropFinishedHead();
    // Nothing left to watch: an idle node keeps no timer.
    if (this.head === this.queue.length && this.timer !== null) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private dropFinishedHead(): void {
    const queue = this.queue;
    while (this.head < queue.length && queue[this.head]!.done) this.head++;
    if (this.head === queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > queue.length) {
      this.queue = queue.slice(this.head);
      this.head = 0;
    }
  }

  private arm(due: number): void {
    this.timer = this.clock.setTimeout(() => this.fire(), Math.max(0, due - this.clock.now()));
  }

  private fire(): void {
    this.timer = null;
    const now = this.clock.now();
    // The timer may have been armed for a head that has finished since: what is due expires, the rest waits.
    while (this.head < this.queue.length) {
      const entry = this.queue[this.head]!;
      if (!entry.done && entry.deadline > now) break;
      this.head++;
      if (entry.done) continue;
      entry.done = true;
      entry.reject(entry.expired());
    }
    this.dropFinishedHead();
    const next = this.queue[this.head];
    if (next !== undefined) this.arm(next.deadline);
  }
}

/** The request already answered with its deadline error; the work's own failure has no one left to tell. */
function ignoreLateFailure(): void {}
