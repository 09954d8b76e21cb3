// The HTTP control API of CONTRACTS.md §4 in front of a real ClusterHost on real TCP: every route of
// HTTP_ROUTES acts on the cluster, the token guards every /api request, bad input gets a 4xx with a
// JSON {error}, and /api/events streams batches of real events.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlServer } from '../../src/main/server/control-server';
import {
  CLUSTER_OPERATIONS,
  type ClusterEvent,
  type ClusterOperation,
  type ClusterState,
  type KvResult,
} from '../../src/shared/api';
import { EVENTS_PATH, HTTP_ROUTES } from '../../src/shared/http-routes';
import { parseRecording } from '../../src/shared/recording';
import { startCluster, type TestCluster, waitFor, waitForLeaders } from './support/cluster';
import { type HttpAnswer, httpCall, openEventStream } from './support/http';
import { leaderOf, membersOf, messageEvents, nodeOf } from './support/observe';
import { freePartitions } from './support/ports';
import { startWriters } from './support/writers';

const TOKEN = 'integration-token';
const INDEX_HTML = '<!doctype html><title>RaftLab test page</title>';

let cluster: TestCluster;
let server: ControlServer;
let base: string;
let staticDir: string;
const covered = new Set<ClusterOperation>();

beforeAll(async () => {
  staticDir = mkdtempSync(join(tmpdir(), 'raftlab-static-'));
  writeFileSync(join(staticDir, 'index.html'), INDEX_HTML);
  // Lesson mode, as `raftlab cluster` runs, so that /api/lesson is served too.
  cluster = await startCluster(1, 3, { lessons: true });
  server = new ControlServer({ api: cluster.host, staticDir, port: 0, token: TOKEN });
  base = await server.start();
  await waitForLeaders(cluster.host);
});

afterAll(async () => {
  await server?.stop();
  await cluster?.close();
  rmSync(staticDir, { recursive: true, force: true });
});

/** Calls an operation through its route in HTTP_ROUTES, with the token; `id` is put in the path as given. */
async function call(operation: ClusterOperation, options: { id?: string; body?: unknown } = {}): Promise<HttpAnswer> {
  const route = HTTP_ROUTES[operation];
  const path = options.id === undefined ? route.path : route.path.replace('{id}', options.id);
  const answer = await httpCall(base, route.method, path, { bearer: TOKEN, body: options.body });
  if (answer.status === 200) covered.add(operation);
  return answer;
}

async function state(): Promise<ClusterState> {
  const answer = await call('state');
  expect(answer.status).toBe(200);
  return answer.json as ClusterState;
}

function expectError(answer: HttpAnswer, status: number, message: RegExp): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(answer.json).toEqual({ error: expect.stringMatching(message) });
}

