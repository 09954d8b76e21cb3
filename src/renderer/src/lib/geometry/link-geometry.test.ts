import { describe, expect, it } from 'vitest';
import { BREAK_POINT, CUT_POINT } from '../model/flight-tracker';
import { flightPosition, linkGeometry } from './link-geometry';
import { distance } from './point';

const a = { x: 0, y: 0 };
const b = { x: 200, y: 0 };

describe('link geometry', () => {
  it('stops the line at both node rims', () => {
    const link = linkGeometry(a, b, 20, 10);
    expect(link.from).toEqual({ x: 20, y: 0 });
    expect(link.to).toEqual({ x: 180, y: 0 });
  });

  it('breaks a cut link at its middle, clear of where cut messages die', () => {
    const link = linkGeometry(a, b, 20, 10);
    expect(link.breakPoint.x).toBeCloseTo(200 * BREAK_POINT);
    // A cut message dies before the gap, so its burst leaves the mark in the gap visible.
    expect(200 * CUT_POINT).toBeLessThan(link.halves[0][1].x - 10);
    expect(link.halves[0][1].x).toBeCloseTo(95);
    expect(link.halves[1][0].x).toBeCloseTo(105);
  });

  it('gives a horizontal link a click band with real height', () => {
    expect(linkGeometry(a, b, 20, 10).hitPath).toBe('M20.0,8.0L180.0,8.0L180.0,-8.0L20.0,-8.0Z');
  });

  it('gives the direction for a one-way arrow', () => {
    expect(linkGeometry(a, { x: 0, y: 50 }, 5, 4).angleDeg).toBeCloseTo(90);
    expect(linkGeometry(b, a, 5, 4).angleDeg).toBeCloseTo(180);
  });
});

describe('message flight interpolation', () => {
  it('leaves from the sender’s rim and arrives at the receiver’s rim', () => {
    expect(flightPosition(a, b, 0, 20, 0)).toEqual({ x: 20, y: 0 });
    expect(flightPosition(a, b, 1, 20, 0)).toEqual({ x: 180, y: 0 });
    expect(flightPosition(a, b, 0.5, 20, 0)).toEqual({ x: 100, y: 0 });
  });

  it('moves at an even pace along the link', () => {
    const quarter = flightPosition(a, b, 0.25, 20, 0);
    const half = flightPosition(a, b, 0.5, 20, 0);
    const threeQuarters = flightPosition(a, b, 0.75, 20, 0);
    expect(distance(quarter, half)).toBeCloseTo(distance(half, threeQuarters));
  });

  it('keeps to the right of its direction, so a request and its reply pass side by side', () => {
    const going = flightPosition(a, b, 0.5, 20, 4);
    const coming = flightPosition(b, a, 0.5, 20, 4);
    expect(going.y).toBeCloseTo(4);
    expect(coming.y).toBeCloseTo(-4);
  });

  it('clamps progress outside [0, 1] and survives nodes drawn on top of each other', () => {
    expect(flightPosition(a, b, 2, 20, 0)).toEqual({ x: 180, y: 0 });
    expect(flightPosition(a, a, 0.5, 20, 0)).toEqual(a);
  });
});
