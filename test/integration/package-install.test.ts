// The package as a user gets it: `npm pack`, then `npm install` of the tarball into an empty
// folder, offline and with an empty cache, so any runtime dependency the package forgot to bundle
// fails the install. The installed `raftlab` then runs from that folder, far from the checkout:
// --help, `cluster --serve` with its dashboard page and token-guarded API, and `node` serving
// SET and GET.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFiles, rebuildReason } from '../../scripts/staleness.js';
import type { ClusterState } from '../../src/shared/api';
import { connect, text, waitFor } from './support/cluster';
import { httpCall } from './support/http';
import { freePartitions, freePort } from './support/ports';
import { REPO_ROOT, runRaftlab, type SpawnOptions, spawnRaftlab } from './support/processes';

let work = '';
let installed: SpawnOptions = {};

beforeAll(() => {
  // The global setup bundled the CLI; the dashboard and the desktop bundles come from `npm run
  // build`, which runs here only when out/ is missing or older than the sources (a fresh clone).
  // So `npm pack` skips its prepack script, which would build everything again.
  if (rebuildReason(buildFiles(REPO_ROOT)) !== null) {
    execFileSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'pipe' });
  }
  work = mkdtempSync(join(tmpdir(), 'raftlab-package-'));
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }),
  ) as { filename: string }[];
  const tarball = join(work, packed[0]!.filename);
  const app = join(work, 'app');
  mkdirSync(app);
  execFileSync(
    'npm',
    ['install', '--offline', '--cache', join(work, 'empty-cache'), '--no-audit', '--no-fund', tarball],
    { cwd: app, stdio: 'pipe' },
  );
  installed = { executable: join(app, 'node_modules', '.bin', 'raftlab'), cwd: app };
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed and installed raftlab', () => {
  it('holds the bundles and no node_modules of its own', () => {
    const root = join(installed.cwd!, 'node_modules', 'raftlab');
    for (const file of ['bin/raftlab.js', 'out/cli/cli.js', 'out/renderer/index.html', 'LICENSE', 'CHANGELOG.md']) {
      expect(existsSync(join(root, file)), file).toBe(true);
    }
    expect(existsSync(join(root, 'src'))).toBe(false);
    expect(readdirSync(join(installed.cwd!, 'node_modules')).sort()).toEqual(['.bin', '.package-lock.json', 'raftlab']);
  });

  it('prints its usage for --help', async () => {
    const run = await runRaftlab(['--help'], installed);
    expect(run.code).toBe(0);
    expect(run.output).toMatch(/usage/i);
  }, 30_000);

  it('serves the dashboard page and the token-guarded API with cluster --serve', async () => {
    const token = 'package-token-7';
    const partitions = await freePartitions(1, 3);
    const cluster = spawnRaftlab(
      [
        'cluster',
        '--partitions',
        JSON.stringify(partitions),
        '--in-memory',
        '--serve',
        '127.0.0.1:0',
        '--token',
        token,
      ],
      installed,
    );
    try {
      const line = await waitFor(
        'the dashboard line',
        () => /^dashboard: (\S+)$/m.exec(cluster.output())?.[1],
        20_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; output: ${cluster.output()}`);
      });
      const base = new URL(line).origin;
      const page = await httpCall(base, 'GET', '/', { bearer: null });
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect(page.text).toMatch(/<script[^>]+src="\.\/assets\/index-[\w-]+\.js"/);
      expect((await httpCall(base, 'GET', '/api/state', { bearer: null })).status).toBe(401);
      const state = await httpCall(base, 'GET', '/api/state', { bearer: token });
      expect(state.status).toBe(200);
      expect((state.json as ClusterState).nodes.map((node) => node.id).sort()).toEqual([...partitions[0]!].sort());
      cluster.child.kill('SIGTERM');
      expect(await cluster.exited).toBe(0);
    } finally {
      cluster.child.kill('SIGKILL');
    }
  }, 60_000);

  it('runs a node that answers SET and GET', async () => {
    const port = await freePort();
    const node = spawnRaftlab(['node', '127.0.0.1', String(port), `[['127.0.0.1:${port}']]`, '--in-memory'], installed);
    try {
      const client = await waitFor('the node to accept clients', async () => {
        try {
          return await connect(`127.0.0.1:${port}`);
        } catch {
          return null;
        }
      });
      await waitFor('a leader', async () => text(await client.command('SET', 'shipped', 'yes')) === 'OK');
      expect(text(await client.command('GET', 'shipped'))).toBe('yes');
      client.close();
      node.child.kill('SIGTERM');
      expect(await node.exited).toBe(0);
    } finally {
      node.child.kill('SIGKILL');
    }
  }, 60_000);
});
