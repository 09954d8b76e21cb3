// What a 3x3 cluster (three groups of three, one process, fsync on) costs at rest and after work:
// CPU over an idle period as a share of one core, and resident memory after many writes.
import { ClusterProcess, portOf } from './cluster-process';
import { runLoad } from './load-client';
import { cpuSeconds, residentMiB } from './proc-stats';
import { delay } from './processes';

export interface ClusterCostsResult {
  readonly idleSeconds: number;
  /** CPU time over the idle period as a percentage of one core; null off Linux. */
  readonly idleCpuPercentOfCore: number | null;
  readonly rssMiBIdle: number | null;
  readonly writes: number;
  readonly writesPerSec: number;
  readonly writeErrors: number;
  readonly rssMiBAfterWrites: number | null;
}

export interface ClusterCostsOptions {
  readonly dataDir: string;
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
  try {
    // Let start-up work (connections, the first heartbeats, JIT) settle before the idle window.
    await delay(1000);
    const pid = cluster.pid;
    const cpuBefore = cpuSeconds(pid);
    const startedAt = performance.now();
    await delay(options.idleSeconds * 1000);
    const cpuAfter = cpuSeconds(pid);
    const wallSeconds = (performance.now() - startedAt) / 1000;
    const idleCpuPercentOfCore =
      cpuBefore === null || cpuAfter === null ? null : ((cpuAfter - cpuBefore) / wallSeconds) * 100;
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
      idleSeconds: wallSeconds,
      idleCpuPercentOfCore,
      rssMiBIdle,
      writes: load.ops,
      writesPerSec: load.opsPerSec,
      writeErrors: load.errors,
      rssMiBAfterWrites: residentMiB(pid),
    };
  } finally {
    await cluster.stop();
  }
}
