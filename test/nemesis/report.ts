// What a nemesis run prints: the ops by kind and outcome, the faults with their times, the crashes
// with the crashed process' last lines, the final reads, and the checker's verdict per key with
// the shortest failing window of any key that failed.
import { describeOp, type Op, type RegisterState } from './history';
import { checkHistory, type Verdict } from './linearizability';
import type { FaultRecord } from './nemesis';
import { OTHER_VALUE, shrinkFailure, type Window } from './shrink';
import type { Crash } from './target';

export interface KeyVerdict {
  readonly key: string;
  readonly ops: number;
  readonly verdict: Verdict;
  readonly checkMs: number;
  readonly window: Window | null;
}

export function judgeKeys(ops: readonly Op[], keys: readonly string[], maxSteps: number): KeyVerdict[] {
  return keys.map((key) => {
    const mine = ops.filter((op) => op.key === key);
    const started = performance.now();
    const verdict = checkHistory(mine, { maxSteps });
    const window = verdict.kind === 'violation' ? shrinkFailure(mine, { maxSteps }) : null;
    return { key, ops: mine.length, verdict, checkMs: performance.now() - started, window };
  });
}

export function formatOps(ops: readonly Op[], notSent: number, errors: ReadonlyMap<string, number>): string[] {
  const lines = ['ops:'];
  for (const kind of ['set', 'get', 'del'] as const) {
    const mine = ops.filter((op) => op.kind === kind);
    const ok = mine.filter((op) => op.outcome === 'ok').length;
    const other = mine.length - ok;
    const otherLabel = kind === 'get' ? 'failed (dropped from the history)' : 'unknown outcome';
    lines.push(
      `  ${kind.toUpperCase().padEnd(4)} ${String(mine.length).padStart(6)}: ok ${ok}, ${otherLabel} ${other}`,
    );
  }
  lines.push(`  not sent (the node's port refused the connection): ${notSent}`);
  if (errors.size > 0) {
    const sorted = [...errors.entries()].sort((a, b) => b[1] - a[1]);
    lines.push(`  why not ok: ${sorted.map(([why, count]) => `${why} ${count}`).join(', ')}`);
  }
  return lines;
}

export function formatFaults(
  faults: readonly FaultRecord[],
  crashes: readonly Crash[],
  skipped: readonly string[],
): string[] {
  const applied = faults.filter((f) => f.kind !== 'heal' && f.error === undefined).length;
  const lines = [`faults: ${applied} applied (crashes shown where they happened)`];
  const timeline = [
    ...faults.map((fault) => ({
      atMs: fault.atMs,
      what: fault.kind,
      text: fault.error !== undefined ? `FAILED: ${fault.error}` : fault.detail,
    })),
    ...crashes.map((crash) => ({
      atMs: crash.atMs,
      what: 'CRASH',
      text: `${crash.label}: ${crashSignature(crash.tail)}`,
    })),
  ].sort((a, b) => a.atMs - b.atMs);
  for (const event of timeline) {
    const at = `+${(event.atMs / 1000).toFixed(1)} s`.padStart(9);
    lines.push(`  ${at} ${event.what.padEnd(18)} ${event.text}`);
  }
  if (skipped.length > 0) lines.push(`  not possible in this mode: ${skipped.join(', ')}`);
  return lines;
}

/** A crash's error line and the first frame in our code: crashes with the same one are one bug. */
export function crashSignature(tail: string): string {
  const lines = tail.split('\n');
  const errorAt = lines.findIndex((line) => /^\s*\w*(Error|Exception)\b.*:/.test(line));
  if (errorAt < 0) return lines.filter((line) => line.trim() !== '').at(-1) ?? '(no output)';
  const frame = lines.slice(errorAt + 1).find((line) => /\/src\//.test(line));
  const where = frame?.match(/(src\/[^\s)]+)/)?.[1];
  // Node addresses differ from crash to crash of one bug: they are left out of the signature.
  const error = lines[errorAt]!.trim().replace(/\b\d{1,3}(\.\d{1,3}){3}:\d+\b/g, 'ADDR');
  return `${error}${where ? ` at ${where}` : ''}`;
}

export function formatCrashes(crashes: readonly Crash[], what: string): string[] {
  const lines = [`${what} crashes: ${crashes.length}`];
  const shown = new Set<string>();
  crashes.forEach((crash, i) => {
    const signature = crashSignature(crash.tail);
    const how = crash.signal ? `signal ${crash.signal}` : `exit code ${crash.code}`;
    lines.push(`  #${i + 1} ${crash.label} at +${(crash.atMs / 1000).toFixed(1)} s: ${how}: ${signature}`);
    // The whole tail once per kind of crash; repeats are one line each.
    if (shown.has(signature)) return;
    shown.add(signature);
    for (const line of crash.tail.split('\n').slice(-25)) lines.push(`      | ${line}`);
  });
  return lines;
}

export function formatVerdicts(verdicts: readonly KeyVerdict[], originMs: number): string[] {
  const lines = ['linearizability, per key:'];
  for (const v of verdicts) {
    const how = `${v.ops} ops, checked in ${(v.checkMs / 1000).toFixed(2)} s`;
    if (v.verdict.kind === 'linearizable') lines.push(`  ${v.key}: linearizable (${how})`);
    else if (v.verdict.kind === 'inconclusive')
      lines.push(`  ${v.key}: INCONCLUSIVE: the search gave up after ${v.verdict.steps} steps (${how})`);
    else {
      lines.push(`  ${v.key}: NOT LINEARIZABLE (${how})`);
      if (v.window) {
        lines.push(
          `    the shortest failing window: ${v.window.ops.length} ops, starting from the key ${v.window.initialStates.map(stateText).join(' or ')}`,
        );
        lines.push('      invoked complete  client node             command -> reply   (seconds since start)');
        for (const op of [...v.window.ops].sort((a, b) => a.invokeMs - b.invokeMs)) {
          lines.push(`    ${describeOp(op, originMs)}`);
        }
      }
    }
  }
  return lines;
}

function stateText(state: RegisterState): string {
  if (state === null) return 'absent';
  if (state === OTHER_VALUE) return 'holding a value no read in it saw';
  return `= ${JSON.stringify(state)}`;
}
