// Bad input on a real node's port (CONTRACTS.md §3): each gets an error reply or a closed
// connection, and the node keeps serving everyone else, through Raft, the whole time.
import { type Socket, connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSecretFile, SECRET_FILE_NAME } from '../../src/main/host/cluster-secret';
import { newChallenge } from '../../src/main/net/peer-auth';
import { encodeHello } from '../../src/main/net/peer-handshake';
import type { RespClient } from '../../src/main/net/resp-client';
import { type AuthenticatedPeer, authenticatedPeerSocket } from '../../src/main/net/testing/peer-dialer';
import { readUntilClosed } from '../../src/main/net/testing/sockets';
import { clusterIdOf } from '../../src/shared/config';
import { SeededRandom } from '../../src/shared/random';
import { connect, startCluster, type TestCluster, text, waitForLeaders } from './support/cluster';
import { portOf } from './support/ports';

let cluster: TestCluster;
let target: string;
let bystander: RespClient;

beforeAll(async () => {
  cluster = await startCluster(1, 3);
  const state = await waitForLeaders(cluster.host);
  target = state.groups[0]!.leader!;
  bystander = await connect(target);
});
afterAll(async () => {
  bystander.close();
  await cluster.close();
});

/** Sends `bytes` on a fresh connection and collects what comes back until the server closes it or `ms` pass. */
function exchange(
  bytes: Uint8Array | string,
  options: { ms?: number; endAfterWrite?: boolean } = {},
): Promise<{ reply: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const socket: Socket = tcpConnect(portOf(target), '127.0.0.1');
    let reply = '';
    let settled = false;
    const finish = (closedByServer: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ reply, closedByServer });
    };
    const timer = setTimeout(() => finish(false), options.ms ?? 3000);
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.write(bytes, () => {
      if (options.endAfterWrite) socket.end();
    });
  });
}

async function stillServing(key: string): Promise<void> {
  expect(text(await bystander.command('SET', key, 'fine'))).toBe('OK');
  const fresh = await connect(cluster.partitions[0]!.find((id) => id !== target)!);
  expect(text(await fresh.command('GET', key))).toBe('fine');
  fresh.close();
}

describe('a node given bad input keeps serving everyone else', () => {
  it('random bytes', async () => {
    const random = new SeededRandom(42);
    const garbage = Uint8Array.from({ length: 4096 }, () => random.nextInt(256));
    garbage[0] = 0x2a; // '*': make it look like RESP so the parser has to reject it
    const { reply, closedByServer } = await exchange(garbage);
    expect(reply.startsWith('-ERR') || closedByServer).toBe(true);
    await stillServing('after-random');
  });

  it('a bulk length of 2^40', async () => {
    const { reply, closedByServer } = await exchange(`*2\r\n$3\r\nGET\r\n$${2 ** 40}\r\n`);
    expect(reply).toMatch(/^-ERR Protocol error/);
    expect(closedByServer).toBe(true);
    await stillServing('after-huge-bulk');
  });

  it('half a command, then a close', async () => {
    await exchange('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nval', { endAfterWrite: true, ms: 1000 });
    await stillServing('after-half');
    expect(text(await bystander.command('GET', 'k'))).toBeNull();
  });

  it('10,000 pipelined commands in one write, all answered in order', async () => {
    let batch = '';
    for (let i = 0; i < 10_000; i++) batch += i % 2 === 0 ? `SET pipe-${i} v${i}\r\n` : `GET pipe-${i - 1}\r\n`;
    const { reply } = await exchange(batch, { ms: 60_000, endAfterWrite: true });
    const lines = reply.split('\r\n');
    // Every SET answers +OK; every GET answers $len then the value just set, in order.
    let answered = 0;
    for (let i = 0, line = 0; i < 10_000; i++) {
      if (i % 2 === 0) {
        expect(lines[line++]).toBe('+OK');
      } else {
        lines[line++];
        expect(lines[line++]).toBe(`v${i - 1}`);
      }
      answered++;
    }
    expect(answered).toBe(10_000);
    await stillServing('after-pipeline');
  }, 90_000);

  it('an inline line of 10 MB is refused early, without buffering it', async () => {
    const { reply, closedByServer } = await exchange(`SET big ${'x'.repeat(10 * 1024 * 1024)}\r\n`, { ms: 10_000 });
    expect(reply).toMatch(/^-ERR Protocol error/);
    expect(closedByServer).toBe(true);
    await stillServing('after-long-line');
  });

  it('a peer frame with a wrong length, and one with a bad type', async () => {
    // A member's connection (it holds the cluster secret), so that the frames reach the decoder.
    const members = cluster.partitions[0]!;
    const clusterId = clusterIdOf(cluster.partitions);
    const { secret } = await readSecretFile(join(cluster.dataDir, clusterId.slice(0, 12), SECRET_FILE_NAME));
    const ids = { self: members.find((id) => id !== target)!, peer: target, clusterId };
    const wrongLength = Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 1]);
    const badType = Buffer.from([0, 0, 0, 5, 0, 0, 0, 1, 0xee]);
    for (const send of [
      (peer: AuthenticatedPeer) => peer.socket.write(wrongLength),
      (peer: AuthenticatedPeer) => peer.socket.write(peer.seal(badType)),
    ]) {
      const peer = await authenticatedPeerSocket(portOf(target), ids, secret);
      const closed = readUntilClosed(peer.socket);
      send(peer);
      await closed;
    }
    const stranger = encodeHello({
      from: members[0]!,
      to: target,
      clusterId: 'not-this-cluster',
      challenge: newChallenge(),
    });
    expect((await exchange(stranger)).closedByServer).toBe(true);
    await stillServing('after-peer-garbage');
    const state = await cluster.host.state();
    expect(state.groups[0]!.leader).toBe(target);
  });
});
