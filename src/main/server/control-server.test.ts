import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type HttpAnswer, httpCall } from '../../../test/integration/support/http';
import { ApiError, CLUSTER_OPERATIONS, type ClusterEvent, type ClusterOperation } from '../../shared/api';
import { ControlServer, PortInUseError } from './control-server';
import { STUB_KV_RESULT, STUB_RECORDING, STUB_STATE, StubCluster } from './testing/stub-cluster';

const TOKEN = 'test-token-123';
const N1 = '127.0.0.1:5001';
const N2 = '127.0.0.1:5002';

/** A raw request (see httpCall), with this suite's token unless told otherwise. */
function send(
  base: string,
  method: string,
  path: string,
  options: {
    body?: string;
    token?: string | null;
    headers?: Record<string, string>;
    contentType?: string | null;
  } = {},
): Promise<HttpAnswer> {
  return httpCall(base, method, path, {
    bearer: options.token === undefined ? TOKEN : options.token,
    ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
    ...(options.body === undefined ? {} : { rawBody: options.body }),
    ...(options.headers ? { headers: options.headers } : {}),
  });
}

let folder: string;
let staticDir: string;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'raftlab-server-'));
  staticDir = join(folder, 'renderer');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>RaftLab</title>');
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log("app")');
  writeFileSync(join(staticDir, 'assets', 'app.css'), 'body{}');
  writeFileSync(join(folder, 'secret.txt'), 'TOP SECRET');
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('ControlServer', () => {
  let cluster: StubCluster;
  let server: ControlServer;
  let base: string;
  let internalErrors: unknown[];

  beforeEach(async () => {
    cluster = new StubCluster();
    internalErrors = [];
    server = new ControlServer({
      api: cluster.bridge,
      staticDir,
      port: 0,
      token: TOKEN,
      ssePingIntervalMs: 50,
      onInternalError: (error) => internalErrors.push(error),
    });
    base = await server.start();
  });

  afterEach(async () => {
    await server.stop();
  });

  it('binds to 127.0.0.1 on a free port and gives the dashboard link with the token', () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
    expect(server.dashboardUrl()).toBe(`${base}/?token=${TOKEN}`);
    expect(server.dashboardUrl('a b')).toBe(`${base}/?token=a%20b`);
  });

  const routeCases: {
    operation: ClusterOperation;
    method: string;
    path: string;
    body?: unknown;
    args: unknown[];
  }[] = [
    { operation: 'state', method: 'GET', path: '/api/state', args: [] },
    { operation: 'kill', method: 'POST', path: `/api/nodes/${N1}/kill`, args: [N1] },
    { operation: 'restart', method: 'POST', path: `/api/nodes/${N1}/restart`, args: [N1] },
    { operation: 'stepDown', method: 'POST', path: `/api/nodes/${N1}/step-down`, args: [N1] },
    { operation: 'forceTimeout', method: 'POST', path: `/api/nodes/${N1}/timeout`, args: [N1] },
    { operation: 'takeSnapshot', method: 'POST', path: `/api/nodes/${N1}/snapshot`, args: [N1] },
    {
      operation: 'setLink',
      method: 'POST',
      path: '/api/links',
      body: { a: N1, b: N2, cut: true, oneWay: true },
      args: [{ a: N1, b: N2, cut: true, oneWay: true }],
    },
    {
      operation: 'partition',
      method: 'POST',
      path: '/api/network/partition',
      body: { sides: [[N1], [N2]] },
      args: [[[N1], [N2]]],
    },
    { operation: 'heal', method: 'POST', path: '/api/network/heal', args: [] },
    {
      operation: 'setNetwork',
      method: 'POST',
      path: '/api/network',
      body: { latencyMs: [10, 50], dropRate: 0.1 },
      args: [{ latencyMs: [10, 50], dropRate: 0.1 }],
    },
    {
      operation: 'setClock',
      method: 'POST',
      path: '/api/clock',
      body: { timescale: 5, paused: true },
      args: [{ timescale: 5, paused: true }],
    },
    {
      operation: 'setRaftOptions',
      method: 'POST',
      path: '/api/raft',
      body: { preVote: false },
      args: [{ preVote: false }],
    },
    {
      operation: 'kv',
      method: 'POST',
      path: '/api/kv',
      body: { op: 'set', key: 'color', value: 'blue', via: N2 },
      args: [{ op: 'SET', key: 'color', value: 'blue', via: N2 }],
    },
    {
      operation: 'reconfigure',
      method: 'POST',
      path: '/api/config',
      body: { partitions: "[['127.0.0.1:6001']]" },
      args: ["[['127.0.0.1:6001']]"],
    },
    {
      operation: 'changeMembers',
      method: 'POST',
      path: '/api/groups/1/members',
      body: { add: '127.0.0.1:6009' },
      args: [1, { add: '127.0.0.1:6009' }],
    },
    {
      operation: 'setLesson',
      method: 'POST',
      path: '/api/lesson',
      body: { skipNoop: true, unsafeCommitByCount: false },
      args: [{ skipNoop: true, unsafeCommitByCount: false }],
    },
    { operation: 'recording', method: 'GET', path: '/api/recording', args: [] },
    { operation: 'step', method: 'POST', path: '/api/step', body: { messages: 3 }, args: [3] },
    { operation: 'dropMessage', method: 'POST', path: '/api/messages/42/drop', args: [42] },
    { operation: 'alignTimers', method: 'POST', path: '/api/timers/align', args: [] },
    { operation: 'spreadTimers', method: 'POST', path: '/api/timers/spread', args: [] },
    { operation: 'scenarios', method: 'GET', path: '/api/scenarios', args: [] },
    { operation: 'startScenario', method: 'POST', path: '/api/scenarios/split-vote/start', args: ['split-vote'] },
    { operation: 'stopScenario', method: 'POST', path: '/api/scenarios/stop', args: [] },
    { operation: 'nextScenarioStep', method: 'POST', path: '/api/scenarios/next', args: [] },
  ];

  it('steps one message when POST /api/step has no body', async () => {
    const answer = await send(base, 'POST', '/api/step');
    expect(answer.status).toBe(200);
    expect(cluster.calls).toEqual([{ operation: 'step', args: [1] }]);
  });

  it('refuses bad staging and scenario arguments with a 400, before touching the cluster', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['/api/step', { messages: 0 }, /'messages'/],
      ['/api/step', { messages: 1.5 }, /'messages'/],
      ['/api/step', { messages: '2' }, /'messages'/],
      ['/api/step', { count: 2 }, /unknown field 'count'/],
      ['/api/messages/abc/drop', undefined, /message id/],
      ['/api/messages/0/drop', undefined, /message id/],
      ['/api/scenarios/Not%20One/start', undefined, /scenario id/],
    ];
    for (const [path, body, message] of cases) {
      const answer = await send(base, 'POST', path, body === undefined ? {} : { body: JSON.stringify(body) });
      expect(answer.status, path).toBe(400);
      expect((answer.json as { error: string }).error).toMatch(message);
    }
    expect(cluster.calls).toEqual([]);
  });

  it('has a test case for every operation', () => {
    expect(new Set(routeCases.map((c) => c.operation))).toEqual(new Set(CLUSTER_OPERATIONS));
  });

  for (const { operation, method, path, body, args } of routeCases) {
    it(`${method} ${path} calls ${operation} with the right arguments`, async () => {
      const answer = await send(base, method, path, body === undefined ? {} : { body: JSON.stringify(body) });
      expect(answer.status).toBe(200);
      expect(cluster.calls).toEqual([{ operation, args }]);
      if (operation === 'state') expect(answer.json).toEqual(STUB_STATE);
      else if (operation === 'kv') expect(answer.json).toEqual(STUB_KV_RESULT);
      else if (operation === 'recording') {
        // The file itself, as JSON lines a download saves as is: not a JSON string of it.
        expect(answer.text).toBe(STUB_RECORDING);
        expect(answer.headers['content-type']).toMatch(/^application\/x-ndjson/);
      } else expect(answer.json).toEqual({ ok: true });
    });
  }

  it('accepts a URL-encoded node id', async () => {
    const answer = await send(base, 'POST', `/api/nodes/${encodeURIComponent(N2)}/kill`);
    expect(answer.status).toBe(200);
    expect(cluster.calls).toEqual([{ operation: 'kill', args: [N2] }]);
  });

  it('refuses a request without the token with a 401 JSON error, before touching the cluster', async () => {
    const answer = await send(base, 'POST', `/api/nodes/${N1}/kill`, { token: null });
    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({ error: 'missing API token' });
    expect(cluster.calls).toEqual([]);
  });

  it('refuses a wrong token with a 401, even on unknown routes', async () => {
    expect((await send(base, 'GET', '/api/state', { token: 'wrong' })).status).toBe(401);
    expect((await send(base, 'GET', '/api/nothing-here', { token: 'wrong' })).status).toBe(401);
    expect((await send(base, 'GET', `/api/state?token=${TOKEN}x`, { token: null })).status).toBe(401);
    expect(cluster.calls).toEqual([]);
  });

  it('accepts the token as ?token= for links and EventSource', async () => {
    const answer = await send(base, 'GET', `/api/state?token=${TOKEN}`, { token: null });
    expect(answer.status).toBe(200);
  });

  it('answers bad JSON with a 400 that says so', async () => {
    const answer = await send(base, 'POST', '/api/links', { body: '{"a": ' });
    expect(answer.status).toBe(400);
    expect((answer.json as { error: string }).error).toMatch(/not valid JSON/);
    expect(cluster.calls).toEqual([]);
  });

  it('answers a wrong shape with a 400 naming the field', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['/api/links', { a: N1, b: N2 }, /'cut'/],
      ['/api/links', { a: 5, b: N2, cut: true }, /'a'/],
      ['/api/links', { a: N1, b: N2, cut: true, oneway: true }, /unknown field 'oneway'/],
      ['/api/network', { latencyMs: 20 }, /'latencyMs'/],
      ['/api/network', { dropRate: 'lots' }, /'dropRate'/],
      ['/api/clock', { paused: 'yes' }, /'paused'/],
      ['/api/raft', { preVote: 1 }, /'preVote'/],
      ['/api/kv', { op: 'INCR', key: 'k' }, /'op'/],
      ['/api/kv', { op: 'SET', key: 'k' }, /'value'/],
      ['/api/kv', [1, 2], /JSON object/],
      ['/api/network/partition', { sides: [[N1], 'n2'] }, /'sides\[1\]'/],
      ['/api/network/partition', [[N1], [N2]], /JSON object/],
      ['/api/config', { partitions: '' }, /'partitions'/],
    ];
    for (const [path, body, message] of cases) {
      const answer = await send(base, 'POST', path, { body: JSON.stringify(body) });
      expect(answer.status, path).toBe(400);
      expect((answer.json as { error: string }).error, path).toMatch(message);
    }
    expect(cluster.calls).toEqual([]);
  });

  it('answers a missing body on a route that needs one with a 400', async () => {
    const answer = await send(base, 'POST', '/api/clock');
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error: 'the request body must be a JSON object' });
  });

  it('answers an unknown route with a 404 and a wrong method with a 405', async () => {
    const missing = await send(base, 'GET', '/api/nodes');
    expect(missing.status).toBe(404);
    expect((missing.json as { error: string }).error).toMatch(/no such API route/);
    const wrong = await send(base, 'GET', '/api/kv');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('POST');
    expect((wrong.json as { error: string }).error).toMatch(/not allowed/);
    expect((await send(base, 'POST', '/api/state')).status).toBe(405);
    expect((await send(base, 'POST', '/api/events')).status).toBe(405);
  });

  it('answers a body over 64 KiB with a 413', async () => {
    const body = JSON.stringify({ op: 'SET', key: 'k', value: 'x'.repeat(70 * 1024) });
    const answer = await send(base, 'POST', '/api/kv', { body });
    expect(answer.status).toBe(413);
    expect((answer.json as { error: string }).error).toMatch(/larger than 65536 bytes/);
    expect(cluster.calls).toEqual([]);
  });

  it('passes an ApiError on with its status and message', async () => {
    cluster.failure = new ApiError(404, 'unknown node 127.0.0.1:9999');
    const answer = await send(base, 'POST', '/api/nodes/127.0.0.1:9999/kill');
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({ error: 'unknown node 127.0.0.1:9999' });
  });

  it('answers any other failure with a 500 and keeps serving', async () => {
    cluster.failure = new Error('disk on fire');
    const answer = await send(base, 'POST', '/api/network/heal');
    expect(answer.status).toBe(500);
    expect(answer.json).toEqual({ error: 'disk on fire' });
    expect(internalErrors).toHaveLength(1);
    expect((await send(base, 'GET', '/api/state')).status).toBe(200);
  });

  it('answers a malformed percent-encoding in an id with a 400', async () => {
    const answer = await send(base, 'POST', '/api/nodes/127.0.0.1%E0%A4%A/kill');
    expect(answer.status).toBe(400);
    expect((answer.json as { error: string }).error).toMatch(/URL encoding/);
  });

  it('serves the dashboard with its content type and a strict CSP, without a token', async () => {
    const index = await send(base, 'GET', '/', { token: null });
    expect(index.status).toBe(200);
    expect(index.text).toContain('<title>RaftLab</title>');
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    expect(index.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const script = await send(base, 'GET', '/assets/app.js', { token: null });
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.text).toBe('console.log("app")');
    const style = await send(base, 'GET', '/assets/app.css', { token: null });
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await send(base, 'GET', '/assets/missing.js', { token: null })).status).toBe(404);
    expect((await send(base, 'POST', '/', { token: null })).status).toBe(405);
  });

  it('refuses every path that climbs out of the dashboard folder', async () => {
    for (const path of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/assets%00/app.js',
    ]) {
      const answer = await send(base, 'GET', path, { token: null });
      expect(answer.status, path).toBe(400);
      expect(answer.text, path).not.toContain('TOP SECRET');
    }
  });

  it('streams event batches as SSE data lines and unsubscribes when the client leaves', async () => {
    const events: ClusterEvent[] = [
      { type: 'commit', at: 1, node: N1, index: 4 },
      { type: 'role', at: 2, node: N2, role: 'leader', term: 3 },
    ];
    const url = new URL(`${base}/api/events?token=${TOKEN}`);
    const received = await new Promise<{ contentType: string | undefined; text: string }>((resolve, reject) => {
      const req = get(url, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (text.includes(': connected') && cluster.listeners.size === 1 && !text.includes('data:')) {
            cluster.emit(events);
            cluster.emit([events[0] as ClusterEvent]);
          }
          if ((text.match(/^data: /gm) ?? []).length === 2) {
            req.destroy();
            resolve({ contentType: res.headers['content-type'], text });
          }
        });
      });
      req.on('error', reject);
    });
    expect(received.contentType).toBe('text/event-stream; charset=utf-8');
    const batches = received.text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice('data: '.length)));
    expect(batches).toEqual([events, [events[0]]]);
    await waitFor(() => cluster.listeners.size === 0);
    expect(server.eventClients).toBe(0);
  });

  it('refuses the event stream without the token', async () => {
    const answer = await send(base, 'GET', '/api/events', { token: null });
    expect(answer.status).toBe(401);
    expect(cluster.listeners.size).toBe(0);
  });

  it('pings an idle event stream with a comment line', async () => {
    const url = new URL(`${base}/api/events?token=${TOKEN}`);
    const text = await new Promise<string>((resolve, reject) => {
      const req = get(url, (res) => {
        let seen = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          seen += chunk;
          if (seen.includes(': ping')) {
            req.destroy();
            resolve(seen);
          }
        });
      });
      req.on('error', reject);
    });
    expect(text).toContain(': ping\n\n');
  });

  it('starts with a random token when none is given, and refuses an empty one', async () => {
    const other = new ControlServer({ api: cluster.bridge, staticDir, port: 0 });
    expect(other.token.length).toBeGreaterThanOrEqual(32);
    expect(other.token).not.toBe(new ControlServer({ api: cluster.bridge, staticDir, port: 0 }).token);
    expect(() => new ControlServer({ api: cluster.bridge, staticDir, port: 0, token: ' ' })).toThrow(/empty/);
    expect(() => new ControlServer({ api: cluster.bridge, staticDir, port: 0, allowedHosts: ['10.0.0.1'] })).toThrow(
      /IP addresses are always allowed/,
    );
    const named = { api: cluster.bridge, staticDir, port: 0, allowedHosts: ['teacher.local'] };
    expect(new ControlServer({ ...named, host: 'raftlab.lan' }).allowedHostNames).toEqual([
      'teacher.local',
      'raftlab.lan',
    ]);
    expect(new ControlServer({ ...named, host: '0.0.0.0' }).allowedHostNames).toEqual(['teacher.local']);
  });

  it('names the port when it is already in use', async () => {
    const clash = new ControlServer({ api: cluster.bridge, staticDir, port: server.port });
    const failure = await clash.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(PortInUseError);
    expect((failure as Error).message).toBe(`port ${server.port} is already in use (127.0.0.1:${server.port})`);
  });
});