describe('every route of HTTP_ROUTES', () => {
  it('serves the state and the dashboard page', async () => {
    const snapshot = await state();
    expect(snapshot.partitions).toEqual(cluster.partitions);
    expect(snapshot.groups[0]!.leader).toBe(leaderOf(snapshot)!.id);
    expect(snapshot.droppedEvents).toBeTypeOf('number');
    const page = await httpCall(base, 'GET', '/', { bearer: null });
    expect([page.status, page.text]).toEqual([200, INDEX_HTML]);
  });

  it('kills a node named URL-encoded and restarts it named raw', async () => {
    const victim = membersOf(await state()).find((n) => n.role === 'follower')!.id;
    expect((await call('kill', { id: encodeURIComponent(victim) })).json).toEqual({ ok: true });
    expect((await state()).nodes.find((n) => n.id === victim)?.alive).toBe(false);
    expect((await call('restart', { id: victim })).json).toEqual({ ok: true });
    expect((await state()).nodes.find((n) => n.id === victim)?.alive).toBe(true);
  });

  it('writes, reads and deletes a key through /api/kv, via a chosen node or any', async () => {
    const via = cluster.partitions[0]![2]!;
    const set = (await call('kv', { body: { op: 'SET', key: 'colour', value: 'blue', via } })).json as KvResult;
    expect(set).toMatchObject({ ok: true, error: null, group: 0, via });
    expect(set.ms).toBeTypeOf('number');
    const get = (await call('kv', { body: { op: 'get', key: 'colour' } })).json as KvResult;
    expect(get).toMatchObject({ ok: true, value: 'blue' });
    expect(get.servedBy).toBe(leaderOf(await state())!.id);
    expect((await call('kv', { body: { op: 'DEL', key: 'colour' } })).json).toMatchObject({ ok: true, value: '1' });
    expect((await call('kv', { body: { op: 'GET', key: 'colour', via } })).json).toMatchObject({
      ok: true,
      value: null,
    });
  });

  it('cuts and heals a link, partitions and heals the network', async () => {
    const [a, b, c] = cluster.partitions[0]! as [string, string, string];
    await call('setLink', { body: { a, b, cut: true, oneWay: true } });
    expect((await state()).links).toEqual([{ a, b, oneWay: true }]);
    await call('setLink', { body: { a, b, cut: false, oneWay: true } });
    expect((await state()).links).toEqual([]);
    await call('partition', { body: { sides: [[a], [b, c]] } });
    expect((await state()).links).toEqual([
      { a, b, oneWay: false },
      { a, b: c, oneWay: false },
    ]);
    expect((await call('heal')).json).toEqual({ ok: true });
    expect((await state()).links).toEqual([]);
  });

  it('sets the network, the clock and the Raft options', async () => {
    await call('setNetwork', { body: { latencyMs: [1, 3], dropRate: 0.01 } });
    expect((await state()).network).toEqual({ latencyMs: [1, 3], dropRate: 0.01 });
    await call('setNetwork', { body: { latencyMs: [0, 0], dropRate: 0 } });
    await call('setClock', { body: { timescale: 4, paused: true } });
    expect((await state()).clock).toEqual({ timescale: 4, paused: true });
    await call('setClock', { body: { timescale: 1, paused: false } });
    expect((await state()).clock).toEqual({ timescale: 1, paused: false });
    await call('setRaftOptions', { body: { preVote: false } });
    expect((await state()).raft).toEqual({ preVote: false, checkQuorum: true });
    await call('setRaftOptions', { body: { preVote: true, checkQuorum: true } });
    expect((await state()).raft).toEqual({ preVote: true, checkQuorum: true });
  });

  it('switches the Figure 8 lesson on and off, and serves the session recording as JSON lines', async () => {
    await call('setLesson', { body: { skipNoop: true, unsafeCommitByCount: true } });
    expect((await state()).lesson).toEqual({ available: true, skipNoop: true, unsafeCommitByCount: true });
    await call('setLesson', { body: { skipNoop: false, unsafeCommitByCount: false } });
    expect((await state()).lesson).toEqual({ available: true, skipNoop: false, unsafeCommitByCount: false });
    expectError(await call('setLesson', { body: { unsafe: true } }), 400, /unknown field 'unsafe'/);

    const answer = await call('recording');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const recording = parseRecording(answer.text);
    expect(recording.keyframes.length).toBeGreaterThan(0);
    expect(recording.events.some((event) => event.type === 'fault' && event.action === 'lesson')).toBe(true);
    expect((await state()).safety?.electionSafety).toEqual({ ok: true });
  });

  it('forces an election timeout and steps a leader down', async () => {
    const before = await waitForLeaders(cluster.host);
    const follower = membersOf(before).find((n) => n.role === 'follower')!.id;
    expect((await call('forceTimeout', { id: encodeURIComponent(follower) })).status).toBe(200);
    const leader = leaderOf(await waitForLeaders(cluster.host))!.id;
    expect((await call('stepDown', { id: leader })).json).toEqual({ ok: true });
    await waitFor('leadership to move', async () => {
      const next = leaderOf(await state());
      return next !== null && next.id !== leader;
    });
  });

  it('pauses, steps and drops held messages, aligns and spreads the timers', async () => {
    await waitForLeaders(cluster.host);
    await call('setClock', { body: { paused: true } });
    const leader = leaderOf(await state())!.id;
    await call('forceTimeout', { id: membersOf(await state()).find((n) => n.id !== leader)!.id });
    const held = await waitFor('held messages', async () => {
      const list = (await state()).staging?.held ?? [];
      return list.length >= 2 ? list : null;
    });
    expect((await call('step', { body: { messages: 1 } })).json).toEqual({ delivered: 1 });
    expect((await call('dropMessage', { id: String(held[1]!.id) })).json).toEqual({ ok: true });
    expectError(await call('dropMessage', { id: String(held[1]!.id) }), 404, /not held/);
    await call('setClock', { body: { paused: false } });
    expectError(await call('step', { body: { messages: 1 } }), 409, /paused/);
    expect((await call('alignTimers')).json).toEqual({ ok: true });
    expect((await call('spreadTimers')).json).toEqual({ ok: true });
    await waitForLeaders(cluster.host);
  });

  it('lists, starts, advances and stops a guided scenario', async () => {
    const list = (await call('scenarios')).json as { id: string }[];
    expect(list.map((scenario) => scenario.id)).toContain('leader-crash');
    expectError(await call('startScenario', { id: 'no-such-lesson' }), 404, /no scenario 'no-such-lesson'/);
    expect((await call('startScenario', { id: 'leader-crash' })).json).toEqual({ ok: true });
    await waitFor(
      'the first narrated pause',
      async () => (await state()).staging?.scenario?.phase === 'narrating',
      20_000,
    );
    expect((await call('nextScenarioStep')).json).toEqual({ ok: true });
    expect((await call('stopScenario')).json).toEqual({ ok: true });
    expect((await state()).staging?.scenario?.phase).toBe('stopped');
    expectError(await call('nextScenarioStep'), 409, /no scenario is waiting/);
    // The scenario may have stopped with its leader down: bring every node back for what follows.
    for (const node of (await state()).nodes) if (!node.alive) await call('restart', { id: node.id });
    await waitForLeaders(cluster.host, 20_000);
  });

  it('takes a snapshot of a node on demand, which its state then shows', async () => {
    const leader = leaderOf(await waitForLeaders(cluster.host))!.id;
    expect((await call('kv', { body: { op: 'SET', key: 'snap', value: 'shot', via: leader } })).json).toMatchObject({
      ok: true,
    });
    expect((await call('takeSnapshot', { id: encodeURIComponent(leader) })).json).toEqual({ ok: true });
    const node = nodeOf(await state(), leader);
    expect(node.snapshotIndex).toBeGreaterThan(0);
    expect(node.snapshotIndex).toBeLessThanOrEqual(node.appliedIndex);
  });

  it('starts over on a new configuration', async () => {
    const partitions = await freePartitions(1, 3);
    const answer = await call('reconfigure', { body: { partitions: JSON.stringify(partitions).replaceAll('"', "'") } });
    expect(answer.json).toEqual({ ok: true });
    expect((await state()).partitions).toEqual(partitions);
    await waitForLeaders(cluster.host);
    expect((await call('kv', { body: { op: 'SET', key: 'after', value: 'reconfigure' } })).json).toMatchObject({
      ok: true,
    });
  });

  it('adds a node to a group (it starts empty here, catches up, is promoted) and removes one, through /api/groups/{g}/members', async () => {
    const before = await waitForLeaders(cluster.host);
    const group = before.groups[0]!;
    expect(group.learners).toEqual([]);
    expect((await call('kv', { body: { op: 'SET', key: 'before-join', value: 'kept' } })).json).toMatchObject({
      ok: true,
    });
    const [added] = (await freePartitions(1, 1))[0]!;
    const addAnswer = await call('changeMembers', { id: '0', body: { add: added } });
    expect(addAnswer.json, addAnswer.text).toEqual({ ok: true });
    const promoted = await waitFor(
      'the added node to be a voter',
      async () => {
        const snapshot = await state();
        // The leader knows first; the node itself once it learns that the promotion committed.
        const node = snapshot.nodes.find((n) => n.id === added);
        return snapshot.groups[0]!.members.includes(added!) && node?.learner === false ? snapshot : null;
      },
      20_000,
    );
    expect(promoted.groups[0]!.learners).toEqual([]);
    expect(promoted.nodes.find((n) => n.id === added)).toMatchObject({ alive: true, learner: false, group: 0 });
    const read = (await call('kv', { body: { op: 'GET', key: 'before-join', via: added } })).json as KvResult;
    expect(read).toMatchObject({ ok: true, value: 'kept' });

    expectError(await call('changeMembers', { id: '0', body: { add: added } }), 409, /address in use/);
    expectError(await call('changeMembers', { id: '7', body: { add: '127.0.0.1:1' } }), 404, /unknown group 7/);
    expectError(
      await call('changeMembers', { id: '0', body: { remove: '127.0.0.1:1' } }),
      409,
      /not a member of group 0/,
    );
    expectError(await call('changeMembers', { id: '0', body: {} }), 400, /"add"/);

    const removed = before.partitions[0]!.find((id) => id !== leaderOf(promoted)!.id)!;
    expect((await call('changeMembers', { id: '0', body: { remove: removed } })).json).toEqual({ ok: true });
    const after = await waitFor(
      'the removed node to leave the picture',
      async () => {
        const snapshot = await state();
        return snapshot.nodes.some((n) => n.id === removed) ? null : snapshot;
      },
      20_000,
    );
    expect([...after.groups[0]!.members].sort()).toEqual(
      [...group.members.filter((id) => id !== removed), added].sort(),
    );
  });

  it('has covered every operation of the ClusterApi', () => {
    expect([...covered].sort()).toEqual([...CLUSTER_OPERATIONS].sort());
  });
});

