import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FrameLoop } from './frame-loop';

describe('frame loop', () => {
  let callbacks: ((time: number) => void)[] = [];
  const runFrame = (time: number) => {
    const pending = callbacks;
    callbacks = [];
    for (const callback of pending) callback(time);
  };

  beforeEach(() => {
    callbacks = [];
    vi.stubGlobal('requestAnimationFrame', (callback: (time: number) => void) => callbacks.push(callback));
    vi.stubGlobal('cancelAnimationFrame', () => {
      callbacks = [];
    });
  });
  afterEach(() => vi.unstubAllGlobals());

  it('does not start when nothing needs to move', () => {
    const loop = new FrameLoop(
      0,
      () => false,
      () => {},
    );
    loop.ensure();
    expect(loop.running).toBe(false);
    expect(callbacks).toHaveLength(0);
  });

  it('runs while needed and ends by itself when motion stops', () => {
    let moving = true;
    const ticks: number[] = [];
    const loop = new FrameLoop(
      0,
      () => moving,
      (time) => ticks.push(time),
    );
    loop.ensure();
    runFrame(16);
    runFrame(32);
    moving = false;
    runFrame(48);
    expect(ticks).toEqual([16, 32, 48]);
    expect(loop.running).toBe(false);
    expect(callbacks).toHaveLength(0);
  });

  it('skips frames closer together than the minimum interval', () => {
    const ticks: number[] = [];
    const loop = new FrameLoop(
      40,
      () => true,
      (time) => ticks.push(time),
    );
    loop.ensure();
    for (const time of [0, 16, 33, 50, 66, 83, 100]) runFrame(time);
    expect(ticks).toEqual([0, 50, 100]);
    loop.stop();
    expect(loop.running).toBe(false);
  });

  it('never asks for two frames at once', () => {
    const loop = new FrameLoop(
      0,
      () => true,
      () => {},
    );
    loop.ensure();
    loop.ensure();
    expect(callbacks).toHaveLength(1);
  });
});