describe('ControlServer guards against other pages', () => {
  let cluster: StubCluster;
  let server: ControlServer;
  let base: string;
  let port: number;

  beforeEach(async () => {
    cluster = new StubCluster();
    server = new ControlServer({
      api: cluster.bridge,
      staticDir,
      port: 0,
      token: TOKEN,
      allowedHosts: ['Teacher.Local'],
    });
    base = await server.start();
    port = server.port;
  });

  afterEach(async () => {
    await server.stop();
  });

  const asHost = (host: string) => ({ headers: { Host: host } });

  it('answers 421 to a Host that names anything but localhost or an allowed name, page and API alike', async () => {
    const rebound = [
      'evil.example',
      `evil.example:${port}`,
      `attacker.example:${port}`,
      '127.0.0.1.nip.io',
      `localhost.evil.example:${port}`,
      'localhost.',
      'teacher.local.evil.example',
      '7f000001.rbndr.us',
      '[evil.example]',
      'evil.example:80:80',
    ];
    for (const host of rebound) {
      for (const [method, path] of [
        ['GET', '/'],
        ['GET', '/api/state'],
        ['POST', '/api/network/heal'],
      ] as const) {
        const answer = await send(base, method, path, asHost(host));
        expect(answer.status, `${method} ${path} as ${host}`).toBe(421);
        expect(answer.headers['content-type']).toMatch(/^application\/json/);
        expect(answer.json).toEqual({ error: expect.any(String) });
      }
    }
    const named = await send(base, 'GET', '/api/state', asHost(`evil.example:${port}`));
    expect((named.json as { error: string }).error).toMatch(
      /does not answer to the name 'evil\.example'.*--allow-host/,
    );
    expect(cluster.calls).toEqual([]);
  });

  it('serves a Host that is an IP literal, localhost, or a name given with --allow-host', async () => {
    const welcome = [
      `127.0.0.1:${port}`,
      '127.0.0.1',
      `10.1.2.3:${port}`,
      `[::1]:${port}`,
      '[::1]',
      `[fe80::1]:${port}`,
      `localhost:${port}`,
      'LocalHost',
      `teacher.local:${port}`,
      'TEACHER.LOCAL',
    ];
    for (const host of welcome) {
      expect((await send(base, 'GET', '/api/state', asHost(host))).status, host).toBe(200);
      expect((await send(base, 'GET', '/', { ...asHost(host), token: null })).status, host).toBe(200);
    }
  });

  it('refuses a POST whose token is in the query, even the right one, before touching the cluster', async () => {
    const onlyQuery = await send(base, 'POST', `/api/network/heal?token=${TOKEN}`, { token: null });
    expect(onlyQuery.status).toBe(401);
    expect((onlyQuery.json as { error: string }).error).toMatch(/only in the Authorization: Bearer header/);
    expect(onlyQuery.headers['www-authenticate']).toBe('Bearer');
    const both = await send(base, 'POST', `/api/nodes/${N1}/kill?token=${TOKEN}`);
    expect(both.status).toBe(401);
    expect(cluster.calls).toEqual([]);
  });

  it('refuses a POST that is not application/json with a 415, whatever its body', async () => {
    const cases: [string | null, string | undefined][] = [
      ['text/plain', '{"timescale": 2}'],
      ['text/plain;charset=UTF-8', undefined],
      ['application/x-www-form-urlencoded', 'timescale=2'],
      ['multipart/form-data; boundary=x', undefined],
      [null, undefined],
      [null, '{"timescale": 2}'],
    ];
    for (const [contentType, body] of cases) {
      const answer = await send(base, 'POST', '/api/clock', {
        contentType,
        ...(body === undefined ? {} : { body }),
      });
      expect(answer.status, String(contentType)).toBe(415);
      expect((answer.json as { error: string }).error).toMatch(/Content-Type: application\/json/);
    }
    expect((await send(base, 'POST', '/api/network/heal', { contentType: 'text/plain' })).status).toBe(415);
    expect(cluster.calls).toEqual([]);
    const json = await send(base, 'POST', '/api/clock', {
      contentType: 'Application/JSON; charset=utf-8',
      body: '{"timescale": 2}',
    });
    expect(json.status).toBe(200);
    expect(cluster.calls).toEqual([{ operation: 'setClock', args: [{ timescale: 2 }] }]);
  });

  it('answers 401 before 415, so a stranger learns nothing about the rules behind the token', async () => {
    const answer = await send(base, 'POST', '/api/network/heal', { token: null, contentType: 'text/plain' });
    expect(answer.status).toBe(401);
  });

  it('still takes ?token= on GET, for links and EventSource', async () => {
    expect((await send(base, 'GET', `/api/state?token=${TOKEN}`, { token: null })).status).toBe(200);
  });
});

