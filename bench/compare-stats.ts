// The arithmetic of compare-builds.ts, apart so that it can be tested: reading one profile-run
// result line, and medians.

/** One cell of profile-run.ts, reduced to what a comparison of builds judges by. */
export interface CellRun {
  readonly opsPerSec: number;
  readonly p50Ms: number;
  /** User + system CPU microseconds per operation, summed over every node and the load client. */
  readonly cpuMicrosPerOp: number;
}

export interface CompareRow {
  readonly cell: string;
  readonly side: 'old' | 'new';
  readonly runs: number;
  readonly cpuMicrosPerOp: number | null;
  readonly opsPerSec: number | null;
  readonly p50Ms: number | null;
}

/** profile-run's last output line, or null when the run failed (not JSON, errors, no CPU figures). */
export function parseCellRun(line: string): CellRun | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return null;
  }
  const run = parsed as { opsPerSec?: unknown; p50Ms?: unknown; errors?: unknown; cpuMicrosPerOp?: unknown };
  if (typeof run.opsPerSec !== 'number' || typeof run.p50Ms !== 'number' || run.errors !== 0) return null;
  if (typeof run.cpuMicrosPerOp !== 'object' || run.cpuMicrosPerOp === null) return null;
  let total = 0;
  for (const figure of Object.values(run.cpuMicrosPerOp)) {
    // "user + system", as profile-run prints it per process.
    const parts = typeof figure === 'string' ? figure.split('+').map((part) => Number(part.trim())) : [];
    if (parts.length !== 2 || parts.some((part) => !Number.isFinite(part))) return null;
    total += parts[0]! + parts[1]!;
  }
  return { opsPerSec: run.opsPerSec, p50Ms: run.p50Ms, cpuMicrosPerOp: total };
}

/** The median (the mean of the middle two for an even count); null for no values. */
export function medianOf(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
