// The election-timer arc around a node: full when the timer was just reset, shrinking to nothing
// as the timeout nears. The host reports the timer at each snapshot; between snapshots the arc
// runs down locally at the cluster's speed.
import { arc } from 'd3';
import { TAU } from './point';

export interface TimerReading {
  readonly elapsedMs: number;
  readonly timeoutMs: number;
  /** Display time at which the reading was true. */
  readonly atDisplayMs: number;
}

/**
 * The fraction of the timeout still to run at `nowDisplayMs`, in [0, 1]. `hostMsPerDisplayMs` is how
 * fast host time runs against the display clock (1 / timescale when the host is in slow motion).
 */
export function timerRemaining(reading: TimerReading, nowDisplayMs: number, hostMsPerDisplayMs: number): number {
  if (!(reading.timeoutMs > 0)) return 0;
  const sinceMs = Math.max(0, nowDisplayMs - reading.atDisplayMs);
  const elapsedMs = reading.elapsedMs + sinceMs * hostMsPerDisplayMs;
  return Math.min(1, Math.max(0, 1 - elapsedMs / reading.timeoutMs));
}

const timerArc = arc<{ innerRadius: number; outerRadius: number; startAngle: number; endAngle: number }>();

/** A ring segment starting at twelve o'clock and running clockwise over `fraction` of the turn. */
export function timerArcPath(radius: number, thickness: number, fraction: number): string {
  const clamped = Math.min(1, Math.max(0, fraction));
  if (clamped === 0) return '';
  return (
    timerArc({ innerRadius: radius, outerRadius: radius + thickness, startAngle: 0, endAngle: clamped * TAU }) ?? ''
  );
}
