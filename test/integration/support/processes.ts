// Runs `raftlab` as real separate processes, the way a user starts the seed's nodes: one process
// per node, each with its own data folder, stopped with real signals.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
/**
 * The bundled CLI, what the installed `raftlab` runs. Vitest's global setup
 * (test/build-cli.global-setup.ts) bundles it from the current sources before any test starts.
 */
export const RAFTLAB_CLI = join(REPO_ROOT, 'out', 'cli', 'cli.js');

export interface RaftlabProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
}

export interface SpawnOptions {
  /** An installed `raftlab` executable to run instead of the checkout's bundle (the package test). */
  readonly executable?: string;
  readonly cwd?: string;
  /** The child's environment; this process's by default. */
  readonly env?: NodeJS.ProcessEnv;
}

export function spawnRaftlab(args: readonly string[], options: SpawnOptions = {}): RaftlabProcess {
  const [command, commandArgs] = options.executable
    ? [options.executable, args]
    : [process.execPath, [RAFTLAB_CLI, ...args]];
  const child = spawn(command, commandArgs, {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return { child, output: () => output, exited };
}

/** Runs `raftlab ARGS` to completion and returns its exit code and output. */
export async function runRaftlab(
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<{ code: number | string; output: string }> {
  const run = spawnRaftlab(args, options);
  const code = await run.exited;
  return { code, output: run.output() };
}
