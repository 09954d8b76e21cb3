// Added latency and loss on every link: Raft retransmits what is lost, so commits get slower but
// never stop, and every acknowledged write is there afterwards.
import { afterEach, expect, it } from 'vitest';
import { connect, startCluster, type TestCluster, text, waitForLeaders } from './support/cluster';
import { leaderOf, messageEvents, recordEvents, valueFor } from './support/observe';

const WRITES = 20;

let cluster: TestCluster | null = null;
afterEach(async () => {
  await cluster?.close();
  cluster = null;
});

async function meanWriteMs(client: Awaited<ReturnType<typeof connect>>, prefix: string): Promise<number> {
  let totalMs = 0;
  for (let i = 0; i < WRITES; i++) {
    const key = `${prefix}-${i}`;
    const started = performance.now();
    expect(text(await client.command('SET', key, valueFor(key)))).toBe('OK');
    totalMs += performance.now() - started;
  }
  return totalMs / WRITES;
}

it('latency and loss slow commits down but every write still commits', async () => {
  cluster = await startCluster(1, 3);
  const { host } = cluster;
  const leader = leaderOf(await waitForLeaders(host))!.id;
  const client = await connect(leader);
  const cleanMs = await meanWriteMs(client, 'clean');

  const recorder = recordEvents(host);
  await host.setNetwork({ latencyMs: [20, 40], dropRate: 0.2 });
  expect((await host.state()).network).toEqual({ latencyMs: [20, 40], dropRate: 0.2 });
  const faultyMs = await meanWriteMs(client, 'faulty');
  recorder.stop();
  console.log(
    `mean SET latency: clean ${cleanMs.toFixed(1)} ms, with 20-40 ms latency and 20% loss ${faultyMs.toFixed(1)} ms`,
  );
  expect(faultyMs).toBeGreaterThan(cleanMs);
  const losses = messageEvents(recorder.events).filter((e) => e.type === 'drop' && e.reason === 'loss');
  expect(losses.length).toBeGreaterThan(0);

  await host.setNetwork({ latencyMs: [0, 0], dropRate: 0 });
  const reader = await connect(cluster.partitions[0]!.find((id) => id !== leader)!);
  for (const prefix of ['clean', 'faulty']) {
    for (let i = 0; i < WRITES; i++) {
      expect(text(await reader.command('GET', `${prefix}-${i}`))).toBe(valueFor(`${prefix}-${i}`));
    }
  }
  client.close();
  reader.close();
});
