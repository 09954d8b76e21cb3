// The bench's output: one JSON object (every figure, the ratios against redis, the targets of
// issue 6 with pass or miss) and the same as a readable table. Pure functions of the results.
import { DEFAULT_TICK_MS } from '../src/main/cli/timing';
import type { ClusterCostsResult } from './cluster-costs';
import type { EventStreamCostResult } from './event-stream-cost';
import type { FailoverResult } from './failover';
import { quantile } from './latency-recorder';
import type { LoadResult } from './load-client';

export interface BenchResults {
  readonly raftlab: readonly LoadResult[] | null;
  readonly redis: readonly LoadResult[] | null;
  readonly failover: FailoverResult | null;
  readonly clusterCosts: ClusterCostsResult | null;
  readonly eventStream: EventStreamCostResult | null;
  /** The largest election timeout the nodes ran with (the failover targets are multiples of it). */
  readonly electionTimeoutMaxMs: number;
}

export interface CellComparison {
  readonly op: string;
  readonly connections: number;
  readonly pipeline: number;
  /** Ours divided by redis's; null when redis did not run. */
  readonly throughputRatio: number | null;
  readonly p50Ratio: number | null;
  readonly p99Ratio: number | null;
}

export interface TargetVerdict {
  readonly target: string;
  /** Met when the value is at least (`>=`) or at most (`<=`) the limit. */
  readonly comparison: '>=' | '<=';
  /** The limit, in the unit of `value`. */
  readonly limit: number;
  readonly value: number | null;
  readonly unit: string;
  /** null when the figure could not be measured (redis missing, a section skipped or failed). */
  readonly met: boolean | null;
}

export function findCell(
  cells: readonly LoadResult[] | null,
  op: string,
  connections: number,
  pipeline: number,
): LoadResult | undefined {
  return cells?.find((cell) => cell.op === op && cell.connections === connections && cell.pipeline === pipeline);
}

function ratio(ours: number | undefined, theirs: number | undefined): number | null {
  if (ours === undefined || theirs === undefined || !Number.isFinite(ours) || !Number.isFinite(theirs)) return null;
  return theirs === 0 ? null : ours / theirs;
}

export function compareCells(results: BenchResults): CellComparison[] {
  return (results.raftlab ?? []).map((ours) => {
    const theirs = findCell(results.redis, ours.op, ours.connections, ours.pipeline);
    return {
      op: ours.op,
      connections: ours.connections,
      pipeline: ours.pipeline,
      throughputRatio: ratio(ours.opsPerSec, theirs?.opsPerSec),
      p50Ratio: ratio(ours.p50Ms, theirs?.p50Ms),
      p99Ratio: ratio(ours.p99Ms, theirs?.p99Ms),
    };
  });
}

/** An infinite value (a failover that never recovered) is a miss; NaN or null is "not measured". */
function verdict(target: string, value: number | null, limit: number, unit: string, atLeast: boolean): TargetVerdict {
  const known = value !== null && !Number.isNaN(value);
  return {
    target,
    comparison: atLeast ? '>=' : '<=',
    limit,
    value: known && Number.isFinite(value) ? value : null,
    unit,
    met: known ? (atLeast ? value >= limit : value <= limit) : null,
  };
}

/** The targets of issue 6, each judged on this run's figures. */
export function evaluateTargets(results: BenchResults): TargetVerdict[] {
  const ratioOf = (op: string, connections: number, field: 'opsPerSec' | 'p50Ms') =>
    ratio(findCell(results.raftlab, op, connections, 1)?.[field], findCell(results.redis, op, connections, 1)?.[field]);
  const timeout = results.electionTimeoutMaxMs;
  const failover = results.failover;
  // A try that never recovered counts as an infinitely long failover, not as a missing sample.
  const failoverTimes = failover
    ? [...failover.timesMs, ...failover.failures.map(() => Number.POSITIVE_INFINITY)].sort((a, b) => a - b)
    : [];
  const failoverMedian = failover ? quantile(failoverTimes, 0.5) / timeout : null;
  const failoverMax = failover ? (failoverTimes[failoverTimes.length - 1] ?? Number.NaN) / timeout : null;
  return [
    verdict('SET throughput at 64 clients, vs redis', ratioOf('SET', 64, 'opsPerSec'), 0.5, 'x redis', true),
    verdict('SET p50 latency at 1 client, vs redis', ratioOf('SET', 1, 'p50Ms'), 2, 'x redis', false),
    verdict(
      'GET (ReadIndex) throughput at 64 clients, vs redis',
      ratioOf('GET', 64, 'opsPerSec'),
      0.5,
      'x redis',
      true,
    ),
    verdict('failover median, vs max election timeout', failoverMedian, 2, 'x timeout', false),
    verdict('failover max, vs max election timeout', failoverMax, 3, 'x timeout', false),
    verdict('idle 3x3 cluster CPU', results.clusterCosts?.idleCpuPercentOfCore ?? null, 2, '% of a core', false),
    verdict('write throughput lost to a subscribed view', results.eventStream?.costPercent ?? null, 10, '%', false),
  ];
}

