// Vitest's global setup: bundle the CLI from the current sources once, before any test file runs,
// so every test that spawns `raftlab` (test/integration/support/processes.ts) runs the same
// JavaScript the installed package runs, and never a bundle older than the sources.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Set by a runner whose suites spawn no `raftlab` (the mutation suite): then nothing is bundled. */
export const SKIP_CLI_BUNDLE_ENV = 'RAFTLAB_SKIP_CLI_BUNDLE';

export default function setup(): void {
  if (process.env[SKIP_CLI_BUNDLE_ENV] === '1') return;
  const script = join(import.meta.dirname, '..', 'scripts', 'build-cli.js');
  const run = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`bundling the CLI failed (exit ${run.status}):\n${run.stderr}${run.stdout}`);
}
