// The host clock: real timers, scaled by the timescale and frozen by pause. Everything below the
// host (the Raft core, the transport's delays and backoff) reads time only through `HostClock`, so
// this file is the one place under the CLI that touches the global timers and the real clock. That
// keeps slow motion and pause exact for every layer, and lets tests and the simulator swap it out.
import { ApiError, type ClockSettings } from '../../shared/api';
import type { HostClock, TimerHandle } from '../net/types';

/** The real-time source the clock runs on. Read at call time, so fake timers installed later apply. */
export interface RealTime {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemRealTime: RealTime = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

/** Slower than 1000x real time nobody can watch; faster than 100x the timers become meaningless. */
export const TIMESCALE_MIN = 0.01;
export const TIMESCALE_MAX = 1000;

export interface ScaledClockOptions {
  readonly timescale?: number;
  readonly paused?: boolean;
  readonly realTime?: RealTime;
}

interface PendingTimer {
  readonly fn: () => void;
  /** Host time at which it fires. */
  readonly dueMs: number;
  /** The armed real timer; undefined while paused. */
  real: unknown;
}

export function validateTimescale(timescale: unknown): number {
  if (typeof timescale !== 'number' || !Number.isFinite(timescale)) {
    throw new ApiError(400, `timescale must be a finite number, got ${String(timescale)}`);
  }
  if (timescale < TIMESCALE_MIN || timescale > TIMESCALE_MAX) {
    throw new ApiError(400, `timescale must be between ${TIMESCALE_MIN} and ${TIMESCALE_MAX}, got ${timescale}`);
  }
  return timescale;
}

export class ScaledClock implements HostClock {
  private readonly realTime: RealTime;
  private scale: number;
  private isPaused: boolean;
  // Host time is `anchorHostMs + (realNow - anchorRealMs) / scale` while running, `anchorHostMs`
  // while paused. Every change of speed or pause moves the anchor, so past time is never rescaled.
  private anchorHostMs = 0;
  private anchorRealMs: number;
  private readonly timers = new Map<number, PendingTimer>();
  private nextTimerId = 1;
  private readonly listeners = new Set<(settings: ClockSettings) => void>();

  constructor(options: ScaledClockOptions = {}) {
    this.realTime = options.realTime ?? systemRealTime;
    this.scale = validateTimescale(options.timescale ?? 1);
    this.isPaused = options.paused ?? false;
    this.anchorRealMs = this.realTime.now();
  }

  get timescale(): number {
    return this.scale;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  settings(): ClockSettings {
    return { timescale: this.scale, paused: this.isPaused };
  }

  /** How many timers are waiting (for tests and leak checks). */
  get pendingTimers(): number {
    return this.timers.size;
  }

  now(): number {
    if (this.isPaused) return this.anchorHostMs;
    return this.anchorHostMs + (this.realTime.now() - this.anchorRealMs) / this.scale;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextTimerId++;
    const delayMs = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: PendingTimer = { fn, dueMs: this.now() + delayMs, real: undefined };
    this.timers.set(id, timer);
    if (!this.isPaused) this.arm(id, timer, this.now());
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = this.timers.get(handle.id);
    if (!timer) return;
    if (timer.real !== undefined) this.realTime.clearTimeout(timer.real);
    this.timers.delete(handle.id);
  }

  /**
   * Calls `fn` every `ms` of host time. Each run is scheduled from the previous due time, not from
   * when the callback ran, so the period does not drift; after a long stall it skips the missed
   * runs instead of bursting. While paused no real timer is armed. Returns a stop function.
   */
  every(ms: number, fn: () => void): () => void {
    if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`every() needs a positive period, got ${ms}`);
    let stopped = false;
    let dueMs = this.now() + ms;
    let handle: TimerHandle;
    const run = (): void => {
      if (stopped) return;
      const nowMs = this.now();
      dueMs += ms;
      if (dueMs <= nowMs) dueMs = nowMs + ms;
      handle = this.setTimeout(run, dueMs - nowMs);
      fn();
    };
    handle = this.setTimeout(run, ms);
    return () => {
      stopped = true;
      this.clearTimeout(handle);
    };
  }

  setTimescale(timescale: number): void {
    validateTimescale(timescale);
    if (timescale === this.scale) return;
    this.reanchor();
    this.scale = timescale;
    if (!this.isPaused) this.rearmAll();
    this.notify();
  }

  setPaused(paused: boolean): void {
    if (paused === this.isPaused) return;
    this.reanchor();
    this.isPaused = paused;
    if (paused) this.disarmAll();
    else this.rearmAll();
    this.notify();
  }

  /** Called after every change of timescale or pause. Returns an unsubscribe. */
  onChange(listener: (settings: ClockSettings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Cancels every pending timer (at shutdown). */
  dispose(): void {
    this.disarmAll();
    this.timers.clear();
    this.listeners.clear();
  }

  private reanchor(): void {
    this.anchorHostMs = this.now();
    this.anchorRealMs = this.realTime.now();
  }

  private arm(id: number, timer: PendingTimer, nowMs: number): void {
    const realDelayMs = Math.max(0, (timer.dueMs - nowMs) * this.scale);
    timer.real = this.realTime.setTimeout(() => {
      timer.real = undefined;
      if (this.timers.get(id) !== timer) return;
      this.timers.delete(id);
      timer.fn();
    }, realDelayMs);
  }

  private disarmAll(): void {
    for (const timer of this.timers.values()) {
      if (timer.real !== undefined) this.realTime.clearTimeout(timer.real);
      timer.real = undefined;
    }
  }

  // One `now` for the whole pass and insertion order keep timers that share a due time firing in
  // the order they were set.
  private rearmAll(): void {
    this.disarmAll();
    const nowMs = this.now();
    for (const [id, timer] of this.timers) this.arm(id, timer, nowMs);
  }

  private notify(): void {
    const settings = this.settings();
    for (const listener of [...this.listeners]) listener(settings);
  }
}
