// Resharding, measured (issue 13): how many keys move when a group is added, against the ideal
// 1/(n+1); how long moving 100k keys takes; and what clients see (p50/p99) during a move against
// before it. Prints JSON, then a table. Run: npx tsx bench/reshard.ts [--keys N] [--clients C]
//
// One in-process ClusterHost on real TCP and fsynced folders (as `raftlab cluster` runs), 2 groups
// of 3; N keys loaded; a closed-loop load of C clients (SET and GET of random loaded keys) runs
// throughout; a third group is added (2 -> 3), then a fourth (3 -> 4). Never a timed test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timingOf } from '../src/main/cli/timing';
import { ClusterHost } from '../src/main/host/cluster-host';
import { RespClient } from '../src/main/net/resp-client';
import { HashRing } from '../src/shared/ring';
import { freePartitions, portOf } from '../test/integration/support/ports';
import { LatencyRecorder, quantile } from './latency-recorder';

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}

const KEYS = flag('--keys', 100_000);
const CLIENTS = flag('--clients', 8);
const BASELINE_MS = 5000;

const keyOf = (i: number) => `bench-key-${i}`;

/** Over the ring alone: the fraction of KEYS keys whose group changes from n to n+1 groups. */
function ringMoved(from: number): { moved: number; fraction: number; ideal: number } {
  const before = new HashRing(from);
  const after = new HashRing(from + 1);
  let moved = 0;
  for (let i = 0; i < KEYS; i++) if (before.groupOf(keyOf(i)) !== after.groupOf(keyOf(i))) moved++;
  return { moved, fraction: moved / KEYS, ideal: 1 / (from + 1) };
}

async function load(nodes: readonly string[]): Promise<void> {
  const clients = await Promise.all(
    nodes.map((id) => RespClient.connect('127.0.0.1', portOf(id), { commandTimeoutMs: 60_000 })),
  );
  const perClient = Math.ceil(KEYS / clients.length);
  await Promise.all(
    clients.map(async (client, c) => {
      // Pipelined in windows of 200: fast, and bounded.
      for (let start = c * perClient; start < Math.min(KEYS, (c + 1) * perClient); start += 200) {
        const end = Math.min(KEYS, (c + 1) * perClient, start + 200);
        const replies = await Promise.all(
          Array.from({ length: end - start }, (_, k) => client.command('SET', keyOf(start + k), `v${start + k}`)),
        );
        // A -TRYAGAIN (a slow moment on a shared machine) is written again, one by one.
        for (const [k, reply] of replies.entries()) {
          for (let tries = 0; reply.type === 'error' && tries < 5; tries++) {
            if ((await client.command('SET', keyOf(start + k), `v${start + k}`)).type !== 'error') break;
          }
        }
      }
    }),
  );
  for (const client of clients) client.close();
}

/** A closed loop of CLIENTS clients; `phase()` says which recorder a reply counts in. */
function runClients(nodes: readonly string[], phase: () => LatencyRecorder | null): { stop(): Promise<number> } {
  let running = true;
  let errors = 0;
  const loops = Array.from({ length: CLIENTS }, async (_, c) => {
    const client = await RespClient.connect('127.0.0.1', portOf(nodes[c % nodes.length]!), {
      commandTimeoutMs: 60_000,
    });
    for (let n = 0; running; n++) {
      const key = keyOf((c * 7919 + n * 104_729) % KEYS);
      const started = performance.now();
      const reply = n % 2 === 0 ? await client.command('SET', key, `v${n}`) : await client.command('GET', key);
      const recorder = phase();
      if (reply.type === 'error') errors++;
      else recorder?.record(performance.now() - started);
    }
    client.close();
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return errors;
    },
  };
}

function summary(recorder: LatencyRecorder): { ops: number; p50Ms: number; p99Ms: number } {
  const sorted = recorder.sorted();
  return {
    ops: sorted.length,
    p50Ms: Math.round(quantile(sorted, 0.5) * 100) / 100,
    p99Ms: Math.round(quantile(sorted, 0.99) * 100) / 100,
  };
}

async function main(): Promise<void> {
  const partitions = await freePartitions(2, 3);
  const extra = await freePartitions(2, 3);
  const dataDir = mkdtempSync(join(tmpdir(), 'raftlab-bench-reshard-'));
  const host = new ClusterHost({
    partitions,
    dataDir,
    inMemory: false,
    timing: timingOf({ electionTimeoutMs: { min: 150, max: 300 }, heartbeatMs: 50 }),
    timescale: 1,
    preVote: true,
    checkQuorum: true,
    maxValueBytes: 1024 * 1024,
    requestTimeoutMs: 10_000,
    seed: 7,
  });
  await host.start();
  try {
    for (;;) {
      const state = await host.state();
      if (state.groups.every((g) => g.leader !== null)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const loadStarted = performance.now();
    await load(partitions.flat());
    const loadMs = performance.now() - loadStarted;

    const before = new LatencyRecorder();
    const during: LatencyRecorder[] = [new LatencyRecorder(), new LatencyRecorder()];
    let phase: LatencyRecorder | null = before;
    const clients = runClients(partitions.flat(), () => phase);
    await new Promise((resolve) => setTimeout(resolve, BASELINE_MS));

    const steps = [];
    for (const [i, members] of extra.entries()) {
      phase = during[i]!;
      const started = performance.now();
      await host.addGroup(members);
      await host.reshardDone();
      const moveMs = performance.now() - started;
      phase = null;
      const state = await host.state();
      const moves = state.ring.moves ?? [];
      const keysMoved = moves.reduce((sum, m) => sum + m.keysMoved, 0);
      const groupsBefore = 2 + i;
      steps.push({
        step: `${groupsBefore}->${groupsBefore + 1}`,
        keysMoved,
        fraction: Math.round((keysMoved / KEYS) * 1000) / 1000,
        ideal: Math.round((1 / (groupsBefore + 1)) * 1000) / 1000,
        ringOnly: ringMoved(groupsBefore),
        moveMs: Math.round(moveMs),
        keysPerSecond: Math.round(keysMoved / (moveMs / 1000)),
        clientsDuring: summary(during[i]!),
      });
    }
    const errors = await clients.stop();
    const result = {
      keys: KEYS,
      clients: CLIENTS,
      loadMs: Math.round(loadMs),
      clientsBefore: summary(before),
      steps,
      clientErrors: errors,
    };
    console.log(JSON.stringify(result, null, 1));
    console.log();
    console.log(
      `before any move: ${result.clientsBefore.ops} ops, p50 ${result.clientsBefore.p50Ms} ms, p99 ${result.clientsBefore.p99Ms} ms`,
    );
    console.log('step | keys moved | fraction | ideal | move time | keys/s | p50 during | p99 during');
    for (const s of steps) {
      console.log(
        `${s.step} | ${s.keysMoved} | ${s.fraction} | ${s.ideal} | ${(s.moveMs / 1000).toFixed(1)} s | ${s.keysPerSecond} | ${s.clientsDuring.p50Ms} ms | ${s.clientsDuring.p99Ms} ms`,
      );
    }
  } finally {
    await host.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
