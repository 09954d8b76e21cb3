import { describe, expect, it } from 'vitest';
import { FrameLoop, type FrameTimers } from './frame-loop';

/** A 60 Hz display and timers on one manual clock: `advance` runs every frame and timer due by then. */
class FakeDisplay implements FrameTimers {
  time = 0;
  /** Every frame the page asked for, by its time: what the browser had to produce. */
  readonly framesAsked: number[] = [];
  private frames = new Map<number, (wallMs: number) => void>();
  private timers = new Map<number, { at: number; callback: () => void }>();
  private nextHandle = 1;

  requestFrame(callback: (wallMs: number) => void): number {
    const handle = this.nextHandle++;
    this.frames.set(handle, callback);
    return handle;
  }
  cancelFrame(handle: number): void {
    this.frames.delete(handle);
  }
  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.nextHandle++;
    this.timers.set(handle, { at: this.time + ms, callback });
    return handle;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  now(): number {
    return this.time;
  }
  get pending(): number {
    return this.frames.size + this.timers.size;
  }

  /** Runs the display for `ms`: a frame every 1000/60 ms, and the timers in between. */
  advance(ms: number): void {
    const end = this.time + ms;
    const frameMs = 1000 / 60;
    while (this.time < end) {
      const nextFrame = (Math.floor(this.time / frameMs) + 1) * frameMs;
      for (const [handle, timer] of [...this.timers]) {
        if (timer.at <= nextFrame) {
          this.timers.delete(handle);
          this.time = Math.max(this.time, timer.at);
          timer.callback();
        }
      }
      this.time = nextFrame;
      const frames = [...this.frames.values()];
      this.frames.clear();
      if (frames.length > 0) this.framesAsked.push(this.time);
      for (const frame of frames) frame(this.time);
    }
  }
}

describe('frame loop', () => {
  it('does not start when nothing needs to move', () => {
    const display = new FakeDisplay();
    const loop = new FrameLoop(
      0,
      () => false,
      () => {},
      display,
    );
    loop.ensure();
    expect(loop.running).toBe(false);
    expect(display.pending).toBe(0);
  });

  it('runs every frame while needed at no minimum interval, and ends by itself when motion stops', () => {
    const display = new FakeDisplay();
    let moving = true;
    const ticks: number[] = [];
    const loop = new FrameLoop(
      0,
      () => moving,
      (time) => ticks.push(time),
      display,
    );
    loop.ensure();
    display.advance(50);
    expect(ticks).toHaveLength(3);
    moving = false;
    display.advance(50);
    expect(ticks).toHaveLength(4);
    expect(loop.running).toBe(false);
    expect(display.pending).toBe(0);
  });

  it('ticks at the minimum interval and asks the browser for no frame in between', () => {
    const display = new FakeDisplay();
    const ticks: number[] = [];
    const loop = new FrameLoop(
      100,
      () => true,
      (time) => ticks.push(time),
      display,
    );
    loop.ensure();
    display.advance(1000);
    // Ten ticks a second, each on a frame within half a frame of its due time...
    expect(ticks.length).toBeGreaterThanOrEqual(9);
    expect(ticks.length).toBeLessThanOrEqual(11);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).toBeGreaterThanOrEqual(92);
    // ...and at most one frame asked for besides each tick (not 60 a second).
    expect(display.framesAsked.length).toBeLessThanOrEqual(2 * ticks.length);
    loop.stop();
    expect(loop.running).toBe(false);
    expect(display.pending).toBe(0);
  });

  it('brings the next tick forward when a faster motion starts while it sleeps', () => {
    const display = new FakeDisplay();
    let interval = 250;
    const ticks: number[] = [];
    const loop = new FrameLoop(
      () => interval,
      () => true,
      (time) => ticks.push(time),
      display,
    );
    loop.ensure();
    display.advance(20);
    expect(ticks).toHaveLength(1);
    interval = 40;
    loop.ensure();
    display.advance(60);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(ticks[1]! - ticks[0]!).toBeLessThan(60);
  });

  it('never asks for two frames at once', () => {
    const display = new FakeDisplay();
    const loop = new FrameLoop(
      0,
      () => true,
      () => {},
      display,
    );
    loop.ensure();
    loop.ensure();
    expect(display.pending).toBe(1);
  });
});
