import { describe, expect, it } from 'vitest';
import { describeTimescale, sliderFromTimescale, stepTimescale, timescaleFromSlider } from './timescale';

describe('speed slider', () => {
  it('spans real time to a hundred times slower on a log scale', () => {
    expect(timescaleFromSlider(0)).toBe(1);
    expect(timescaleFromSlider(1)).toBe(10);
    expect(timescaleFromSlider(2)).toBe(100);
    expect(timescaleFromSlider(9)).toBe(100);
  });

  it('round-trips a timescale through the slider', () => {
    expect(timescaleFromSlider(sliderFromTimescale(20))).toBe(20);
  });

  it('says what the speed means in words', () => {
    expect(describeTimescale(1)).toBe('real time');
    expect(describeTimescale(10)).toBe('10× slower');
    expect(describeTimescale(2.5)).toBe('2.5× slower');
  });

  it('doubles or halves on the keys, staying in range', () => {
    expect(stepTimescale(10, true)).toBe(20);
    expect(stepTimescale(10, false)).toBe(5);
    expect(stepTimescale(80, true)).toBe(100);
    expect(stepTimescale(1, false)).toBe(1);
  });
});
