// Milliseconds on the command line, ticks in the core. The tick is short enough that the election
// timeout's randomness keeps a useful resolution, and long enough that an idle node wakes rarely.
import type { NodeTiming } from '../host/node-host';
import type { RunOptions } from './options';

/** 10 ms ticks: the paper's 150-300 ms timeouts become 15-30 ticks, a heartbeat 5. */
export const DEFAULT_TICK_MS = 10;

export function timingOf(options: Pick<RunOptions, 'electionTimeoutMs' | 'heartbeatMs'>): NodeTiming {
  // A heartbeat shorter than two default ticks gets a finer tick, so it still beats on time.
  const tickMs = Math.max(1, Math.min(DEFAULT_TICK_MS, Math.floor(options.heartbeatMs / 2)));
  const electionTicksMin = Math.max(2, Math.round(options.electionTimeoutMs.min / tickMs));
  const electionTicksMax = Math.max(electionTicksMin + 1, Math.round(options.electionTimeoutMs.max / tickMs));
  const heartbeatTicks = Math.max(1, Math.min(electionTicksMin - 1, Math.round(options.heartbeatMs / tickMs)));
  return { tickMs, electionTicksMin, electionTicksMax, heartbeatTicks };
}
