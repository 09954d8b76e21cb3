// The bad-input list against a real node server on 127.0.0.1: each bad connection gets an error
// reply or is closed, and a bystander connection opened before it is served before and after.
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Message } from '../../shared/raft/types';
import { SeededRandom } from '../../shared/random';
import { serveClient } from './client-server';
import { NodeServer, PortInUseError } from './node-server';
import { newChallenge } from './peer-auth';
import { encodeFrame } from './peer-codec';
import { encodeHello } from './peer-handshake';
import { type PeerIssue, PeerTransport } from './peer-transport';
import { RespClient } from './resp-client';
import { RespReplyParser } from './resp-reply-parser';
import { realClock } from './testing/clocks';
import { MapHandler } from './testing/map-handler';
import { type AuthenticatedPeer, authenticatedPeerSocket } from './testing/peer-dialer';
import { openSocket, readUntilClosed, waitFor } from './testing/sockets';
import type { RespReply } from './types';

const HOST = '127.0.0.1';
const CLUSTER = 'test-cluster';
const PEER_ID = '127.0.0.1:1';
const SECRET = Buffer.from('node-server test cluster secret');

let server: NodeServer;
let handler: MapHandler;
let transport: PeerTransport;
let selfId: string;
const delivered: Message[] = [];
const issues: PeerIssue[] = [];

beforeEach(async () => {
  handler = new MapHandler({ replyDelayMs: (i) => (i * 7) % 3 });
  delivered.length = 0;
  issues.length = 0;
  server = await NodeServer.listen({
    host: HOST,
    port: 0,
    routes: {
      client: (socket, head) => serveClient(socket, handler, {}, head),
      peer: (socket, head) => transport.acceptInbound(socket, head),
    },
  });
  selfId = `${HOST}:${server.port}`;
  transport = new PeerTransport({
    self: selfId,
    clusterId: CLUSTER,
    secret: SECRET,
    peers: [selfId, PEER_ID],
    clock: realClock(),
    random: new SeededRandom(1),
    onMessage: (message) => delivered.push(message),
    onIssue: (issue) => issues.push(issue),
  });
});

afterEach(async () => {
  transport.close();
  await server.close();
});

const text = (reply: RespReply | null): string | null =>
  reply?.type === 'bulk' && reply.value !== null ? Buffer.from(reply.value).toString() : null;

/** Runs `bad` between two commands on a connection opened before it. */
async function withBystander(bad: () => Promise<void>): Promise<void> {
  const bystander = await RespClient.connect(HOST, server.port);
  try {
    expect(await bystander.command('SET', 'bystander', 'before')).toEqual({ type: 'simple', value: 'OK' });
    await bad();
    expect(text(await bystander.command('GET', 'bystander'))).toBe('before');
    expect(await bystander.command('SET', 'bystander', 'after')).toEqual({ type: 'simple', value: 'OK' });
  } finally {
    bystander.close();
  }
}

/** Writes `input` on a fresh connection and returns all it receives until the server closes it. */
async function sendAndCollect(input: Uint8Array, halfClose = false): Promise<string> {
  const socket = await openSocket(server.port);
  const received = readUntilClosed(socket);
  socket.write(input);
  if (halfClose) socket.end();
  return (await received).toString('latin1');
}

function replies(bytes: Buffer): RespReply[] {
  const parser = new RespReplyParser();
  parser.push(bytes);
  const out: RespReply[] = [];
  for (let reply = parser.next(); reply !== null; reply = parser.next()) out.push(reply);
  return out;
}

/** A connection that passed the handshake as PEER_ID; `seal` adds the MACs a member would. */
function helloedPeerSocket(): Promise<AuthenticatedPeer> {
  return authenticatedPeerSocket(server.port, { self: PEER_ID, peer: selfId, clusterId: CLUSTER }, SECRET);
}