// ---------------------------------------------------------------------------------------------
// The table.

const fmt = {
  ops: (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '-' : Math.round(n).toLocaleString('en')),
  ms: (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '-' : n < 10 ? n.toFixed(3) : n.toFixed(1)),
  ratio: (n: number | null) => (n === null ? '-' : n.toFixed(2)),
  num: (n: number | null | undefined, digits = 1) => (n === null || n === undefined ? '-' : n.toFixed(digits)),
};

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
        .join('  '),
    )
    .join('\n');
}

export function formatTable(results: BenchResults): string {
  const out: string[] = [];
  if (results.raftlab !== null) {
    const rows: string[][] = [
      [
        'op  clients pipe',
        'ours ops/s',
        'p50 ms',
        'p99 ms',
        'redis ops/s',
        'p50 ms',
        'p99 ms',
        'ops ratio',
        'p50 ratio',
      ],
    ];
    for (const [i, ours] of results.raftlab.entries()) {
      const theirs = findCell(results.redis, ours.op, ours.connections, ours.pipeline);
      const comparison = compareCells(results)[i]!;
      rows.push([
        `${ours.op.padEnd(3)} ${String(ours.connections).padStart(7)} ${String(ours.pipeline).padStart(4)}`,
        fmt.ops(ours.opsPerSec) + (ours.errors > 0 || ours.aborted ? '!' : ''),
        fmt.ms(ours.p50Ms),
        fmt.ms(ours.p99Ms),
        fmt.ops(theirs?.opsPerSec),
        fmt.ms(theirs?.p50Ms),
        fmt.ms(theirs?.p99Ms),
        fmt.ratio(comparison.throughputRatio),
        fmt.ratio(comparison.p50Ratio),
      ]);
    }
    out.push('Throughput and latency (3 raftlab node processes, fsync on; redis appendfsync always)', table(rows), '');
  }
  const failover = results.failover;
  if (failover !== null) {
    out.push(
      `Failover (SIGKILL leader -> first SET acknowledged), ${failover.timesMs.length}/${failover.tries} tries: ` +
        `median ${fmt.num(failover.medianMs, 0)} ms, max ${fmt.num(failover.maxMs, 0)} ms ` +
        `(max election timeout ${results.electionTimeoutMaxMs} ms)` +
        (failover.failures.length > 0 ? `; FAILED: ${failover.failures.join('; ')}` : ''),
    );
  }
  const costs = results.clusterCosts;
  if (costs !== null) {
    out.push(
      `3x3 cluster: idle CPU ${fmt.num(costs.idleCpuPercentOfCore, 2)}% of a core over ${fmt.num(costs.idleSeconds)} s ` +
        `after ${costs.settleSeconds} s at rest ` +
        `(a bare node process with a ${DEFAULT_TICK_MS} ms timer: ${fmt.num(costs.bareTimerCpuPercentOfCore, 2)}%); ` +
        `RSS ${fmt.num(costs.rssMiBIdle)} MiB idle, ${fmt.num(costs.rssMiBAfterWrites)} MiB after ` +
        `${costs.writes.toLocaleString('en')} writes (${fmt.ops(costs.writesPerSec)} writes/s)`,
    );
  }
  const stream = results.eventStream;
  if (stream !== null) {
    out.push(
      `Event stream: ${fmt.ops(stream.opsPerSecWithout)} SET/s without a view, ${fmt.ops(stream.opsPerSecWith)} with one ` +
        `(cost ${fmt.num(stream.costPercent)}%; the view got ${fmt.ops(stream.eventsPerSec)} events/s, ` +
        `${fmt.num(stream.bytesPerSec / 1024)} KiB/s)`,
    );
  }
  out.push('', 'Targets (issue 6)');
  const targetRows: string[][] = [['target', 'limit', 'measured', 'verdict']];
  for (const target of evaluateTargets(results)) {
    targetRows.push([
      target.target,
      `${target.comparison} ${target.limit} ${target.unit}`,
      target.value === null ? (target.met === false ? 'never' : '-') : `${target.value.toFixed(2)} ${target.unit}`,
      target.met === null ? 'not measured' : target.met ? 'met' : 'MISSED',
    ]);
  }
  out.push(table(targetRows));
  return out.join('\n');
}
