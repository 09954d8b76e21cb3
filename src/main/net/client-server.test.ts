import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ClientConnection,
  type ClientServerOptions,
  DEFAULT_CLIENT_SERVER_OPTIONS,
  serveClient,
} from './client-server';
import { commandName } from './command-args';
import { NodeServer } from './node-server';
import { RespClient } from './resp-client';
import { MapHandler } from './testing/map-handler';
import { openSocket, readUntilClosed, waitFor } from './testing/sockets';
import type { CommandHandler, RespReply } from './types';

const HOST = '127.0.0.1';
const servers: NodeServer[] = [];
const clients: RespClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(handler: CommandHandler, options: ClientServerOptions = {}): Promise<number> {
  const server = await NodeServer.listen({
    host: HOST,
    port: 0,
    routes: { client: (socket, head) => serveClient(socket, handler, options, head) },
  });
  servers.push(server);
  return server.port;
}

async function client(port: number): Promise<RespClient> {
  const connected = await RespClient.connect(HOST, port);
  clients.push(connected);
  return connected;
}

const bulk = (value: string): RespReply => ({ type: 'bulk', value: new Uint8Array(Buffer.from(value)) });
const OK: RespReply = { type: 'simple', value: 'OK' };

/** A handler whose replies wait until the test resolves them, in any order it likes. */
class ControlledHandler implements CommandHandler {
  readonly calls: { args: readonly Uint8Array[]; resolve: (reply: RespReply) => void }[] = [];
  execute(args: readonly Uint8Array[]): Promise<RespReply> {
    return new Promise((resolve) => this.calls.push({ args, resolve }));
  }
}