describe('the token', () => {
  it('is required on every /api route, as a bearer header or ?token=', async () => {
    expectError(await httpCall(base, 'GET', '/api/state', { bearer: null }), 401, /missing API token/);
    expectError(await httpCall(base, 'GET', '/api/state', { bearer: 'wrong' }), 401, /wrong API token/);
    expectError(await httpCall(base, 'GET', '/api/state?token=wrong', { bearer: null }), 401, /wrong API token/);
    const victim = (await cluster.host.state()).nodes[0]!.id;
    expectError(await httpCall(base, 'POST', `/api/nodes/${victim}/kill`, { bearer: null }), 401, /missing API token/);
    expect((await cluster.host.state()).nodes[0]!.alive).toBe(true);
    const events = await openEventStream(`${base}${EVENTS_PATH}?token=wrong`);
    expect(events.status).toBe(401);
    events.close();
    const byQuery = await httpCall(base, 'GET', `/api/state?token=${TOKEN}`, { bearer: null });
    expect(byQuery.status).toBe(200);
  });
});

describe('requests another page could forge', () => {
  it('answers 421 to a rebound host name, and acts on nothing', async () => {
    const port = new URL(base).port;
    const victim = (await state()).nodes.find((n) => n.alive)!.id;
    for (const host of [`evil.example:${port}`, `127.0.0.1.nip.io:${port}`, `localhost.evil.example:${port}`]) {
      const headers = { Host: host };
      expectError(await httpCall(base, 'GET', '/api/state', { bearer: TOKEN, headers }), 421, /DNS rebinding/);
      expectError(await httpCall(base, 'GET', '/', { bearer: null, headers }), 421, /DNS rebinding/);
      expectError(
        await httpCall(base, 'POST', `/api/nodes/${victim}/kill`, { bearer: TOKEN, headers }),
        421,
        /does not answer to the name/,
      );
    }
    expect((await state()).nodes.find((n) => n.id === victim)!.alive).toBe(true);
    for (const host of [`localhost:${port}`, `[::1]:${port}`, `192.0.2.7:${port}`]) {
      expect((await httpCall(base, 'GET', '/api/state', { bearer: TOKEN, headers: { Host: host } })).status).toBe(200);
    }
  });

  it('refuses a POST with the token in its URL, or sent as text/plain, and acts on nothing', async () => {
    const victim = (await state()).nodes.find((n) => n.alive)!.id;
    expectError(
      await httpCall(base, 'POST', `/api/nodes/${victim}/kill?token=${TOKEN}`, { bearer: null }),
      401,
      /only in the Authorization: Bearer header/,
    );
    // What a cross-site form or fetch without preflight sends: text/plain with the token it leaked.
    const forged = { op: 'SET', key: 'forged', value: 'FORGED' };
    expectError(
      await httpCall(base, 'POST', '/api/kv', { bearer: TOKEN, body: forged, contentType: 'text/plain' }),
      415,
      /Content-Type: application\/json/,
    );
    expectError(
      await httpCall(base, 'POST', `/api/kv?token=${TOKEN}`, { bearer: null, body: forged, contentType: 'text/plain' }),
      401,
      /only in the Authorization: Bearer header/,
    );
    expectError(
      await httpCall(base, 'POST', `/api/nodes/${victim}/kill`, { bearer: TOKEN, contentType: null }),
      415,
      /Content-Type: application\/json/,
    );
    expect((await state()).nodes.find((n) => n.id === victim)!.alive).toBe(true);
    await waitForLeaders(cluster.host);
    const read = await call('kv', { body: { op: 'GET', key: 'forged' } });
    expect(read.status).toBe(200);
    expect((read.json as KvResult).value).toBeNull();
  });
});

