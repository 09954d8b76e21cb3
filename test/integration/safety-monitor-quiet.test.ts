// The live safety monitor raises no false alarm on a correct cluster that is having a bad day:
// writers keep writing while leaders are killed and restarted and the network is partitioned and
// healed, so the monitor sees elections, repairs of divergent logs, catch-up batches spanning
// several terms and recoveries from disk. Every light must stay green, and it must have watched
// real work (commits and applies) for that to mean anything.
import { afterEach, expect, it } from 'vitest';
import { parseRecording } from '../../src/shared/recording';
import { SAFETY_PROPERTIES } from '../../src/shared/safety';
import { startCluster, type TestCluster, waitFor, waitForLeaders } from './support/cluster';
import { startWriters } from './support/writers';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

it('stays green through kills, restarts from disk and partitions under writes', async () => {
  cluster = await startCluster(1, 5, { requestTimeoutMs: 1000 });
  const host = cluster.host;
  const ids = cluster.partitions[0]!;
  await waitForLeaders(host, 20_000);
  const writers = startWriters(ids.slice(0, 3), ids, 'quiet');
  for (let round = 0; round < 4; round++) {
    const leader = (await waitForLeaders(host, 20_000)).groups[0]!.leader!;
    await host.kill(leader);
    await waitForLeaders(host, 20_000);
    const minority = ids.filter((id) => id !== leader).slice(0, 1);
    await host.partition([minority, ids.filter((id) => !minority.includes(id))]);
    await waitFor('writes to go on', () => writers.acknowledged.length > 20 * (round + 1), 20_000);
    await host.restart(leader);
    await host.heal();
  }
  await writers.stop();
  const state = await waitForLeaders(host, 20_000);
  for (const property of SAFETY_PROPERTIES) expect(state.safety?.[property], property).toEqual({ ok: true });
  const events = parseRecording(await host.recording()).events;
  expect(events.filter((event) => event.type === 'apply').length).toBeGreaterThan(50);
  expect(events.some((event) => event.type === 'fault' && event.action === 'restart')).toBe(true);
}, 120_000);
