// Peak memory of a `raftlab node` while clients pipeline GETs of a large value and never read their
// replies (issue 10: 20 clients x 1000 GETs of 1 MB drove a node from 92 MB to 3.5-4.2 GB), and
// whether another client is served meanwhile. A measurement, not a test: the test beside the code
// (test/integration/connection-hygiene.test.ts) asserts a bound on a smaller load.
//
//   npx tsx bench/reply-memory.ts [--clients 20] [--gets 1000] [--value-bytes 1048576]
//                                 [--seconds 10] [--root DIR]
//
// --root runs the CLI of another checkout (e.g. a `git worktree` of the commit before), so that two
// builds can be compared by turns on the same machine. Prints one JSON object on stdout.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { RespClient } from '../src/main/net/resp-client';
import { freePorts } from './processes';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '20' },
    gets: { type: 'string', default: '1000' },
    'value-bytes': { type: 'string', default: String(1024 * 1024) },
    seconds: { type: 'string', default: '10' },
    root: { type: 'string', default: resolve(import.meta.dirname, '..') },
  },
});
const clients = Number(values.clients);
const gets = Number(values.gets);
const valueBytes = Number(values['value-bytes']);
const seconds = Number(values.seconds);
const root = resolve(values.root);

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+([0-9]+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? Number.NaN);
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function connectWhenUp(port: number): Promise<RespClient> {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      const client = await RespClient.connect('127.0.0.1', port, { commandTimeoutMs: 2000 });
      const reply = await client.command('SET', 'ready', 'yes');
      if (reply.type === 'simple') return client;
      client.close();
    } catch {
      // Not up yet.
    }
    await sleep(100);
  }
  throw new Error('the node did not come up');
}

async function main(): Promise<void> {
  const [port] = await freePorts(1);
  const cli = join(root, 'src', 'main', 'cli.ts');
  const node = spawn(
    process.execPath,
    ['--import', 'tsx', cli, 'node', '127.0.0.1', String(port), `[['127.0.0.1:${port}']]`, '--in-memory'],
    { cwd: root, stdio: 'ignore' },
  );
  const pid = node.pid!;
  const greedy: Socket[] = [];
  try {
    let probe = await connectWhenUp(port!);
    await probe.command('SET', 'big', Buffer.alloc(valueBytes, 0x62));
    const baselineKb = statusKb(pid, 'VmRSS');
    for (let i = 0; i < clients; i++) {
      const socket = await new Promise<Socket>((done, fail) => {
        const opened = connect(port!, '127.0.0.1', () => done(opened));
        opened.once('error', fail);
      });
      socket.on('error', () => {});
      socket.pause();
      socket.write('GET big\r\n'.repeat(gets));
      greedy.push(socket);
    }
    // Another client, all along: is it still served, and how fast?
    const latenciesMs: number[] = [];
    let failed = 0;
    const until = performance.now() + seconds * 1000;
    let peakRssKb = baselineKb;
    while (performance.now() < until) {
      const start = performance.now();
      try {
        const reply = await probe.command('GET', 'ready');
        if (reply.type === 'bulk') latenciesMs.push(performance.now() - start);
        else failed++;
      } catch {
        // No reply within 2 s: count it, and ask again on a fresh connection.
        failed++;
        probe.close();
        probe = await RespClient.connect('127.0.0.1', port!, { commandTimeoutMs: 2000 }).catch(() => probe);
      }
      peakRssKb = Math.max(peakRssKb, statusKb(pid, 'VmRSS'));
      await sleep(200);
    }
    const peakKb = statusKb(pid, 'VmHWM');
    latenciesMs.sort((a, b) => a - b);
    const result = {
      root,
      clients,
      gets,
      valueBytes,
      seconds,
      baselineRssMb: Math.round(baselineKb / 1024),
      peakRssMb: Math.round(Math.max(peakKb, peakRssKb) / 1024),
      otherClient: {
        served: latenciesMs.length,
        failed,
        p50Ms: Number((latenciesMs[Math.floor(latenciesMs.length / 2)] ?? Number.NaN).toFixed(2)),
        maxMs: Number((latenciesMs[latenciesMs.length - 1] ?? Number.NaN).toFixed(2)),
      },
    };
    console.log(JSON.stringify(result));
    probe.close();
  } finally {
    for (const socket of greedy) socket.destroy();
    node.kill('SIGKILL');
  }
}

await main();
