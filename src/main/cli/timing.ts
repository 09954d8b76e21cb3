// Milliseconds on the command line, ticks in the core. The tick is short enough that the election
// timeout's randomness keeps a useful resolution, and long enough that an idle node wakes rarely.
import type { NodeTiming } from '../host/node-host';
import type { RunOptions } from './options';

/**
 * 25 ms ticks: the paper's 150-300 ms timeouts become 6-12 ticks, a heartbeat 2. Every tick wakes a
 * process that is otherwise asleep, and on this kind of virtual machine a wake-up costs about
 * 0.1 ms of CPU: an idle 3x3 cluster took 3.0-3.1% of a core at 10 ms ticks against 2.1-2.6% at
 * 25 ms (bench/cluster-costs.ts, 20 s after start). Nodes in separate processes tick out of phase,
 * so the coarser timeout grid hardly adds split votes between them; in one process it does (1 in
 * 6 instead of 1 in 16), and the next timeout settles it.
 */
export const DEFAULT_TICK_MS = 25;

export function timingOf(options: Pick<RunOptions, 'electionTimeoutMs' | 'heartbeatMs'>): NodeTiming {
  // A heartbeat shorter than two default ticks gets a finer tick, so it still beats on time.
  const tickMs = Math.max(1, Math.min(DEFAULT_TICK_MS, Math.floor(options.heartbeatMs / 2)));
  const electionTicksMin = Math.max(2, Math.round(options.electionTimeoutMs.min / tickMs));
  const electionTicksMax = Math.max(electionTicksMin + 1, Math.round(options.electionTimeoutMs.max / tickMs));
  const heartbeatTicks = Math.max(1, Math.min(electionTicksMin - 1, Math.round(options.heartbeatMs / tickMs)));
  return { tickMs, electionTicksMin, electionTicksMax, heartbeatTicks };
}
