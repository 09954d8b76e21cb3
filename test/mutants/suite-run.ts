// Runs one suite in a directory (a scratch copy) and says whether it passed, failed a test, or could
// not run at all. Vitest writes a JSON report, which tells a failing test from a file that did not
// load; the simulator CLI prints `Simulation failed: seed N: ...` when a seed breaks a property.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SKIP_CLI_BUNDLE_ENV } from '../build-cli.global-setup';
import { simSeeds } from './mutation';

export type SuiteOutcome =
  | { readonly kind: 'passed' }
  /** A test (or a simulated seed) failed; `file` is the test file, relative to the copy. */
  | { readonly kind: 'failed'; readonly file: string; readonly detail: string }
  /** Nothing was judged: a load or syntax error, a crash of the runner, a timeout. */
  | { readonly kind: 'broken'; readonly detail: string };

export interface SuiteRunOptions {
  readonly cwd: string;
  /** One suite name (`sim:N`) or several vitest files, run in one vitest process. */
  readonly suites: readonly string[];
  readonly timeoutMs: number;
  readonly verbose: boolean;
}

const OUTPUT_TAIL_CHARS = 64 * 1024;

/** Process groups of the suites running now, so that an interrupted run can end them. */
const running = new Set<number>();

/** Ends every suite process this module started and has not seen exit (for Ctrl-C). */
export function stopRunningSuites(): void {
  for (const pid of running) killGroup(pid);
  running.clear();
}
const DETAIL_CHARS = 200;

export async function runSuite(options: SuiteRunOptions): Promise<SuiteOutcome> {
  const first = options.suites[0]!;
  const seeds = simSeeds(first);
  if (seeds !== null) {
    const run = await runProcess(options, join('node_modules', '.bin', 'tsx'), [
      'test/sim/cli.ts',
      '--seeds',
      String(seeds),
    ]);
    if (run.timedOut) return { kind: 'broken', detail: `timed out after ${options.timeoutMs / 1000} s` };
    return readSimOutput(run.code, run.output, first);
  }
  const reportPath = join(options.cwd, 'vitest-report.json');
  rmSync(reportPath, { force: true });
  const run = await runProcess(options, join('node_modules', '.bin', 'vitest'), [
    'run',
    ...options.suites,
    '--bail=1',
    '--no-cache',
    '--reporter=json',
    `--outputFile=${reportPath}`,
    ...(options.verbose ? ['--reporter=default'] : []),
  ]);
  if (run.timedOut) return { kind: 'broken', detail: `timed out after ${options.timeoutMs / 1000} s` };
  const report = existsSync(reportPath) ? readFileSync(reportPath, 'utf8') : null;
  return readVitestReport(run.code, report, options.cwd, run.output);
}

/** The simulator CLI: exit 0 passes; a seed failure names itself; anything else did not run. */
export function readSimOutput(code: number | null, output: string, suite: string): SuiteOutcome {
  if (code === 0) return { kind: 'passed' };
  const failures = output.split('\n').filter((line) => /^Simulation failed: seed \d+: /.test(line));
  const last = failures[failures.length - 1];
  if (last !== undefined)
    return { kind: 'failed', file: suite, detail: clip(last.replace(/^Simulation failed: /, '')) };
  const atSeed = /FAILED at seed \d+/.exec(output);
  if (atSeed !== null) return { kind: 'failed', file: suite, detail: clip(`${atSeed[0]}: ${lastLines(output)}`) };
  return { kind: 'broken', detail: clip(`exit ${code}: ${lastLines(output)}`) };
}

interface VitestJson {
  readonly testResults?: readonly {
    readonly name: string;
    readonly status: string;
    readonly message?: string;
    readonly assertionResults?: readonly {
      readonly status: string;
      readonly fullName?: string;
      readonly title?: string;
      readonly failureMessages?: readonly string[];
    }[];
  }[];
}

/**
 * A failed test is a kill. A failed file with no failed test did not load (the mutation broke the
 * build, not a behaviour): that, a missing report or a failing exit with nothing failed, is broken.
 */
export function readVitestReport(
  code: number | null,
  report: string | null,
  cwd: string,
  output: string,
): SuiteOutcome {
  if (report === null) return { kind: 'broken', detail: clip(`no vitest report (exit ${code}): ${lastLines(output)}`) };
  const parsed = JSON.parse(report) as VitestJson;
  const files = parsed.testResults ?? [];
  for (const file of files) {
    const failed = (file.assertionResults ?? []).find((a) => a.status === 'failed');
    if (failed !== undefined) {
      const message = firstLine(failed.failureMessages?.[0] ?? '');
      const title = failed.fullName ?? failed.title ?? '?';
      return { kind: 'failed', file: relativeTo(cwd, file.name), detail: clip(`${title}: ${message}`) };
    }
  }
  const unloaded = files.find((file) => file.status === 'failed');
  if (unloaded !== undefined) {
    return { kind: 'broken', detail: clip(`${relativeTo(cwd, unloaded.name)}: ${firstLine(unloaded.message ?? '')}`) };
  }
  if (code !== 0)
    return { kind: 'broken', detail: clip(`vitest exit ${code} with no failed test: ${lastLines(output)}`) };
  return { kind: 'passed' };
}

interface ProcessRun {
  readonly code: number | null;
  readonly output: string;
  readonly timedOut: boolean;
}

/**
 * Runs a command in its own process group, so that a timeout ends the command and every process it
 * started (vitest's workers), and nothing else.
 */
function runProcess(options: SuiteRunOptions, command: string, args: readonly string[]): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(options.cwd, command), args, {
      cwd: options.cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // The mutated suites spawn no `raftlab`: vitest's global setup need not bundle the CLI (the
      // scratch copy has no scripts/ to bundle it with).
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', [SKIP_CLI_BUNDLE_ENV]: '1' },
    });
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    let output = '';
    let timedOut = false;
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (options.verbose) process.stdout.write(text);
      output = (output + text).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(pid);
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
      resolve({ code, output, timedOut });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function relativeTo(cwd: string, file: string): string {
  return file.startsWith(`${cwd}/`) ? file.slice(cwd.length + 1) : file;
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '') ?? '';
}

function lastLines(output: string): string {
  return output.trim().split('\n').slice(-3).join(' | ');
}

function clip(text: string): string {
  return text.length > DETAIL_CHARS ? `${text.slice(0, DETAIL_CHARS - 1)}…` : text;
}
