// What a 3x3 cluster (three groups of three, one process, fsync on) costs at rest and after work:
// CPU over an idle period as a share of one core, and resident memory after many writes.
import { spawn } from 'node:child_process';
import { DEFAULT_TICK_MS } from '../src/main/cli/timing';
import { ClusterProcess, portOf } from './cluster-process';
import { runLoad } from './load-client';
import { cpuSeconds, residentMiB } from './proc-stats';
import { delay, trackChild } from './processes';

export interface ClusterCostsResult {
  /** How long the cluster had been at rest, after start, when the idle window began. */
  readonly settleSeconds: number;
  readonly idleSeconds: number;
  /** CPU time over the idle period as a percentage of one core; null off Linux. */
  readonly idleCpuPercentOfCore: number | null;
  /**
   * The same figure for a bare `node` process that only runs an interval of the nodes' tick,
   * measured alongside: what merely waking up costs on this machine, for reading the figure above.
   */
  readonly bareTimerCpuPercentOfCore: number | null;
  readonly rssMiBIdle: number | null;
  readonly writes: number;
  readonly writesPerSec: number;
  readonly writeErrors: number;
  readonly rssMiBAfterWrites: number | null;
}

export interface ClusterCostsOptions {
  readonly dataDir: string;
  /** Start-up work (connections, first heartbeats, JIT) settles this long before the idle window. */
  readonly settleSeconds: number;
  readonly idleSeconds: number;
  readonly writes: number;
  readonly valueBytes: number;
  readonly nodeFlags?: readonly string[];
}

export async function measureClusterCosts(options: ClusterCostsOptions): Promise<ClusterCostsResult> {
  const cluster = await ClusterProcess.start({
    groups: 3,
    groupSize: 3,
    dataDir: options.dataDir,
    ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}),
  });
  const bareTimer = spawn(process.execPath, ['-e', `setInterval(() => {}, ${DEFAULT_TICK_MS})`], { stdio: 'ignore' });
  trackChild(bareTimer);
  try {
    await delay(options.settleSeconds * 1000);
    const pid = cluster.pid;
    const cpuBefore = cpuSeconds(pid);
    const bareBefore = cpuSeconds(bareTimer.pid ?? -1);
    const startedAt = performance.now();
    await delay(options.idleSeconds * 1000);
    const cpuAfter = cpuSeconds(pid);
    const bareAfter = cpuSeconds(bareTimer.pid ?? -1);
    const wallSeconds = (performance.now() - startedAt) / 1000;
    const percentOfCore = (before: number | null, after: number | null) =>
      before === null || after === null ? null : ((after - before) / wallSeconds) * 100;
    const idleCpuPercentOfCore = percentOfCore(cpuBefore, cpuAfter);
    const bareTimerCpuPercentOfCore = percentOfCore(bareBefore, bareAfter);
    bareTimer.kill();
    const rssMiBIdle = residentMiB(pid);

    const leaders = await cluster.waitForLeaders(10_000);
    // Distinct keys, so that the state machine holds every write, as does the (uncompacted) log.
    const load = await runLoad({
      op: 'SET',
      targets: leaders.map((id) => ({ host: '127.0.0.1', port: portOf(id) })),
      connections: 16,
      pipeline: 16,
      keySpace: options.writes,
      valueBytes: options.valueBytes,
      totalOps: options.writes,
      keyPrefix: 'rss:',
    });
    return {
      settleSeconds: options.settleSeconds,
      idleSeconds: wallSeconds,
      idleCpuPercentOfCore,
      bareTimerCpuPercentOfCore,
      rssMiBIdle,
      writes: load.ops,
      writesPerSec: load.opsPerSec,
      writeErrors: load.errors,
      rssMiBAfterWrites: residentMiB(pid),
    };
  } finally {
    bareTimer.kill();
    await cluster.stop();
  }
}
