// Kill drops a node's memory and closes its sockets at once; restart brings it back from its data
// folder. Whatever was acknowledged with +OK was on a majority's disk, so it survives the leader's
// death, and even every node's.
import { afterEach, expect, it } from 'vitest';
import type { RespClient } from '../../src/main/net/resp-client';
import { connect, startCluster, type TestCluster, text, waitFor, waitForLeaders } from './support/cluster';
import { leaderOf, membersOf, valueFor, waitForLeaderAmong, waitForOneLog } from './support/observe';
import { startWriters } from './support/writers';

let cluster: TestCluster | null = null;
afterEach(async () => {
  await cluster?.close();
  cluster = null;
});

/** Reads every key back, each through a different node in turn. */
async function expectAllReadable(clients: readonly RespClient[], keys: readonly string[]): Promise<void> {
  for (const [i, key] of keys.entries()) {
    expect(text(await clients[i % clients.length]!.command('GET', key)), key).toBe(valueFor(key));
  }
}

/** Lets the writers run until `count` more writes were acknowledged. */
function acknowledgedMore(writers: { acknowledged: readonly string[] }, count: number): Promise<boolean> {
  const target = writers.acknowledged.length + count;
  return waitFor(`${count} more acknowledged writes`, () => writers.acknowledged.length >= target, 15_000);
}

it('keeps every acknowledged write when the leader is killed mid-stream and restarted', async () => {
  cluster = await startCluster(1, 5);
  const { host } = cluster;
  const ids = cluster.partitions[0]!;
  const leader = leaderOf(await waitForLeaders(host))!.id;
  const followers = ids.filter((id) => id !== leader);
  const writers = startWriters([leader, ...followers], ids, 'kill-leader');
  await acknowledgedMore(writers, 50);

  await host.kill(leader);
  expect((await host.state()).nodes.find((n) => n.id === leader)?.alive).toBe(false);
  const next = await waitForLeaderAmong(host, followers);
  expect(next.id).not.toBe(leader);
  await acknowledgedMore(writers, 50);
  await host.restart(leader);
  await acknowledgedMore(writers, 20);
  const keys = await writers.stop();
  await waitForOneLog(host);

  const clients = await Promise.all([leader, ...followers].map((id) => connect(id)));
  await expectAllReadable(clients, keys);
  console.log(`leader killed mid-stream: ${keys.length} writes acknowledged, ${writers.failed} of unknown outcome`);
  for (const client of clients) client.close();
});

it('keeps every acknowledged write when every node is killed at once and all restart from disk', async () => {
  cluster = await startCluster(1, 3);
  const { host } = cluster;
  const ids = cluster.partitions[0]!;
  await waitForLeaders(host);
  const writers = startWriters(ids, ids, 'kill-all');
  await acknowledgedMore(writers, 60);

  await Promise.all(ids.map((id) => host.kill(id)));
  const keys = await writers.stop();
  const dead = await host.state();
  expect(membersOf(dead).map((n) => n.alive)).toEqual(ids.map(() => false));

  for (const id of ids) await host.restart(id);
  await waitForLeaders(host);
  const clients = await Promise.all(ids.map((id) => connect(id)));
  await expectAllReadable(clients, keys);
  // Restarted nodes replay their logs: every acknowledged write is applied again on every node.
  await waitForOneLog(host);
  console.log(`every node killed mid-stream: ${keys.length} writes acknowledged, ${writers.failed} of unknown outcome`);
  for (const client of clients) client.close();
});

it('answers a kill or restart of an unknown or wrong-state node with a clear error and leaves the cluster alone', async () => {
  cluster = await startCluster(1, 3);
  const { host } = cluster;
  const leader = leaderOf(await waitForLeaders(host))!.id;
  await expect(host.kill('127.0.0.1:1')).rejects.toMatchObject({ name: 'ApiError', status: 404 });
  await expect(host.restart(leader)).rejects.toMatchObject({ name: 'ApiError', status: 409 });
  await host.kill(leader);
  await expect(host.kill(leader)).rejects.toMatchObject({ name: 'ApiError', status: 409 });
  await host.restart(leader);
  await waitFor('the restarted node to rejoin', async () => {
    const state = await host.state();
    return membersOf(state).every((n) => n.alive) && leaderOf(state) !== null;
  });
});
