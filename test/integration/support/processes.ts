// Runs `raftlab` as real separate processes, the way a user starts the seed's nodes: one process
// per node, each with its own data folder, stopped with real signals.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
const CLI = join(REPO_ROOT, 'src', 'main', 'cli.ts');

export interface RaftlabProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
}

export function spawnRaftlab(args: readonly string[], env: NodeJS.ProcessEnv = process.env): RaftlabProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: REPO_ROOT,
    env,
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
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | string; output: string }> {
  const run = spawnRaftlab(args, env);
  const code = await run.exited;
  return { code, output: run.output() };
}