describe('node server: the bad-input list', () => {
  it('survives random bytes: the connection is answered and closed, others keep being served', async () => {
    await withBystander(async () => {
      const random = new SeededRandom(42);
      for (let round = 0; round < 5; round++) {
        const noise = Uint8Array.from({ length: 64 * 1024 }, () => random.nextInt(256));
        noise[0] = round === 0 ? 0x00 : noise[0]!; // one round goes down the peer path
        await sendAndCollect(noise, true);
      }
    });
    await waitFor(() => server.connectionCount === 0, 'the noisy connections to be gone');
  });

  it('answers a bulk length of 2^40 with a protocol error and closes that connection', async () => {
    await withBystander(async () => {
      const received = await sendAndCollect(Buffer.from(`*2\r\n$3\r\nGET\r\n$${2 ** 40}\r\n`));
      expect(received).toBe('-ERR Protocol error: invalid bulk length\r\n');
    });
  });

  it('forgets half a command when the client closes, executing nothing', async () => {
    await withBystander(async () => {
      const received = await sendAndCollect(Buffer.from('*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$5\r\nval'), true);
      expect(received).toBe('');
      expect(handler.data.has('half')).toBe(false);
    });
  });

  it('answers 10,000 pipelined commands sent in one write, all in order', async () => {
    await withBystander(async () => {
      const commands: string[] = [];
      for (let i = 0; i < 5000; i++)
        commands.push(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${String(i).length}\r\n${i}\r\n`, 'GET k\r\n');
      const received = await sendAndCollect(Buffer.from(commands.join('')), true);
      const all = replies(Buffer.from(received, 'latin1'));
      expect(all).toHaveLength(10_000);
      for (let i = 0; i < 5000; i++) {
        expect(all[2 * i]).toEqual({ type: 'simple', value: 'OK' });
        expect(text(all[2 * i + 1] ?? null)).toBe(String(i));
      }
    });
  });

  it('rejects an inline line of 10 MB with a protocol error', async () => {
    await withBystander(async () => {
      const received = await sendAndCollect(Buffer.alloc(10 * 1024 * 1024, 0x61));
      expect(received).toBe('-ERR Protocol error: too big inline request\r\n');
    });
  });

  it('closes a peer connection whose frame has an impossible length', async () => {
    await withBystander(async () => {
      const { socket } = await helloedPeerSocket();
      const closed = readUntilClosed(socket);
      socket.write(Uint8Array.of(0, 0, 0, 2, 1, 2));
      await closed;
    });
    expect(issues.some((issue) => issue.kind === 'bad-frame' && issue.peer === PEER_ID)).toBe(true);
  });

  it('closes a peer connection that announces a frame over the limit, without waiting for it', async () => {
    await withBystander(async () => {
      const { socket } = await helloedPeerSocket();
      const closed = readUntilClosed(socket);
      socket.write(Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 0, 0));
      await closed;
    });
  });

  it('closes a peer connection that sends a frame of unknown type, after delivering the good ones before it', async () => {
    await withBystander(async () => {
      const peer = await helloedPeerSocket();
      const closed = readUntilClosed(peer.socket);
      const good = encodeFrame({ type: 'TimeoutNow', from: PEER_ID, to: selfId, term: 3 }, 1);
      const bad = Buffer.from(encodeFrame({ type: 'TimeoutNow', from: PEER_ID, to: selfId, term: 4 }, 2));
      bad[8] = 0xee;
      // Rightly MACed, so that it is the decoder that meets the bad type.
      peer.socket.write(peer.seal(good, bad));
      await closed;
    });
    expect(delivered).toEqual([{ type: 'TimeoutNow', from: PEER_ID, to: selfId, term: 3 }]);
    expect(issues.find((issue) => issue.kind === 'bad-frame')?.detail).toMatch(/unknown message type 238/);
  });

  it('closes a peer connection whose message claims another sender than its hello', async () => {
    const peer = await helloedPeerSocket();
    const closed = readUntilClosed(peer.socket);
    peer.socket.write(peer.seal(encodeFrame({ type: 'TimeoutNow', from: '127.0.0.1:2', to: selfId, term: 3 }, 1)));
    await closed;
    expect(delivered).toEqual([]);
  });

  it('refuses a peer hello with the wrong cluster id, telling the dialer nothing more', async () => {
    const socket = await openSocket(server.port);
    const received = readUntilClosed(socket);
    socket.write(encodeHello({ from: PEER_ID, to: selfId, clusterId: 'other', challenge: newChallenge() }));
    // The dialer learns only that it was refused; the node's own log says why.
    expect((await received).toString('latin1')).toContain('peer authentication failed');
    expect((await received).toString('latin1')).not.toContain(CLUSTER);
    expect(issues.find((issue) => issue.kind === 'handshake-refused')?.detail).toMatch(/configuration differs/);
  });

  it('refuses a peer hello from a node it does not know', async () => {
    const socket = await openSocket(server.port);
    const received = readUntilClosed(socket);
    socket.write(encodeHello({ from: '127.0.0.1:9', to: selfId, clusterId: CLUSTER, challenge: newChallenge() }));
    expect((await received).toString('latin1')).toContain('peer authentication failed');
    expect(issues.find((issue) => issue.kind === 'handshake-refused')?.detail).toMatch(
      /127\.0\.0\.1:9 is not a member/,
    );
  });

  it('closes a connection that starts with NUL but is no peer hello', async () => {
    await withBystander(async () => {
      expect(await sendAndCollect(Buffer.from('\0PING\r\n'))).toBe('');
    });
  });
});

describe('node server: lifecycle', () => {
  it('reports a port in use as PortInUseError naming the port', async () => {
    const attempt = NodeServer.listen({ host: HOST, port: server.port, routes: { client: (s) => s.destroy() } });
    await expect(attempt).rejects.toBeInstanceOf(PortInUseError);
    await expect(attempt).rejects.toThrow(String(server.port));
  });

  it('close() destroys every connection at once and frees the port', async () => {
    const idle = await openSocket(server.port);
    const client = await RespClient.connect(HOST, server.port);
    expect(await client.command('PING')).toEqual({ type: 'simple', value: 'PONG' });
    const idleClosed = readUntilClosed(idle);
    await server.close();
    await idleClosed;
    await waitFor(() => client.closed, 'the client to see its connection closed');
    const again = await NodeServer.listen({ host: HOST, port: server.port, routes: { client: (s) => s.destroy() } });
    await again.close();
  });
});

/** Opens a node server of its own with these limits; closed after the test. */
async function limitedServer(
  options: { maxClients?: number; firstByteTimeoutMs?: number; maxSilentConnections?: number },
  peers: Socket[] = [],
): Promise<NodeServer> {
  const limited = await NodeServer.listen({
    host: HOST,
    port: 0,
    ...options,
    routes: {
      client: (socket, head) => serveClient(socket, handler, {}, head),
      peer: (socket) => {
        peers.push(socket);
        socket.on('data', () => {});
      },
    },
  });
  extraServers.push(limited);
  return limited;
}
const extraServers: NodeServer[] = [];
afterEach(async () => {
  await Promise.all(extraServers.splice(0).map((extra) => extra.close()));
});

/**
 * The keepalive timer of the server's side of a connection, from /proc/net/tcp: its `tr` column
 * is 2 while a keepalive timer runs on an idle connection, 0 when no timer does.
 */
function serverSideTimer(serverPort: number, clientPort: number): number | null {
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1]?.endsWith(`:${hex(serverPort)}`) && fields[2]?.endsWith(`:${hex(clientPort)}`)) {
      return Number(fields[5]?.split(':')[0]);
    }
  }
  return null;
}

describe('node server: connection hygiene', () => {
  it('closes a connection that ends before its first byte (it stayed in CLOSE-WAIT for ever)', async () => {
    for (let i = 0; i < 20; i++) {
      const socket = await openSocket(server.port);
      const closed = readUntilClosed(socket);
      socket.end();
      expect((await closed).length).toBe(0);
    }
    await waitFor(() => server.connectionCount === 0, 'every ended connection to be closed');
  });

  it('keeps at most maxSilentConnections connections that have said nothing, closing the oldest first', async () => {
    const crowded = await limitedServer({ maxSilentConnections: 3 });
    const sockets = [await openSocket(crowded.port), await openSocket(crowded.port), await openSocket(crowded.port)];
    await waitFor(() => crowded.connectionCount === 3, 'three silent connections');
    const firstClosed = readUntilClosed(sockets[0]!);
    const fourth = await openSocket(crowded.port);
    expect((await firstClosed).length).toBe(0);
    await waitFor(() => crowded.connectionCount === 3, 'the oldest to be gone');
    // The newer ones are still there, and one that speaks is served.
    const answered = new Promise<string>((resolve) =>
      sockets[1]!.once('data', (chunk: Buffer) => resolve(chunk.toString())),
    );
    sockets[1]!.write('PING\r\n');
    expect(await answered).toBe('+PONG\r\n');
    for (const socket of [...sockets, fourth]) socket.destroy();
  });

  it('closes a connection that sends nothing at all for the first-byte timeout', async () => {
    const quiet = await limitedServer({ firstByteTimeoutMs: 200 });
    const socket = await openSocket(quiet.port);
    expect((await readUntilClosed(socket)).length).toBe(0);
    await waitFor(() => quiet.connectionCount === 0, 'the silent connection to be gone');
  });

  it('over --max-clients a new client is told so and closed, as Redis does; peers are never refused', async () => {
    const peers: Socket[] = [];
    const capped = await limitedServer({ maxClients: 2 }, peers);
    const first = await RespClient.connect(HOST, capped.port);
    const second = await RespClient.connect(HOST, capped.port);
    try {
      expect(await first.command('PING')).toEqual({ type: 'simple', value: 'PONG' });
      expect(await second.command('PING')).toEqual({ type: 'simple', value: 'PONG' });
      expect(capped.clientCount).toBe(2);

      const third = await openSocket(capped.port);
      const refused = readUntilClosed(third);
      third.write('PING\r\n');
      expect((await refused).toString('latin1')).toBe('-ERR max number of clients reached\r\n');

      const peer = await openSocket(capped.port);
      peer.write(
        encodeHello({ from: PEER_ID, to: `${HOST}:${capped.port}`, clusterId: CLUSTER, challenge: new Uint8Array(32) }),
      );
      await waitFor(() => peers.length === 1, 'the peer to be routed although the clients are at the cap');
      expect(capped.clientCount).toBe(2);
      peer.destroy();

      // A place freed is a place for the next client.
      first.close();
      await waitFor(() => capped.clientCount === 1, 'the closed client to be forgotten');
      const fourth = await RespClient.connect(HOST, capped.port);
      expect(await fourth.command('PING')).toEqual({ type: 'simple', value: 'PONG' });
      fourth.close();
    } finally {
      first.close();
      second.close();
    }
  });

  it('turns TCP keepalive on for every accepted connection', async () => {
    const socket = await openSocket(server.port);
    try {
      const answered = new Promise((resolve) => socket.once('data', resolve));
      socket.write('PING\r\n');
      await answered;
      const clientPort = socket.localPort!;
      await waitFor(() => serverSideTimer(server.port, clientPort) === 2, 'the keepalive timer on the server side');
    } finally {
      socket.destroy();
    }
  });
});
