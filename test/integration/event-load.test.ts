// 64 clients writing as fast as they can while a view watches every event: the event stream must
// neither slow the writes to a crawl nor grow memory without bound. The numbers are printed for the
// report; the assertions are only what must hold on any machine.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RespClient } from '../../src/main/net/resp-client';
import { ControlServer } from '../../src/main/server/control-server';
import { EVENTS_PATH } from '../../src/shared/http-routes';
import { startCluster, type TestCluster, text, waitFor, waitForLeaders } from './support/cluster';
import { openEventStream } from './support/http';
import { portOf } from './support/ports';

const CLIENTS = 64;
const WRITES_PER_CLIENT = 30;
const ROUNDS = 2;
const HEAP_GROWTH_LIMIT_BYTES = 200 * 1024 * 1024;
const TOKEN = 'load-token';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

let cluster: TestCluster;
let server: ControlServer;
let base: string;
let staticDir: string;
let clients: RespClient[];

beforeAll(async () => {
  staticDir = mkdtempSync(join(tmpdir(), 'raftlab-load-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html>');
  // In memory: writes are not fsync-bound, so the nodes make events as fast as they can.
  cluster = await startCluster(1, 3, { inMemory: true });
  server = new ControlServer({
    api: cluster.host,
    staticDir,
    port: 0,
    token: TOKEN,
    onEventsDropped: (events) => cluster.host.countDroppedEvents(events),
  });
  base = await server.start();
  await waitForLeaders(cluster.host);
  const ids = cluster.partitions[0]!;
  clients = await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) =>
      RespClient.connect('127.0.0.1', portOf(ids[i % ids.length]!), { commandTimeoutMs: 30_000 }),
    ),
  );
});

afterAll(async () => {
  for (const client of clients ?? []) client.close();
  await server?.stop();
  await cluster?.close();
  rmSync(staticDir, { recursive: true, force: true });
});

interface Phase {
  readonly writesPerSecond: number;
  readonly heapGrowthBytes: number;
}

/** Every client writes its keys one after another, all clients at once. */
async function writePhase(name: string): Promise<Phase> {
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const replies = await Promise.all(
    clients.map(async (client, c) => {
      const answers: (string | null)[] = [];
      for (let i = 0; i < WRITES_PER_CLIENT; i++)
        answers.push(text(await client.command('SET', `${name}-${c}-${i}`, 'v')));
      return answers;
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  collectGarbage();
  const heapGrowthBytes = process.memoryUsage().heapUsed - heapBefore;
  expect(replies.flat().filter((reply) => reply !== 'OK')).toEqual([]);
  return { writesPerSecond: (CLIENTS * WRITES_PER_CLIENT) / seconds, heapGrowthBytes };
}

function describePhases(name: string, phases: readonly Phase[]): string {
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return describePhase(name, {
    writesPerSecond: mean(phases.map((p) => p.writesPerSecond)),
    heapGrowthBytes: Math.max(...phases.map((p) => p.heapGrowthBytes)),
  });
}

function describePhase(name: string, phase: Phase): string {
  return `${name}: ${phase.writesPerSecond.toFixed(0)} writes/s, heap +${(phase.heapGrowthBytes / 1024 / 1024).toFixed(1)} MB`;
}

it('lets 64 writing clients finish with a view subscribed or an SSE client reading, with bounded memory', async () => {
  await writePhase('warmup');
  const phases: Record<'alone' | 'viewed' | 'streamed', Phase[]> = { alone: [], viewed: [], streamed: [] };
  let viewEvents = 0;
  let streamEvents = 0;
  // Interleaved rounds, so that a burst of load from elsewhere on the machine hits every condition alike.
  for (let round = 0; round < ROUNDS; round++) {
    phases.alone.push(await writePhase(`alone-${round}`));

    const unsubscribe = cluster.host.onEvents((batch) => {
      viewEvents += batch.length;
    });
    phases.viewed.push(await writePhase(`viewed-${round}`));
    unsubscribe();

    const reader = await openEventStream(`${base}${EVENTS_PATH}?token=${TOKEN}`);
    phases.streamed.push(await writePhase(`streamed-${round}`));
    reader.close();
    streamEvents += reader.batches.reduce((n, batch) => n + batch.events.length, 0);
    await waitFor('the server to let go of the stream', () => server.eventClients === 0);
  }
  const { droppedEvents } = await cluster.host.state();

  console.log(
    [
      `${CLIENTS} clients x ${WRITES_PER_CLIENT} SETs on a 3-node in-memory group, mean of ${ROUNDS} interleaved rounds:`,
      describePhases('  no view', phases.alone),
      `${describePhases('  host.onEvents view', phases.viewed)} (${viewEvents} events)`,
      `${describePhases('  SSE client reading', phases.streamed)} (${streamEvents} events)`,
      `  state().droppedEvents ${droppedEvents}`,
    ].join('\n'),
  );
  expect(viewEvents).toBeGreaterThan(0);
  expect(streamEvents).toBeGreaterThan(0);
  expect(droppedEvents).toBeTypeOf('number');
  for (const phase of [...phases.viewed, ...phases.streamed]) {
    expect(phase.heapGrowthBytes).toBeLessThan(HEAP_GROWTH_LIMIT_BYTES);
  }
});

it('drops and counts in droppedEvents what a stalled SSE client cannot take, instead of queueing it', async () => {
  const stalled = await openEventStream(`${base}${EVENTS_PATH}?token=${TOKEN}`);
  stalled.pause();
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const droppedBefore = (await cluster.host.state()).droppedEvents;
  const serverDroppedBefore = server.droppedEvents;
  // Each request event names its key: 64 KiB keys fill the socket and the kernel buffers fast.
  const bigKey = 'k'.repeat(64 * 1024);
  let requests = 0;
  await waitFor(
    'the server to drop batches for the stalled client',
    async () => {
      await Promise.all(Array.from({ length: 16 }, () => cluster.host.kv({ op: 'GET', key: bigKey })));
      requests += 16;
      return server.droppedEvents > serverDroppedBefore;
    },
    30_000,
  );
  const writes = await writePhase('stalled');
  collectGarbage();
  const heapGrowthBytes = process.memoryUsage().heapUsed - heapBefore;
  const droppedAfter = (await cluster.host.state()).droppedEvents;
  stalled.close();
  console.log(
    `stalled SSE client: ${requests} 64 KiB-key requests to fill it, then ${describePhase('writes', writes)}; ` +
      `heap growth overall ${(heapGrowthBytes / 1024 / 1024).toFixed(1)} MB; droppedEvents ${droppedBefore} -> ${droppedAfter}`,
  );
  expect(heapGrowthBytes).toBeLessThan(HEAP_GROWTH_LIMIT_BYTES);
  expect(droppedAfter - droppedBefore).toBeGreaterThan(0);
  expect(droppedAfter - droppedBefore).toBe(server.droppedEvents - serverDroppedBefore);
  await waitFor('the server to let go of the stalled stream', () => server.eventClients === 0);
});
