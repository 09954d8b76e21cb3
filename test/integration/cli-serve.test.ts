// `raftlab cluster --serve` as a person or a script runs it: one `dashboard: URL` line holding the
// real port and the token, a working control API behind it, and a clean stop on SIGTERM that frees
// every port.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { ClusterState } from '../../src/shared/api';
import { waitFor } from './support/cluster';
import { httpCall } from './support/http';
import { freePartitions, portOf } from './support/ports';
import { RAFTLAB_CLI } from './support/processes';

const TOKEN = 'cli-token-42';

let child: ChildProcess | null = null;
let staticDir: string | null = null;
afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = null;
  if (staticDir) rmSync(staticDir, { recursive: true, force: true });
  staticDir = null;
});

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

it('prints the dashboard URL with the real port and token, serves the API, and exits 0 on SIGTERM with its ports free', async () => {
  const partitions = await freePartitions(1, 3);
  staticDir = mkdtempSync(join(tmpdir(), 'raftlab-cli-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>cli</title>');
  const proc = spawn(
    process.execPath,
    [
      RAFTLAB_CLI,
      'cluster',
      '--partitions',
      JSON.stringify(partitions).replaceAll('"', "'"),
      '--in-memory',
      '--serve',
      '127.0.0.1:0',
      '--token',
      TOKEN,
    ],
    { cwd: process.cwd(), env: { ...process.env, RAFTLAB_RENDERER_DIR: staticDir }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child = proc;
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  proc.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));

  const line = await waitFor(
    `the dashboard line (stdout so far: ${JSON.stringify(stdout)}, stderr: ${JSON.stringify(stderr)})`,
    () => /^dashboard: (\S+)$/m.exec(stdout)?.[1],
    20_000,
  );
  const url = new URL(line);
  expect(url.hostname).toBe('127.0.0.1');
  expect(Number(url.port)).toBeGreaterThan(0);
  expect(url.searchParams.get('token')).toBe(TOKEN);
  expect(line).toContain(`?token=${TOKEN}`);
  const base = `${url.protocol}//${url.host}`;

  expect((await httpCall(base, 'GET', '/api/state', { bearer: null })).status).toBe(401);
  const leaderElected = await waitFor('a leader, seen through /api/state', async () => {
    const answer = await httpCall(base, 'GET', `/api/state?token=${TOKEN}`, { bearer: null });
    expect(answer.status).toBe(200);
    const state = answer.json as ClusterState;
    return state.groups[0]?.leader ? state : null;
  });
  expect(leaderElected.partitions).toEqual(partitions);
  const page = await httpCall(base, 'GET', '/', { bearer: null });
  expect(page.text).toContain('<title>cli</title>');

  const stopAskedAt = performance.now();
  proc.kill('SIGTERM');
  const code = await exited;
  const stopMs = performance.now() - stopAskedAt;
  expect(code, stderr).toBe(0);
  expect(stopMs).toBeLessThan(5000);
  for (const port of [Number(url.port), ...partitions[0]!.map(portOf)]) {
    expect(await canListen(port), `port ${port} is free again`).toBe(true);
  }
}, 40_000);
