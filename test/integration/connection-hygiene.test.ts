// Connection hygiene on a real `raftlab node` process's port, measured from outside as an operator
// would: its open descriptors after ten thousand port-scan connects, its peak memory while clients
// pipeline GETs of a large value and never read, and the --max-clients and --idle-timeout options.
import * as fs from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RespClient } from '../../src/main/net/resp-client';
import { text, waitFor } from './support/cluster';
import { freePort } from './support/ports';
import { type RaftlabProcess, spawnRaftlab } from './support/processes';

const HOST = '127.0.0.1';
const started: RaftlabProcess[] = [];
afterEach(async () => {
  for (const node of started.splice(0)) {
    node.child.kill('SIGKILL');
    await node.exited;
  }
});

/** A one-node `raftlab node` in memory, once it leads and serves. */
async function startNode(...options: string[]): Promise<{ port: number; pid: number; node: RaftlabProcess }> {
  const port = await freePort();
  const node = spawnRaftlab(['node', HOST, String(port), `[['${HOST}:${port}']]`, '--in-memory', ...options]);
  started.push(node);
  await waitFor('the node to serve', async () => {
    try {
      const client = await RespClient.connect(HOST, port);
      try {
        return text(await client.command('SET', 'ready', 'yes')) === 'OK';
      } finally {
        client.close();
      }
    } catch {
      return false;
    }
  });
  return { port, pid: node.child.pid!, node };
}

function openFds(pid: number): number {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

/** kB of a /proc/<pid>/status field: VmRSS (now) or VmHWM (the peak). */
function memoryKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+([0-9]+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1]);
}

/**
 * Connects and closes without a byte, as a port scan or a TCP health check does. Our side lets go
 * once its FIN is sent: the descriptor that may stay behind is the node's.
 */
function silentConnect(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, HOST);
    const done = () => {
      socket.destroy();
      resolve();
    };
    socket.on('error', done);
    socket.on('connect', () => socket.end());
    socket.on('finish', done);
  });
}

function closedByServer(socket: ReturnType<typeof tcpConnect>): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(received));
  });
}

describe('a raftlab node port', () => {
  it('holds no descriptor for connections that closed without a byte: 10,000 silent connects', async () => {
    const { port, pid } = await startNode();
    const before = openFds(pid);
    for (let batch = 0; batch < 100; batch++) {
      await Promise.all(Array.from({ length: 100 }, () => silentConnect(port)));
    }
    const client = await RespClient.connect(HOST, port);
    expect(text(await client.command('SET', 'still', 'serving'))).toBe('OK');
    client.close();
    const closed = await waitFor('the node to close them', () => openFds(pid) <= before + 2, 20_000).catch(() => false);
    console.log(`open fds of the node: ${before} before, ${openFds(pid)} after 10,000 silent connects`);
    expect(closed, `open fds ${before} before, ${openFds(pid)} after`).toBe(true);
  }, 120_000);

  it('stays within bounded memory while 10 clients pipeline 100 GETs of a 1 MB value and never read, and serves another', async () => {
    const { port, pid } = await startNode();
    const setter = await RespClient.connect(HOST, port);
    expect(text(await setter.command('SET', 'big', Buffer.alloc(1024 * 1024, 0x62)))).toBe('OK');
    const baselineKb = memoryKb(pid, 'VmRSS');
    const greedy = await Promise.all(
      Array.from(
        { length: 10 },
        () =>
          new Promise<ReturnType<typeof tcpConnect>>((resolve) => {
            const socket = tcpConnect(port, HOST, () => resolve(socket));
            socket.on('error', () => {});
          }),
      ),
    );
    for (const socket of greedy) {
      socket.pause();
      socket.write('GET big\r\n'.repeat(100));
    }
    // Another client is served meanwhile, several times over.
    for (let i = 0; i < 5; i++) expect(text(await setter.command('GET', 'ready'))).toBe('yes');
    const peakKb = memoryKb(pid, 'VmHWM');
    console.log(`node RSS: ${baselineKb} kB before, peak ${peakKb} kB with 10 clients x 100 GETs of 1 MB unread`);
    // Unbounded, each client held 100 copies of the value, or more: a gigabyte in all.
    expect(peakKb - baselineKb).toBeLessThan(400 * 1024);
    for (const socket of greedy) socket.destroy();
    setter.close();
  }, 60_000);

  it('--max-clients N: the client beyond N is told so, as Redis tells it, and closed', async () => {
    const { port } = await startNode('--max-clients', '2');
    const first = await RespClient.connect(HOST, port);
    const second = await RespClient.connect(HOST, port);
    expect(text(await first.command('PING'))).toBe('PONG');
    expect(text(await second.command('PING'))).toBe('PONG');
    const third = tcpConnect(port, HOST);
    const refused = closedByServer(third);
    third.write('PING\r\n');
    expect(await refused).toBe('-ERR max number of clients reached\r\n');
    first.close();
    second.close();
  }, 60_000);

  it('--idle-timeout SECONDS: a client that says nothing more for that long is closed, and one that never spoke', async () => {
    const { port } = await startNode('--idle-timeout', '1');
    const socket = tcpConnect(port, HOST);
    const closed = closedByServer(socket);
    socket.write('PING\r\n');
    const mute = tcpConnect(port, HOST);
    const muteClosed = closedByServer(mute);
    expect(await closed).toBe('+PONG\r\n');
    expect(await muteClosed).toBe('');
  }, 60_000);
});
