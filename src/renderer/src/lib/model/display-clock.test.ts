import { describe, expect, it } from 'vitest';
import { DisplayClock, HostTimeMap } from './display-clock';

describe('display clock', () => {
  it('follows the wall clock while running', () => {
    const clock = new DisplayClock();
    expect(clock.now(1000)).toBe(1000);
    expect(clock.now(1500)).toBe(1500);
  });

  it('stands still while paused and resumes from where it stopped', () => {
    const clock = new DisplayClock();
    clock.setPaused(true, 1000);
    expect(clock.now(4000)).toBe(1000);
    clock.setPaused(false, 5000);
    expect(clock.now(5000)).toBe(1000);
    expect(clock.now(5250)).toBe(1250);
  });

  it('ignores a repeated pause, which would otherwise lose the held time', () => {
    const clock = new DisplayClock();
    clock.setPaused(true, 1000);
    clock.setPaused(true, 3000);
    clock.setPaused(false, 4000);
    expect(clock.now(4000)).toBe(1000);
  });
});

describe('host time map', () => {
  it('maps the newest event of the first batch to now', () => {
    const map = new HostTimeMap();
    map.observe(200, 10_000, 1);
    expect(map.toDisplay(200)).toBe(10_000);
    expect(map.toDisplay(150)).toBe(9_950);
  });

  it('stretches host time by the timescale, so slow motion looks slow', () => {
    const map = new HostTimeMap();
    map.observe(200, 10_000, 10);
    expect(map.toDisplay(210)).toBe(10_100);
  });

  it('follows a batch that arrives later than expected at once', () => {
    const map = new HostTimeMap();
    map.observe(200, 10_000, 1);
    map.observe(300, 10_180, 1);
    expect(map.toDisplay(300)).toBe(10_180);
  });

  it('creeps back only slowly after an early batch', () => {
    const map = new HostTimeMap(1000, 2);
    map.observe(200, 10_000, 1);
    map.observe(300, 10_050, 1);
    expect(map.toDisplay(300)).toBe(10_098);
  });

  it('re-anchors when host and display disagree by more than the limit', () => {
    const map = new HostTimeMap(1000, 2);
    map.observe(200, 10_000, 1);
    map.observe(90_000, 10_100, 1);
    expect(map.toDisplay(90_000)).toBe(10_100);
  });

  it('re-anchors when the timescale changes, so earlier time is not rescaled', () => {
    const map = new HostTimeMap();
    map.observe(1000, 5000, 1);
    map.observe(1050, 5050, 4);
    expect(map.toDisplay(1060)).toBe(5090);
  });
});
