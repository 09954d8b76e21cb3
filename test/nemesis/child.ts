// A `raftlab` child process under the nemesis: its output's tail, a way to wait for a line, and
// whether it exited because we asked (SIGKILL, SIGTERM) or on its own, which is a crash.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { raftlabCli } from '../../bench/processes';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ChildExit {
  readonly label: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when the nemesis killed or stopped it; false is a crash. */
  readonly expected: boolean;
  /** The last lines it printed, stack traces included. */
  readonly tail: string;
}

const live = new Set<ChildProcess>();
// However the nemesis ends, no node outlives it holding a port or a stopped process.
process.once('exit', () => {
  for (const child of live) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
});
// Ctrl+C would otherwise end the nemesis without its 'exit' event, leaving the nodes running.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

export class RaftlabChild {
  private readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private partial = '';
  private expectExit = false;
  private watchers: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  /** Resolves once the process has exited, however. */
  readonly exited: Promise<ChildExit>;

  constructor(
    readonly label: string,
    args: readonly string[],
    env: Readonly<Record<string, string>> = {},
    private readonly keepLines = 80,
  ) {
    // The bundle users run (built from the current sources once per nemesis run), not tsx's loader.
    this.child = spawn(process.execPath, [raftlabCli(), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(this.child);
    this.child.stdout?.setEncoding('utf8').on('data', (text: string) => this.onText(text));
    this.child.stderr?.setEncoding('utf8').on('data', (text: string) => this.onText(text));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        live.delete(this.child);
        if (this.partial !== '') this.keep(this.partial);
        resolve({ label, code, signal, expected: this.expectExit, tail: this.tail() });
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  tail(lines = this.keepLines): string {
    return this.lines.slice(-lines).join('\n');
  }

  /** The first line (already seen or to come) matching `pattern`; rejects on exit or timeout. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    for (const line of this.lines) {
      const match = line.match(pattern);
      if (match) return Promise.resolve(match);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.label}: no line like ${pattern} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.watchers.push({
        pattern,
        resolve: (match) => {
          clearTimeout(timer);
          resolve(match);
        },
      });
      this.exited.then((exit) => {
        clearTimeout(timer);
        reject(
          new Error(`${this.label} exited (${exit.signal ?? exit.code}) before printing ${pattern}:\n${exit.tail}`),
        );
      });
    });
  }

  /** SIGKILL, as a crash does; SIGCONT first so that a stopped process dies at once. */
  kill(): Promise<ChildExit> {
    this.expectExit = true;
    if (this.running) {
      this.child.kill('SIGKILL');
      this.child.kill('SIGCONT');
    }
    return this.exited;
  }

  /** SIGTERM (a clean stop), SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<ChildExit> {
    this.expectExit = true;
    if (this.running) {
      this.child.kill('SIGCONT');
      this.child.kill('SIGTERM');
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    if (this.running) this.child.kill(signal);
  }

  private onText(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.keep(line);
  }

  private keep(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.keepLines * 4) this.lines.splice(0, this.lines.length - this.keepLines);
    for (const watcher of [...this.watchers]) {
      const match = line.match(watcher.pattern);
      if (match) {
        this.watchers = this.watchers.filter((w) => w !== watcher);
        watcher.resolve(match);
      }
    }
  }
}