describe('ControlServer with a cap on event streams', () => {
  it('answers 503 past the cap and makes room again when a client goes away', async () => {
    const cluster = new StubCluster();
    const server = new ControlServer({ api: cluster.bridge, staticDir, port: 0, token: TOKEN, maxEventClients: 3 });
    const base = await server.start();
    const open: IncomingMessage[] = [];
    const openStream = (): Promise<IncomingMessage> =>
      new Promise((resolve, reject) => {
        const req = get(new URL(`${base}/api/events?token=${TOKEN}`), (response) => {
          open.push(response);
          resolve(response);
        });
        req.on('error', reject);
      });
    const readAll = (response: IncomingMessage): Promise<string> =>
      new Promise((resolve) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve(text));
      });
    try {
      for (let i = 0; i < 3; i++) expect((await openStream()).statusCode).toBe(200);
      await waitFor(() => server.eventClients === 3);
      const refused = await openStream();
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(await readAll(refused))).toEqual({
        error: expect.stringMatching(/too many event streams open \(3\)/),
      });
      expect(server.eventClients).toBe(3);

      // A tab that closes (its socket goes away) frees its place.
      open[0]!.destroy();
      await waitFor(() => server.eventClients === 2);
      expect((await openStream()).statusCode).toBe(200);
      await waitFor(() => server.eventClients === 3);
      expect(() => new ControlServer({ api: cluster.bridge, staticDir, port: 0, maxEventClients: 0 })).toThrow(
        /at least one client/,
      );
    } finally {
      for (const response of open) response.destroy();
      await server.stop();
    }
  });
});

