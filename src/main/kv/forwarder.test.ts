// The Forwarder against a real RESP server on 127.0.0.1: every send settles with a reply, an
// UnreachableError (another member may do) or a NodeStoppedError (no one will), and nothing it
// started rejects unheard, however the connection or the node ends.
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serveClient } from '../net/client-server';
import type { CommandHandler, RespReply } from '../net/types';
import { describeFailures, type UnhandledWatch, watchUnhandled } from '../testing/unhandled';
import { Forwarder, UnreachableError } from './forwarder';
import { NodeStoppedError } from './local-group';

/** A RESP server whose HOLD command answers only when the test says, and whose DROP closes the connection. */
class TestServer {
  readonly sockets = new Set<Socket>();
  connections = 0;
  readonly held: ((reply: RespReply) => void)[] = [];
  private constructor(readonly server: Server) {}

  static async start(): Promise<TestServer> {
    const server = createServer({ allowHalfOpen: true });
    const test = new TestServer(server);
    const handler: CommandHandler = {
      execute(args): RespReply | Promise<RespReply> {
        const name = Buffer.from(args[0]!).toString().toUpperCase();
        if (name === 'HOLD') return new Promise((resolve) => test.held.push(resolve));
        if (name === 'DROP') {
          for (const socket of test.sockets) socket.destroy();
          return new Promise(() => {});
        }
        return { type: 'simple', value: 'PONG' };
      },
    };
    server.on('connection', (socket) => {
      test.connections++;
      test.sockets.add(socket);
      socket.on('close', () => test.sockets.delete(socket));
      serveClient(socket, handler);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return test;
  }

  get id(): string {
    const address = this.server.address();
    return `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function eventually(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!check()) throw new Error(`never: ${what}`);
}

let server: TestServer;
let watch: UnhandledWatch;

beforeEach(async () => {
  watch = watchUnhandled();
  server = await TestServer.start();
});

afterEach(async () => {
  await server.close();
  await new Promise((resolve) => setImmediate(resolve));
  watch.stop();
  expect(watch.failures, describeFailures(watch.failures)).toEqual([]);
});

describe('Forwarder', () => {
  it('sends commands over one connection per target and returns the replies', async () => {
    const forwarder = new Forwarder({ self: 'me:1' });
    expect(await forwarder.send(server.id, ['PING'])).toEqual({ type: 'simple', value: 'PONG' });
    expect(await forwarder.send(server.id, ['PING'])).toEqual({ type: 'simple', value: 'PONG' });
    expect(server.connections).toBe(1);
    forwarder.close();
  });

  it('refuses a cut link without connecting', async () => {
    const forwarder = new Forwarder({ self: 'me:1', canReach: () => false });
    await expect(forwarder.send(server.id, ['PING'])).rejects.toMatchObject({
      name: 'UnreachableError',
      mayHaveRun: false,
    });
    expect(server.connections).toBe(0);
    forwarder.close();
  });

  it('a target that refuses connections is unreachable', async () => {
    const closed = server.id;
    await server.close();
    const forwarder = new Forwarder({ self: 'me:1' });
    // Never sent: another member may safely be asked instead, even for a write.
    await expect(forwarder.send(closed, ['PING'])).rejects.toMatchObject({
      name: 'UnreachableError',
      mayHaveRun: false,
    });
    await expect(forwarder.send(closed, ['PING'])).rejects.toThrow(UnreachableError);
    forwarder.close();
    server = await TestServer.start();
  });

  it('a connection dropped under a command is unreachable for that command, and the next one reconnects', async () => {
    const forwarder = new Forwarder({ self: 'me:1' });
    // The command reached the target, which may have carried it out: a write must not be retried.
    await expect(forwarder.send(server.id, ['DROP'])).rejects.toMatchObject({
      name: 'UnreachableError',
      mayHaveRun: true,
    });
    expect(await forwarder.send(server.id, ['PING'])).toEqual({ type: 'simple', value: 'PONG' });
    expect(server.connections).toBe(2);
    forwarder.close();
  });

  it('after close() a send says the node is stopping, and a command in flight settles', async () => {
    const forwarder = new Forwarder({ self: 'me:1' });
    const inFlight = forwarder.send(server.id, ['HOLD']);
    await eventually('the command reaches the server', () => server.held.length === 1);
    forwarder.close();
    await expect(inFlight).rejects.toThrow(UnreachableError);
    await expect(forwarder.send(server.id, ['PING'])).rejects.toThrow(NodeStoppedError);
  });

  it('close() while a connection is being made closes that connection too', async () => {
    const forwarder = new Forwarder({ self: 'me:1' });
    const sending = forwarder.send(server.id, ['PING']);
    forwarder.close();
    await expect(sending).rejects.toThrow(NodeStoppedError);
    await eventually(
      'the server sees the connection closed',
      () => server.connections === 1 && server.sockets.size === 0,
    );
  });
});
