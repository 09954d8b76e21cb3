// Plane geometry shared by the diagram's layers. Angles follow d3-shape's convention: radians,
// 0 at twelve o'clock, growing clockwise, so they can be handed to d3.arc unchanged.
export interface Point {
  readonly x: number;
  readonly y: number;
}

export const TAU = Math.PI * 2;

export function polarPoint(center: Point, radius: number, angle: number): Point {
  return { x: center.x + radius * Math.sin(angle), y: center.y - radius * Math.cos(angle) };
}

export function distance(a: Point, b: Point): number {
  return Math.hypot(b.x - a.x, b.y - a.y);
}

/** The point a fraction `t` of the way from `a` to `b`; `t` is clamped to [0, 1]. */
export function lerpPoint(a: Point, b: Point, t: number): Point {
  const clamped = Math.min(1, Math.max(0, t));
  return { x: a.x + (b.x - a.x) * clamped, y: a.y + (b.y - a.y) * clamped };
}

/** The segment from `a` to `b` with `trimA` cut off at a's end and `trimB` at b's (so lines stop at node rims). */
export function trimSegment(a: Point, b: Point, trimA: number, trimB: number): { from: Point; to: Point } {
  const length = distance(a, b);
  if (length <= trimA + trimB) {
    const middle = lerpPoint(a, b, 0.5);
    return { from: middle, to: middle };
  }
  return { from: lerpPoint(a, b, trimA / length), to: lerpPoint(a, b, 1 - trimB / length) };
}
