// The SET/GET matrix: every (op, clients, pipeline depth) cell, after loading every key once so that
// GETs find values. The same load client runs against our leader and against redis-server.
//
// With both servers, each cell runs against one and then the other before the next cell starts.
// This machine's speed drifts by 10-20% over minutes, and a whole matrix takes two: run one side's
// matrix after the other's and the drift lands in the ratios. Interleaved, both sides of a ratio
// are measured within seconds of each other. The price: the side not being measured sits idle
// meanwhile, and our idle 3-node group costs about 1% of a core, which the redis cells pay.
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

export interface NamedTarget {
  /** Used in progress lines, e.g. "raftlab" or "redis". */
  readonly name: string;
  readonly target: LoadTarget;
}

/** One list of cells per target, in the same order as `targets`, each in matrix order. */
export async function measureMatrices(
  targets: readonly NamedTarget[],
  settings: MatrixSettings,
  log: (line: string) => void,
): Promise<LoadResult[][]> {
  for (const { name, target } of targets) {
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
      throw new Error(`${name}: loading ${settings.keySpace} keys failed: ${preload.aborted ?? preload.firstError}`);
    }
  }
  const results: LoadResult[][] = targets.map(() => []);
  for (const op of settings.ops) {
    for (const connections of settings.clients) {
      for (const pipeline of settings.pipelines) {
        for (const [i, { name, target }] of targets.entries()) {
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
            `  ${name} ${op} c=${connections} p=${pipeline}: ${Math.round(cell.opsPerSec)} ops/s, ` +
              `p50 ${cell.p50Ms.toFixed(3)} ms, p99 ${cell.p99Ms.toFixed(3)} ms` +
              (cell.errors > 0 ? `, ${cell.errors} errors (${cell.firstError})` : '') +
              (cell.aborted ? `, aborted: ${cell.aborted}` : ''),
          );
          results[i]!.push(cell);
        }
      }
    }
  }
  return results;
}
