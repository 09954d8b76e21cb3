// A requestAnimationFrame loop that exists only while it is needed: `ensure()` starts it if
// `needed()` says so, each frame asks again, and it ends by itself once nothing moves. Ticks closer
// together than `minIntervalMs` are not made, to bound the work of a 60 or 120 Hz display; the
// interval may be a function, asked each time, so routine motion can run at a lower rate.
//
// Between two ticks the loop sleeps on a timer instead of asking for every frame: each frame a page
// asks for costs the browser a whole frame (the callback, style, layout, paint and commit) even when
// the callback then does nothing, so a loop that skipped 5 frames of 6 still paid for all 6.
export interface FrameTimers {
  requestFrame(callback: (wallMs: number) => void): number;
  cancelFrame(handle: number): void;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** The frames' clock (performance.now). */
  now(): number;
}

const browserTimers: FrameTimers = {
  requestFrame: (callback) => requestAnimationFrame(callback),
  cancelFrame: (handle) => cancelAnimationFrame(handle),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
  now: () => performance.now(),
};

/**
 * A tick may come this much before its interval is up: the frame nearest its due time is taken,
 * not the one after it, and the timer wakes the loop in time for that frame.
 */
export const FRAME_SLACK_MS = 8;

export class FrameLoop {
  private frame: number | null = null;
  private sleep: { readonly handle: unknown; readonly dueMs: number } | null = null;
  private lastTickWallMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly minIntervalMs: number | (() => number),
    private readonly needed: () => boolean,
    private readonly tick: (wallMs: number) => void,
    private readonly timers: FrameTimers = browserTimers,
  ) {}

  get running(): boolean {
    return this.frame !== null || this.sleep !== null;
  }

  ensure(): void {
    if (this.frame !== null || !this.needed()) return;
    const dueMs = this.lastTickWallMs + this.interval() - FRAME_SLACK_MS;
    // Wake one frame early: the frame asked for then is the one the tick is due in.
    const waitMs = dueMs - this.timers.now() - 2 * FRAME_SLACK_MS;
    if (waitMs <= 0) {
      this.cancelSleep();
      this.frame = this.timers.requestFrame(this.step);
      return;
    }
    // Already asleep until then or sooner (a faster motion may bring the tick forward, never back).
    if (this.sleep && this.sleep.dueMs <= dueMs) return;
    this.cancelSleep();
    const handle = this.timers.setTimeout(() => {
      this.sleep = null;
      if (this.frame === null && this.needed()) this.frame = this.timers.requestFrame(this.step);
    }, waitMs);
    this.sleep = { handle, dueMs };
  }

  stop(): void {
    if (this.frame !== null) this.timers.cancelFrame(this.frame);
    this.frame = null;
    this.cancelSleep();
  }

  private interval(): number {
    return typeof this.minIntervalMs === 'number' ? this.minIntervalMs : this.minIntervalMs();
  }

  private cancelSleep(): void {
    if (this.sleep) this.timers.clearTimeout(this.sleep.handle);
    this.sleep = null;
  }

  private readonly step = (wallMs: number): void => {
    this.frame = null;
    if (wallMs - this.lastTickWallMs >= this.interval() - FRAME_SLACK_MS) {
      this.lastTickWallMs = wallMs;
      this.tick(wallMs);
    }
    this.ensure();
  };
}