describe('bad requests', () => {
  it('answers an unknown node id with a 404 naming it, and a malformed one with a 400', async () => {
    expectError(await call('kill', { id: encodeURIComponent('127.0.0.1:1') }), 404, /unknown node 127\.0\.0\.1:1/);
    expectError(await call('restart', { id: 'nobody' }), 404, /unknown node nobody/);
    expectError(await call('kill', { id: '%E0%A4%A' }), 400, /not valid URL encoding/);
    const known = (await state()).partitions[0]![0]!;
    expectError(await call('setLink', { body: { a: '127.0.0.1:1', b: known, cut: true } }), 404, /unknown node/);
    expectError(await call('kv', { body: { op: 'GET', key: 'k', via: '127.0.0.1:1' } }), 404, /unknown node/);
  });

  it('answers a bad body with a 400 that names the problem', async () => {
    const [a, b] = (await state()).partitions[0]! as [string, string];
    expectError(await httpCall(base, 'POST', '/api/links', { bearer: TOKEN, rawBody: '{"a":' }), 400, /not valid JSON/);
    expectError(await call('setLink', { body: { a, b, cut: 'yes' } }), 400, /'cut' must be true or false/);
    expectError(await call('setLink', { body: { a, b: a, cut: true } }), 400, /two different nodes/);
    expectError(await call('setLink', { body: { a, b, cut: true, colour: 1 } }), 400, /unknown field 'colour'/);
    expectError(await call('partition', { body: { sides: [[a], [a, b]] } }), 400, /two sides/);
    expectError(await call('partition', { body: [] }), 400, /JSON object/);
    expectError(await call('setNetwork', { body: { dropRate: 2 } }), 400, /dropRate/);
    expectError(await call('setNetwork', { body: { latencyMs: [50, 10] } }), 400, /min <= max/);
    expectError(await call('setClock', { body: { timescale: 0 } }), 400, /timescale/);
    expectError(await call('setClock', { body: { paused: 'no' } }), 400, /'paused' must be true or false/);
    expectError(await call('setRaftOptions', { body: { preVote: 1 } }), 400, /'preVote' must be true or false/);
    expectError(await call('kv', { body: { op: 'PUT', key: 'k' } }), 400, /'op' must be one of SET, GET, DEL/);
    expectError(await call('kv', { body: { op: 'SET', key: 'k' } }), 400, /'value' is required/);
    expectError(await call('reconfigure', { body: { partitions: "[['127.0.0.1:5001'" } }), 400, /./);
    expectError(await httpCall(base, 'GET', '/api/nodes', { bearer: TOKEN }), 404, /no such API route/);
    expectError(await httpCall(base, 'GET', '/api/heal', { bearer: TOKEN }), 404, /no such API route/);
    expectError(await httpCall(base, 'GET', '/api/network/heal', { bearer: TOKEN }), 405, /not allowed/);
    // None of it touched the cluster.
    const snapshot = await state();
    expect([snapshot.links, snapshot.network, snapshot.clock]).toEqual([
      [],
      { latencyMs: [0, 0], dropRate: 0 },
      { timescale: 1, paused: false },
    ]);
  });
});

