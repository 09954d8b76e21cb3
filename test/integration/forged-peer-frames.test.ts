// Forged peer frames sent over TCP to real nodes (issue 10 items 1 and 4, issue 11 item 3). A
// frame that is bad input is refused before any state changes: the node keeps its term and log,
// counts the refusal, and keeps serving. A frame that reveals a broken invariant (two leaders in
// one term) stops that node, shown dead with the reason, and the others go on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterEvent, NodeView } from '../../src/shared/api';
import type { Message, NodeId } from '../../src/shared/raft/types';
import { connect, startCluster, type TestCluster, text, waitFor, waitForLeaders } from './support/cluster';
import { FORGE_SECRET, sendForgedFrames } from './support/forge';

let cluster: TestCluster;
const events: ClusterEvent[] = [];

beforeAll(async () => {
  // Real files: a term that got in would be on disk, and survive the restart below.
  // The cluster's secret is one the forger holds: these frames come from a member gone bad.
  cluster = await startCluster(1, 3, { secret: FORGE_SECRET });
  cluster.host.onEvents((batch) => events.push(...batch));
  await waitForLeaders(cluster.host, 20_000);
}, 40_000);

afterAll(async () => {
  await cluster?.close();
});

async function view(id: NodeId): Promise<NodeView> {
  return (await cluster.host.state()).nodes.find((node) => node.id === id)!;
}

/** The node's count of refused peer messages, from INFO (0 when the field is absent). */
async function refusedCount(id: NodeId): Promise<number> {
  const client = await connect(id);
  try {
    const info = text(await client.command('INFO')) ?? '';
    return Number(/refused_messages:(\d+)/.exec(info)?.[1] ?? 0);
  } finally {
    client.close();
  }
}

/** Waits until `id` has dealt with the forged frames: it refused them, or its term moved. */
async function handled(id: NodeId, refusedBefore: number, termBefore: number): Promise<void> {
  await waitFor(`${id} to handle the forged frames`, async () => {
    if ((await view(id)).term !== termBefore) return true;
    return (await refusedCount(id)) > refusedBefore ? true : null;
  });
}

async function stillServes(via: NodeId, key: string): Promise<void> {
  const client = await connect(via);
  try {
    expect(text(await client.command('SET', key, 'served'))).toBe('OK');
    expect(text(await client.command('GET', key))).toBe('served');
  } finally {
    client.close();
  }
}

async function leaderAndFollower(): Promise<{ leader: NodeId; follower: NodeId; other: NodeId; term: number }> {
  const state = await waitForLeaders(cluster.host, 20_000);
  const leader = state.groups[0]!.leader!;
  const [follower, other] = cluster.partitions[0]!.filter(
    (id) => id !== leader && (state.nodes.find((n) => n.id === id)?.alive ?? false),
  );
  const term = state.nodes.find((n) => n.id === leader)!.term;
  return { leader, follower: follower!, other: other!, term };
}

describe('forged peer frames on a real node', () => {
  it('a heartbeat with term 2^53 - 1 is refused: the term stays, also after a restart, and the node serves', async () => {
    const { leader, follower, term } = await leaderAndFollower();
    const before = await view(follower);
    const refusedBefore = await refusedCount(follower);
    const forged: Message = { type: 'Heartbeat', from: leader, to: follower, term: 2 ** 53 - 1, commit: 0, context: 0 };
    await sendForgedFrames(cluster.partitions, leader, follower, [forged]);
    await handled(follower, refusedBefore, before.term);

    expect((await view(follower)).term).toBe(term);
    expect(await refusedCount(follower)).toBe(refusedBefore + 1);
    await stillServes(follower, 'after-huge-term');

    // What the node has on disk holds no such term either.
    await cluster.host.kill(follower);
    await cluster.host.restart(follower);
    expect((await view(follower)).term).toBeLessThan(2 ** 48);
    await waitForLeaders(cluster.host, 20_000);
    await stillServes(follower, 'after-huge-term-restart');
  }, 60_000);

  it('an App at term 999999 with non-consecutive entries is refused: term and log unchanged', async () => {
    const { leader, follower } = await leaderAndFollower();
    const before = await view(follower);
    const refusedBefore = await refusedCount(follower);
    const last = before.lastLogIndex;
    const lastTerm = before.log[before.log.length - 1]?.term ?? 0;
    const data = new TextEncoder().encode('forged');
    const forged: Message = {
      type: 'App',
      from: leader,
      to: follower,
      term: 999_999,
      prevLogIndex: last,
      prevLogTerm: lastTerm,
      commit: last + 3,
      entries: [
        { index: last + 1, term: 999_999, type: 'normal', data },
        { index: last + 3, term: 999_999, type: 'normal', data },
      ],
    };
    await sendForgedFrames(cluster.partitions, leader, follower, [forged]);
    await handled(follower, refusedBefore, before.term);

    const after = await view(follower);
    expect(after.term).toBe(before.term);
    expect(after.log.filter((entry) => entry.index <= last)).toEqual(before.log);
    expect(after.log.every((entry) => entry.term < 999_999)).toBe(true);
    await stillServes(follower, 'after-forged-app');
  }, 60_000);

  it('an App from a second leader of the same term stops the leader, shown dead with the reason; the others go on', async () => {
    const { leader, follower, term } = await leaderAndFollower();
    const forged: Message = {
      type: 'App',
      from: follower,
      to: leader,
      term,
      prevLogIndex: 0,
      prevLogTerm: 0,
      commit: 0,
      entries: [],
    };
    await sendForgedFrames(cluster.partitions, follower, leader, [forged]);

    const dead = await waitFor('the leader to stop itself', async () => {
      const node = await view(leader);
      return node.alive ? null : node;
    });
    expect(dead.failure).toMatch(/^broken invariant: .*two leaders in term/);
    // Events reach views in batches: wait for the one that says why.
    await waitFor('the fault event with the reason', () =>
      events.some(
        (e) =>
          e.type === 'fault' && e.action === 'kill' && e.node === leader && /broken invariant/.test(e.detail ?? ''),
      ),
    );

    // The other two elect a leader among themselves and serve.
    const state = await waitForLeaders(cluster.host, 20_000);
    expect(state.groups[0]!.leader).not.toBe(leader);
    await stillServes(follower, 'after-fail-stop');

    // Restarted, the node rejoins from its data folder.
    await cluster.host.restart(leader);
    expect((await view(leader)).failure).toBeUndefined();
  }, 60_000);
});