describe('ControlServer without a built dashboard', () => {
  it('answers / with a 503 that says to build', async () => {
    const server = new ControlServer({
      api: new StubCluster().bridge,
      staticDir: join(folder, 'not-built'),
      port: 0,
      token: TOKEN,
    });
    const base = await server.start();
    try {
      const answer = await send(base, 'GET', '/', { token: null });
      expect(answer.status).toBe(503);
      expect((answer.json as { error: string }).error).toMatch(/run npm run build/);
    } finally {
      await server.stop();
    }
  });
});

describe('ControlServer with a slow event client', () => {
  it('drops and counts batches for a client that stops reading, instead of buffering them', async () => {
    const cluster = new StubCluster();
    let reported = 0;
    const server = new ControlServer({
      api: cluster.bridge,
      staticDir,
      port: 0,
      token: TOKEN,
      sseMaxBufferedBytes: 64 * 1024,
      onEventsDropped: (count) => {
        reported += count;
      },
    });
    const base = await server.start();
    try {
      const url = new URL(`${base}/api/events?token=${TOKEN}`);
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = get(url, resolve);
        req.on('error', reject);
      });
      // Stop reading, as a frozen tab would, then flood it: far more than any socket buffer holds.
      response.pause();
      await waitFor(() => cluster.listeners.size === 1);
      const bigEvent: ClusterEvent = { type: 'fault', at: 0, action: 'config', detail: 'x'.repeat(10_000) };
      const batch = Array.from({ length: 10 }, () => bigEvent);
      for (let i = 0; i < 500; i++) {
        cluster.emit(batch);
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(server.droppedEvents).toBeGreaterThan(0);
      expect(server.droppedEvents % batch.length).toBe(0);
      expect(reported).toBe(server.droppedEvents);
      response.destroy();
    } finally {
      await server.stop();
    }
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition never became true');
}