describe('/api/events', () => {
  it('streams batches of role, send, deliver and commit events, at most about 20 batches a second', async () => {
    const stream = await openEventStream(`${base}${EVENTS_PATH}?token=${TOKEN}`);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    const ids = (await state()).partitions[0]!;
    const writers = startWriters(ids, ids, 'sse');
    await waitFor('writes', () => writers.acknowledged.length >= 20);
    const leader = leaderOf(await waitForLeaders(cluster.host))!.id;
    await call('stepDown', { id: leader });
    const seen = (type: ClusterEvent['type']) =>
      stream.batches.some((batch) => batch.events.some((e) => e.type === type));
    await waitFor('role, send, deliver and commit events', () =>
      (['role', 'send', 'deliver', 'commit', 'fault'] as const).every(seen),
    );
    // Keep the stream busy for a while so the batching rate is measured under steady traffic.
    const settledAt = performance.now();
    await waitFor('two seconds of streaming', () => performance.now() - settledAt >= 2000);
    await writers.stop();
    const closedAtMs = performance.now();
    stream.close();

    const openMs = closedAtMs - stream.openedAtMs;
    const perSecond = (stream.batches.length * 1000) / openMs;
    console.log(
      `SSE: ${stream.batches.length} batches, ${stream.batches.reduce((n, b) => n + b.events.length, 0)} events ` +
        `in ${openMs.toFixed(0)} ms (${perSecond.toFixed(1)} batches/s)`,
    );
    expect(stream.batches.length).toBeLessThanOrEqual(Math.floor(openMs / 50) + 2);
    expect(stream.batches.some((batch) => batch.events.length > 1)).toBe(true);
    for (const batch of stream.batches) expect(Array.isArray(batch.events)).toBe(true);
    const messages = messageEvents(stream.batches.flatMap((b) => b.events));
    const sendIds = new Set(messages.filter((e) => e.type === 'send').map((e) => e.id));
    // A view pairs a delivery with its send by id.
    expect(messages.some((e) => e.type === 'deliver' && sendIds.has(e.id))).toBe(true);
    await waitFor('the server to notice the closed stream', () => server.eventClients === 0);
  });
});
