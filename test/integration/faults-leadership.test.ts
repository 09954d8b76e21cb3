// Moving leadership on purpose: stepDown hands it to an up-to-date follower without losing a write,
// and forceTimeout makes one node campaign now, which PreVote and CheckQuorum keep from disturbing
// a healthy leader.
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterEvent } from '../../src/shared/api';
import { connect, startCluster, type TestCluster, text, waitFor, waitForLeaders } from './support/cluster';
import {
  leaderOf,
  maxTerm,
  membersOf,
  messageEvents,
  nodeOf,
  recordEvents,
  valueFor,
  waitForOneLog,
} from './support/observe';
import { startWriters } from './support/writers';

/** Several election timeouts of watching a group that must stay as it is. */
const WATCH_MS = 1000;

let cluster: TestCluster | null = null;
afterEach(async () => {
  await cluster?.close();
  cluster = null;
});

function becameRole(events: readonly ClusterEvent[], node: string, role: string): boolean {
  return events.some((e) => e.type === 'role' && e.node === node && e.role === role);
}

describe('stepDown', () => {
  it('moves leadership to another node while clients write, and loses no acknowledged write', async () => {
    cluster = await startCluster(1, 3);
    const { host } = cluster;
    const ids = cluster.partitions[0]!;
    const before = await waitForLeaders(host);
    const leader = leaderOf(before)!.id;
    const writers = startWriters(ids, ids, 'transfer');
    await waitFor('some acknowledged writes', () => writers.acknowledged.length >= 30);

    await host.stepDown(leader);
    const after = await waitFor('leadership to move', async () => {
      const state = await host.state();
      const next = leaderOf(state);
      return next !== null && next.id !== leader ? state : null;
    });
    const target = writers.acknowledged.length + 30;
    await waitFor('more acknowledged writes under the new leader', () => writers.acknowledged.length >= target);
    const keys = await writers.stop();
    expect(maxTerm(after)).toBeGreaterThan(maxTerm(before));

    await waitForOneLog(host);
    const clients = await Promise.all(ids.map((id) => connect(id)));
    for (const [i, key] of keys.entries()) {
      expect(text(await clients[i % clients.length]!.command('GET', key)), key).toBe(valueFor(key));
    }
    for (const client of clients) client.close();
  });

  it('hands leadership to a follower that is pre-campaigning when the TimeoutNow reaches it', async () => {
    cluster = await startCluster(1, 3);
    const { host } = cluster;
    await waitForLeaders(host);
    const before = await waitForOneLog(host);
    const leader = leaderOf(before)!.id;
    // Every follower is as up to date, so the leader picks the first in configuration order.
    const target = cluster.partitions[0]!.find((id) => id !== leader)!;
    // Paused, nothing is delivered: the target is still a pre-candidate when the TimeoutNow arrives.
    await host.setClock({ paused: true });
    // A heartbeat already on the wire when the clock paused may still land and turn the target back
    // into a follower; forcing the timeout again once the wire is quiet makes it stick.
    await waitFor('the target to pre-campaign', async () => {
      if (nodeOf(await host.state(), target).role !== 'precandidate') await host.forceTimeout(target);
      return nodeOf(await host.state(), target).role === 'precandidate';
    });
    await host.stepDown(leader);
    await host.setClock({ paused: false });
    const after = await waitFor(
      'leadership to move to the target',
      async () => {
        const state = await host.state();
        return leaderOf(state)?.id === target ? state : null;
      },
      3000,
    );
    expect(maxTerm(after)).toBe(maxTerm(before) + 1);
  });

  it('refuses a follower with a 409 naming it', async () => {
    cluster = await startCluster(1, 3);
    const { host } = cluster;
    const state = await waitForLeaders(host);
    const follower = membersOf(state).find((n) => n.role === 'follower')!.id;
    await expect(host.stepDown(follower)).rejects.toMatchObject({
      status: 409,
      message: `${follower} is not a leader`,
    });
  });
});

describe('forceTimeout', () => {
  it('with PreVote and CheckQuorum on, makes a follower pre-campaign without disturbing the leader or the term', async () => {
    cluster = await startCluster(1, 3);
    const { host } = cluster;
    const before = await waitForLeaders(host);
    const leader = leaderOf(before)!.id;
    const follower = membersOf(before).find((n) => n.id !== leader)!.id;
    const recorder = recordEvents(host);
    await host.forceTimeout(follower);
    // Its PreVote requests always go out; the pre-candidate role itself may last less than one
    // Ready (a heartbeat ends it) and then never shows as a role event.
    await waitFor('the follower to ask for pre-votes', () =>
      messageEvents(recorder.events).some((e) => e.type === 'send' && e.kind === 'PreVote' && e.from === follower),
    );
    const watchEnd = performance.now() + WATCH_MS;
    while (performance.now() < watchEnd) {
      const state = await host.state();
      expect(leaderOf(state)?.id).toBe(leader);
      expect(maxTerm(state)).toBe(maxTerm(before));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    recorder.stop();
    expect(becameRole(recorder.events, follower, 'candidate')).toBe(false);
    expect(nodeOf(await host.state(), follower).role).toBe('follower');
  });

  it('with PreVote and CheckQuorum off, makes an up-to-date follower campaign and win', async () => {
    cluster = await startCluster(1, 3);
    const { host } = cluster;
    await host.setRaftOptions({ preVote: false, checkQuorum: false });
    expect((await host.state()).raft).toEqual({ preVote: false, checkQuorum: false });
    await waitForLeaders(host);
    // Up to date: the leader's entries reached every follower, so any of them can win a vote.
    const before = await waitForOneLog(host);
    const leader = leaderOf(before)!.id;
    const follower = membersOf(before).find((n) => n.id !== leader)!.id;
    await host.forceTimeout(follower);
    const after = await waitFor('the follower to lead', async () => {
      const state = await host.state();
      return leaderOf(state)?.id === follower ? state : null;
    });
    expect(nodeOf(after, follower).term).toBe(maxTerm(before) + 1);
  });
});
