// Child processes for the benchmark: `raftlab node` and `raftlab cluster` run as real, separate
// processes (never in the bench's own), plus free ports and waiting for a line of output.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

let cliBundled = false;
/**
 * The bundled CLI (out/cli/cli.js), what users run, bundled from the current sources the first
 * time a bench process starts: measuring under tsx's loader would measure tsx as well.
 */
export function raftlabCli(): string {
  if (!cliBundled) {
    const run = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-cli.js')], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (run.status !== 0) throw new Error(`bundling the CLI failed (exit ${run.status})`);
    cliBundled = true;
  }
  return join(REPO_ROOT, 'out', 'cli', 'cli.js');
}

/** Ports the kernel says are free now; all held open together so that they differ. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

const liveChildren = new Set<ChildProcess>();

/** Children are killed when the bench exits, however it exits, so no node outlives it holding a port. */
export function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

export interface SpawnOptions {
  /** Extra node flags, e.g. `--cpu-prof --cpu-prof-dir DIR`. */
  readonly nodeFlags?: readonly string[];
  /** Output lines kept for error messages. */
  readonly keepLines?: number;
}

/** A running `raftlab` child with its recent output, and a way to wait for a line of it. */
export class RaftlabProcess {
  readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private readonly watchers: { pattern: RegExp; resolve: (match: RegExpMatchArray) => void }[] = [];
  private exitCode: number | null | undefined = undefined;
  private readonly exited: Promise<void>;

  constructor(
    readonly label: string,
    args: readonly string[],
    options: SpawnOptions = {},
  ) {
    const keep = options.keepLines ?? 200;
    this.child = spawn(process.execPath, [...(options.nodeFlags ?? []), raftlabCli(), ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackChild(this.child);
    const onText = (text: string) => {
      for (const line of text.split('\n')) {
        if (line === '') continue;
        this.lines.push(line);
        if (this.lines.length > keep) this.lines.shift();
        for (const watcher of [...this.watchers]) {
          const match = line.match(watcher.pattern);
          if (match) {
            this.watchers.splice(this.watchers.indexOf(watcher), 1);
            watcher.resolve(match);
          }
        }
      }
    };
    this.child.stdout?.setEncoding('utf8').on('data', onText);
    this.child.stderr?.setEncoding('utf8').on('data', onText);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code) => {
        this.exitCode = code;
        resolve();
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  recentOutput(lines = 20): string {
    return this.lines.slice(-lines).join('\n');
  }

  /** Resolves with the first line (from now on, or already seen) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    for (const line of this.lines) {
      const match = line.match(pattern);
      if (match) return Promise.resolve(match);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${this.label}: no line matching ${pattern} within ${timeoutMs} ms:\n${this.recentOutput()}`));
      }, timeoutMs);
      this.watchers.push({
        pattern,
        resolve: (match) => {
          clearTimeout(timer);
          resolve(match);
        },
      });
      this.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`${this.label} exited (code ${this.exitCode}):\n${this.recentOutput()}`));
      });
    });
  }

  /** SIGKILL: what a crash looks like. */
  kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** SIGTERM (a clean stop, which also writes a --cpu-prof profile), then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns a value other than null, or throws after `timeoutMs`. */
export async function poll<T>(
  what: string,
  probe: () => Promise<T | null>,
  timeoutMs: number,
  everyMs = 20,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(everyMs);
  }
}
