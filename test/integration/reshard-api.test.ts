// POST /api/groups and DELETE /api/groups/{g} (CONTRACTS.md §4) in front of a real ClusterHost on
// real TCP: the token guards them, bad input gets a 4xx JSON error and changes nothing, and a good
// request adds (or removes) a group whose keys then move, with `migrate` events on the stream.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlServer } from '../../src/main/server/control-server';
import type { ClusterEvent, ClusterState } from '../../src/shared/api';
import { connect, startCluster, type TestCluster, text, waitFor, waitForLeaders } from './support/cluster';
import { httpCall } from './support/http';
import { valueFor, writeKeys } from './support/observe';
import { freePartitions } from './support/ports';

const TOKEN = 'reshard-token';
let cluster: TestCluster;
let server: ControlServer;
let base: string;
let staticDir: string;
const events: ClusterEvent[] = [];

beforeAll(async () => {
  staticDir = mkdtempSync(join(tmpdir(), 'raftlab-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html>');
  cluster = await startCluster(2, 3, { inMemory: true, moverOptions: { batchKeys: 16 } });
  cluster.host.onEvents((batch) => events.push(...batch));
  server = new ControlServer({ api: cluster.host, staticDir, port: 0, token: TOKEN });
  base = await server.start();
  await waitForLeaders(cluster.host, 30_000);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await cluster?.close();
  rmSync(staticDir, { recursive: true, force: true });
});

async function state(): Promise<ClusterState> {
  return (await httpCall(base, 'GET', '/api/state', { bearer: TOKEN })).json as ClusterState;
}

describe('the group routes of the control API', () => {
  it('refuse a missing token, a bad body, a used address and an unknown group, changing nothing', async () => {
    expect(
      (await httpCall(base, 'POST', '/api/groups', { bearer: null, body: { members: ['127.0.0.1:1'] } })).status,
    ).toBe(401);
    expect((await httpCall(base, 'DELETE', '/api/groups/1', { bearer: null })).status).toBe(401);
    const bad = await httpCall(base, 'POST', '/api/groups', { bearer: TOKEN, body: { members: [] } });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: string }).error).toMatch(/members/);
    const notAddress = await httpCall(base, 'POST', '/api/groups', { bearer: TOKEN, body: { members: ['nowhere'] } });
    expect(notAddress.status).toBe(400);
    const used = await httpCall(base, 'POST', '/api/groups', {
      bearer: TOKEN,
      body: { members: [cluster.partitions[0]![0]] },
    });
    expect(used.status).toBe(409);
    expect((used.json as { error: string }).error).toContain(cluster.partitions[0]![0]!);
    expect((await httpCall(base, 'DELETE', '/api/groups/7', { bearer: TOKEN })).status).toBe(404);
    expect((await httpCall(base, 'GET', '/api/groups', { bearer: TOKEN })).status).toBe(405);
    const now = await state();
    expect(now.ring.version).toBe(1);
    expect(now.groups).toHaveLength(2);
  });

  it('POST adds a group: its tokens join the ring, keys move with migrate events; DELETE takes it away again', async () => {
    const client = await connect(cluster.partitions[1]![0]!);
    const keys = await writeKeys(client, 'api', 300);
    const [members] = await freePartitions(1, 3);
    const added = await httpCall(base, 'POST', '/api/groups', { bearer: TOKEN, body: { members } });
    expect(added.status).toBe(200);
    expect(added.json).toEqual({ group: 2 });
    await cluster.host.reshardDone();
    const grown = await state();
    expect(grown.ring.version).toBe(2);
    expect(grown.ring.tokens.some((t) => t.group === 2)).toBe(true);
    await waitFor('migrate start, progress and done', () =>
      ['start', 'progress', 'done'].every((phase) => events.some((e) => e.type === 'migrate' && e.phase === phase)),
    );
    for (const key of keys) expect(text(await client.command('GET', key))).toBe(valueFor(key));

    const removed = await httpCall(base, 'DELETE', '/api/groups/2', { bearer: TOKEN });
    expect(removed.status).toBe(200);
    await cluster.host.reshardDone();
    const shrunk = await state();
    expect(shrunk.ring.version).toBe(3);
    expect(shrunk.groups.map((g) => g.id)).toEqual([0, 1]);
    for (const key of keys) expect(text(await client.command('GET', key))).toBe(valueFor(key));
    client.close();
  }, 120_000);
});
