// The SET/GET matrix against one server: every (op, clients, pipeline depth) cell, after loading
// every key once so that GETs find values. The same function runs against our leader and redis.
import { type LoadOp, type LoadResult, type LoadTarget, runLoad } from './load-client';

export interface MatrixSettings {
  readonly ops: readonly LoadOp[];
  readonly clients: readonly number[];
  readonly pipelines: readonly number[];
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly keySpace: number;
  readonly valueBytes: number;
}

export async function measureMatrix(
  target: LoadTarget,
  settings: MatrixSettings,
  log: (line: string) => void,
): Promise<LoadResult[]> {
  const preload = await runLoad({
    op: 'SET',
    targets: [target],
    connections: 16,
    pipeline: 16,
    keySpace: settings.keySpace,
    valueBytes: settings.valueBytes,
    totalOps: settings.keySpace,
  });
  if (preload.errors > 0 || preload.aborted !== null) {
    throw new Error(`loading ${settings.keySpace} keys failed: ${preload.aborted ?? preload.firstError}`);
  }
  const cells: LoadResult[] = [];
  for (const op of settings.ops) {
    for (const connections of settings.clients) {
      for (const pipeline of settings.pipelines) {
        const cell = await runLoad({
          op,
          targets: [target],
          connections,
          pipeline,
          keySpace: settings.keySpace,
          valueBytes: settings.valueBytes,
          warmupMs: settings.warmupMs,
          durationMs: settings.durationMs,
        });
        log(
          `  ${op} c=${connections} p=${pipeline}: ${Math.round(cell.opsPerSec)} ops/s, ` +
            `p50 ${cell.p50Ms.toFixed(3)} ms, p99 ${cell.p99Ms.toFixed(3)} ms` +
            (cell.errors > 0 ? `, ${cell.errors} errors (${cell.firstError})` : '') +
            (cell.aborted ? `, aborted: ${cell.aborted}` : ''),
        );
        cells.push(cell);
      }
    }
  }
  return cells;
}