describe('client server: pipelining', () => {
  it('writes replies in command order even when the handler finishes them in reverse', async () => {
    const handler = new ControlledHandler();
    const connection = await client(await serve(handler));
    const replies = Promise.all(['a', 'b', 'c', 'd'].map((name) => connection.command('ECHO', name)));
    await waitFor(() => handler.calls.length === 4, 'four commands to reach the handler');
    for (const call of [...handler.calls].reverse()) {
      call.resolve({ type: 'bulk', value: call.args[1]! });
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(await replies).toEqual([bulk('a'), bulk('b'), bulk('c'), bulk('d')]);
  });

  it('pauses reading while too many commands are unanswered, then serves them all in order', async () => {
    const handler = new ControlledHandler();
    const port = await serve(handler, { maxPendingCommands: 8 });
    const connection = await client(port);
    const replies = Promise.all(Array.from({ length: 1000 }, (_, i) => connection.command('ECHO', String(i))));
    await waitFor(() => handler.calls.length === 8, 'the first eight commands');
    // A full round trip on another connection: the server had every chance to read on.
    const other = await client(await serve(new MapHandler()));
    expect(await other.command('PING')).toEqual({ type: 'simple', value: 'PONG' });
    expect(handler.calls.length).toBe(8);
    let answered = 0;
    while (answered < 1000) {
      await waitFor(() => handler.calls.length > answered, 'more commands once replies go out');
      for (; answered < handler.calls.length; answered++) {
        const call = handler.calls[answered]!;
        call.resolve({ type: 'bulk', value: call.args[1]! });
      }
    }
    const all = await replies;
    expect(all.map((reply) => (reply.type === 'bulk' ? Buffer.from(reply.value!).toString() : ''))).toEqual(
      Array.from({ length: 1000 }, (_, i) => String(i)),
    );
  });

  it('answers everything sent before a half-close, then closes', async () => {
    const port = await serve(new MapHandler({ replyDelayMs: (i) => (i % 2) * 5 }));
    const socket = await openSocket(port);
    const received = readUntilClosed(socket);
    socket.end('SET a 1\r\nGET a\r\nPING\r\n');
    expect((await received).toString()).toBe('+OK\r\n$1\r\n1\r\n+PONG\r\n');
  });
});

describe('client server: commands and errors', () => {
  it('treats command names case-insensitively through commandName', async () => {
    const handler = new MapHandler();
    const connection = await client(await serve(handler));
    expect(await connection.command('sEt', 'k', 'v')).toEqual(OK);
    expect(await connection.command('get', 'k')).toEqual(bulk('v'));
    expect(commandName([new Uint8Array(Buffer.from('qUiT'))])).toBe('QUIT');
  });

  it('keeps keys and values binary-safe end to end', async () => {
    const connection = await client(await serve(new MapHandler()));
    const value = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(await connection.command('SET', Uint8Array.of(0, 13, 10, 255), value)).toEqual(OK);
    expect(await connection.command('GET', Uint8Array.of(0, 13, 10, 255))).toEqual({ type: 'bulk', value });
  });

  it('replies +OK to QUIT, closes, and runs nothing sent after it', async () => {
    const handler = new MapHandler();
    const socket = await openSocket(await serve(handler));
    const received = readUntilClosed(socket);
    socket.write('SET a 1\r\nquit\r\nSET b 2\r\n');
    expect((await received).toString()).toBe('+OK\r\n+OK\r\n');
    expect([...handler.data.keys()]).toEqual(['a']);
  });

  it('answers the commands before a protocol error, then the error, then closes', async () => {
    const socket = await openSocket(await serve(new MapHandler({ replyDelayMs: () => 3 })));
    const received = readUntilClosed(socket);
    socket.write('PING\r\n*1\r\n$x\r\nPING\r\n');
    expect((await received).toString()).toBe('+PONG\r\n-ERR Protocol error: invalid bulk length\r\n');
  });

  it('answers a value over the bulk limit with -ERR value too large and keeps the connection', async () => {
    const connection = await client(await serve(new MapHandler(), { parserLimits: { maxBulkBytes: 1000 } }));
    expect(await connection.command('SET', 'k', 'x'.repeat(1001))).toEqual({
      type: 'error',
      value: 'ERR value too large',
    });
    expect(await connection.command('SET', 'k', 'x'.repeat(1000))).toEqual(OK);
  });

  it('turns a handler that throws or rejects into an error reply and keeps serving', async () => {
    let calls = 0;
    const handler: CommandHandler = {
      execute: () => {
        calls++;
        if (calls === 1) throw new Error('boom');
        if (calls === 2) return Promise.reject(new Error('bang'));
        return { type: 'simple', value: 'fine' };
      },
    };
    const connection = await client(await serve(handler));
    expect(await connection.command('X')).toEqual({ type: 'error', value: 'ERR internal error: boom' });
    expect(await connection.command('X')).toEqual({ type: 'error', value: 'ERR internal error: bang' });
    expect(await connection.command('X')).toEqual({ type: 'simple', value: 'fine' });
  });
});

const REDIS_CLI = '/usr/bin/redis-cli';
const hasRedisCli = existsSync(REDIS_CLI);

describe('client server: real clients', () => {
  it.skipIf(!hasRedisCli)('serves redis-cli SET and GET (skipped only when redis-cli is not installed)', async () => {
    const port = String(await serve(new MapHandler()));
    const run = promisify(execFile);
    const set = await run(REDIS_CLI, ['-h', HOST, '-p', port, 'SET', 'k', 'hello world']);
    expect(set.stdout.trim()).toBe('OK');
    const get = await run(REDIS_CLI, ['-h', HOST, '-p', port, 'GET', 'k']);
    expect(get.stdout.trim()).toBe('hello world');
    const missing = await run(REDIS_CLI, ['-h', HOST, '-p', port, 'GET', 'nope']);
    expect(missing.stdout.trim()).toBe('');
  });

  it('serves inline commands as typed into nc, quotes included', async () => {
    const socket = await openSocket(await serve(new MapHandler()));
    const received = readUntilClosed(socket);
    socket.end('SET "my key" \'a b\'\nGET "my key"\n');
    expect((await received).toString()).toBe('+OK\r\n$3\r\na b\r\n');
  });
});

describe('client server: the reply budget and idle clients', () => {
  /** A server whose connections the test can inspect, in the order they came. */
  async function inspectedServer(
    handler: CommandHandler,
    options: ClientServerOptions = {},
  ): Promise<{ port: number; connections: ClientConnection[] }> {
    const connections: ClientConnection[] = [];
    const server = await NodeServer.listen({
      host: HOST,
      port: 0,
      routes: { client: (socket, head) => connections.push(serveClient(socket, handler, options, head)) },
    });
    servers.push(server);
    return { port: server.port, connections };
  }

  it('a client pipelining GETs of a 1 MB value and never reading holds about the budget, the value shared, not copied; others are served', async () => {
    const value = Buffer.alloc(1024 * 1024, 0x76);
    let gets = 0;
    // As a node answers a local GET: a little later, with the stored bytes themselves.
    const handler: CommandHandler = {
      execute: (args) => {
        if (commandName(args) !== 'GET') return { type: 'simple', value: 'PONG' };
        gets++;
        return new Promise((resolve) => setImmediate(() => resolve({ type: 'bulk', value })));
      },
    };
    const budget = DEFAULT_CLIENT_SERVER_OPTIONS.maxPendingBytes;
    const { port, connections } = await inspectedServer(handler, { parserLimits: { maxBulkBytes: value.length } });
    const greedy = await openSocket(port);
    greedy.pause();
    const memoryBefore = process.memoryUsage().arrayBuffers;
    greedy.write('GET k\r\n'.repeat(300));
    await waitFor(() => connections.length === 1, 'the connection');
    const connection = connections[0]!;
    await waitFor(() => {
      const stats = connection.stats();
      return stats.readingPaused && stats.inFlight === 0;
    }, 'the greedy client to be over its budget, every GET it was let send answered');

    // Reading stopped long before the thousand-odd megabytes it asked for.
    expect(gets).toBeLessThan(300);
    expect(connection.stats().queuedReplyBytes).toBeLessThanOrEqual(budget + value.length);
    // The queued replies are the one stored value, not a copy each.
    expect(process.memoryUsage().arrayBuffers - memoryBefore).toBeLessThan(8 * 1024 * 1024);
    const other = await client(port);
    expect(await other.command('PING')).toEqual({ type: 'simple', value: 'PONG' });

    // Once it reads, it gets every reply, whole and in order.
    let received = 0;
    const expected = 300 * (value.length + `$${value.length}\r\n\r\n`.length);
    const all = new Promise<void>((resolve) => {
      greedy.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= expected) resolve();
      });
    });
    greedy.resume();
    await all;
    expect(received).toBe(expected);
    expect(gets).toBe(300);
    greedy.destroy();
  });

  it('closes a client idle for --idle-timeout, and not one whose command is still being answered', async () => {
    const handler = new ControlledHandler();
    const { port } = await inspectedServer(handler, { idleTimeoutMs: 150 });
    const waiting = await openSocket(port);
    const waitingClosed = readUntilClosed(waiting, 20_000);
    waiting.write('SLOW\r\n');
    await waitFor(() => handler.calls.length === 1, 'the slow command to reach the handler');

    const idle = await openSocket(port);
    const idleReceived = readUntilClosed(idle);
    idle.write('PING\r\n');
    await waitFor(() => handler.calls.length === 2, 'the idle client to be answered');
    handler.calls[1]!.resolve({ type: 'simple', value: 'PONG' });
    expect((await idleReceived).toString()).toBe('+PONG\r\n');

    // The first client has been silent as long, but its command is still being answered: it is
    // still open, and gets its reply.
    expect(waiting.destroyed).toBe(false);
    handler.calls[0]!.resolve({ type: 'simple', value: 'DONE' });
    expect((await waitingClosed).toString()).toBe('+DONE\r\n');
  });
});
