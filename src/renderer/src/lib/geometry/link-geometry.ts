// The drawn form of a link between two nodes, and the path a message takes along it. Lines stop at
// the node rims; a cut link is drawn as two halves with a gap at the middle (flight-tracker's
// BREAK_POINT), where the cut mark sits; cut messages die just short of it (CUT_POINT), so their
// burst never covers the mark. Messages going opposite ways keep to their own side of the line.
import { BREAK_POINT } from '../model/flight-tracker';
import { lerpPoint, type Point, trimSegment } from './point';

export interface LinkGeometry {
  readonly from: Point;
  readonly to: Point;
  /** Where a cut is drawn. */
  readonly breakPoint: Point;
  /** The two halves either side of the gap: [from → gap start], [gap end → to]. */
  readonly halves: readonly [readonly [Point, Point], readonly [Point, Point]];
  /** Direction from `from` to `to`, in degrees clockwise from the x axis (SVG rotate()). */
  readonly angleDeg: number;
  /**
   * A band around the line to click on, as an SVG path. It has a real area even for a horizontal or
   * vertical link, whose bounding box would otherwise be flat (and "invisible" to a test runner).
   */
  readonly hitPath: string;
}

const HIT_HALF_WIDTH = 8;

export function linkGeometry(a: Point, b: Point, nodeRadius: number, gap: number): LinkGeometry {
  const { from, to } = trimSegment(a, b, nodeRadius, nodeRadius);
  const breakPoint = lerpPoint(a, b, BREAK_POINT);
  const length = Math.hypot(b.x - a.x, b.y - a.y) || 1;
  const half = gap / 2 / length;
  return {
    from,
    to,
    breakPoint,
    halves: [
      [from, lerpPoint(a, b, BREAK_POINT - half)],
      [lerpPoint(a, b, BREAK_POINT + half), to],
    ],
    angleDeg: (Math.atan2(b.y - a.y, b.x - a.x) * 180) / Math.PI,
    hitPath: bandPath(from, to, HIT_HALF_WIDTH),
  };
}

function bandPath(from: Point, to: Point, halfWidth: number): string {
  const length = Math.hypot(to.x - from.x, to.y - from.y) || 1;
  const nx = (-(to.y - from.y) / length) * halfWidth;
  const ny = ((to.x - from.x) / length) * halfWidth;
  const corner = (p: Point, sign: number) => `${(p.x + sign * nx).toFixed(1)},${(p.y + sign * ny).toFixed(1)}`;
  return `M${corner(from, 1)}L${corner(to, 1)}L${corner(to, -1)}L${corner(from, -1)}Z`;
}

/**
 * Where a message is at `progress` (0 at the sender's centre, 1 at the receiver's). The path runs
 * between the rims and is shifted `lane` pixels to the right of the direction of travel, so a
 * request and its reply crossing on one link do not hide each other.
 */
export function flightPosition(from: Point, to: Point, progress: number, rim: number, lane: number): Point {
  const length = Math.hypot(to.x - from.x, to.y - from.y);
  if (length === 0) return from;
  const ux = (to.x - from.x) / length;
  const uy = (to.y - from.y) / length;
  const usable = Math.max(0, length - 2 * rim);
  const clamped = Math.min(1, Math.max(0, progress));
  const along = length <= 2 * rim ? length * clamped : rim + usable * clamped;
  // Right of travel in SVG's y-down frame is (-uy, ux).
  return { x: from.x + ux * along - uy * lane, y: from.y + uy * along + ux * lane };
}
