// `raftlab cluster --serve` as a person or a script runs it: one `dashboard: URL` line holding the
// real port and the token, a working control API behind it, and a clean stop on SIGTERM that frees
// every port.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { ClusterState } from '../../src/shared/api';
import { waitFor } from './support/cluster';
import { httpCall } from './support/http';
import { freePartitions, portOf } from './support/ports';
import { RAFTLAB_CLI, runRaftlab } from './support/processes';

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
  const { proc, url, base, partitions, output } = await serveCluster(['--token', TOKEN], {}, 3);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const line = /^dashboard: (\S+)$/m.exec(output())![1]!;
  expect(url.hostname).toBe('127.0.0.1');
  expect(Number(url.port)).toBeGreaterThan(0);
  expect(url.searchParams.get('token')).toBe(TOKEN);
  expect(line).toContain(`?token=${TOKEN}`);

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
  expect(code, output()).toBe(0);
  expect(stopMs).toBeLessThan(5000);
  for (const port of [Number(url.port), ...partitions[0]!.map(portOf)]) {
    expect(await canListen(port), `port ${port} is free again`).toBe(true);
  }
}, 40_000);

/** `raftlab cluster ARGS` with a stub dashboard; resolves with the process and its dashboard URL. */
async function serveCluster(
  args: readonly string[],
  env: Record<string, string> = {},
  groupSize = 1,
): Promise<{ proc: ChildProcess; url: URL; base: string; partitions: string[][]; output: () => string }> {
  const partitions = await freePartitions(1, groupSize);
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
      ...args,
    ],
    {
      cwd: process.cwd(),
      env: { ...process.env, RAFTLAB_TOKEN: '', ...env, RAFTLAB_RENDERER_DIR: staticDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child = proc;
  let output = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  proc.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const line = await waitFor(
    `the dashboard line (output so far: ${JSON.stringify(output)})`,
    () => /^dashboard: (\S+)$/m.exec(output)?.[1],
    20_000,
  );
  const url = new URL(line);
  return { proc, url, base: `${url.protocol}//${url.host}`, partitions, output: () => output };
}

it('reads the token from --token-file ahead of RAFTLAB_TOKEN, keeps it out of ps, and answers --allow-host names only', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'raftlab-token-file-'));
  try {
    const tokenFile = join(folder, 'api.token');
    writeFileSync(tokenFile, 'from-the-file-77\n', { mode: 0o600 });
    const { proc, url, base } = await serveCluster(['--token-file', tokenFile, '--allow-host', 'teacher.local'], {
      RAFTLAB_TOKEN: 'from-the-environment',
    });
    expect(url.searchParams.get('token')).toBe('from-the-file-77');
    // What `ps` shows every local user: the command line, which holds the file's name, not the token.
    const commandLine = readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8');
    expect(commandLine).toContain(tokenFile);
    expect(commandLine).not.toContain('from-the-file-77');

    const bearer = 'from-the-file-77';
    expect((await httpCall(base, 'GET', '/api/state', { bearer })).status).toBe(200);
    expect((await httpCall(base, 'GET', '/api/state', { bearer: 'from-the-environment' })).status).toBe(401);
    const allowed = await httpCall(base, 'GET', '/api/state', {
      bearer,
      headers: { Host: `teacher.local:${url.port}` },
    });
    expect(allowed.status).toBe(200);
    const rebound = await httpCall(base, 'GET', '/', { bearer: null, headers: { Host: `evil.example:${url.port}` } });
    expect(rebound.status).toBe(421);
    expect(rebound.json).toEqual({ error: expect.stringMatching(/DNS rebinding/) });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}, 40_000);

it('takes the token from RAFTLAB_TOKEN when no option names one', async () => {
  const { url, base } = await serveCluster([], { RAFTLAB_TOKEN: 'env-token-5' });
  expect(url.searchParams.get('token')).toBe('env-token-5');
  expect((await httpCall(base, 'GET', '/api/state', { bearer: 'env-token-5' })).status).toBe(200);
}, 40_000);

it('stops with exit 1 and a clear message when the token file is missing or empty, before any node starts', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'raftlab-token-file-'));
  try {
    const empty = join(folder, 'empty.token');
    writeFileSync(empty, '\n');
    const partitions = await freePartitions(1, 1);
    const config = JSON.stringify(partitions).replaceAll('"', "'");
    for (const [file, message] of [
      [join(folder, 'missing.token'), /--token-file .*missing\.token: cannot read it \(no such file\)/],
      [empty, /--token-file .*empty\.token: the file is empty; put the token on its first line/],
    ] as const) {
      const run = await runRaftlab([
        'cluster',
        '--partitions',
        config,
        '--in-memory',
        '--serve',
        '0',
        '--token-file',
        file,
      ]);
      expect(run.code, run.output).toBe(1);
      expect(run.output).toMatch(message);
      expect(run.output).not.toMatch(/raftlab cluster: 1 group/);
      expect(await canListen(portOf(partitions[0]![0]!))).toBe(true);
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}, 40_000);
