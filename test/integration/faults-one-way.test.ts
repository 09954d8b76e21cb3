// A link cut one way, from the leader to one follower: the follower hears nothing, but everything
// it says still arrives. PreVote with CheckQuorum is what keeps such a node from disrupting the
// group (Ongaro's thesis §9.6 and §4.2.3); without them it deposes the leader.
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterEvent } from '../../src/shared/api';
import { connect, startCluster, type TestCluster, text, waitFor, waitForLeaders } from './support/cluster';
import { leaderOf, maxTerm, membersOf, nodeOf, recordEvents, waitForOneLog } from './support/observe';

/** How long a stable group is watched: about seven to thirteen election timeouts. */
const WATCH_MS = 2000;

let cluster: TestCluster | null = null;
afterEach(async () => {
  await cluster?.close();
  cluster = null;
});

function roleChanges(events: readonly ClusterEvent[], node: string, role: string): number {
  return events.filter((e) => e.type === 'role' && e.node === node && e.role === role).length;
}

describe('a one-way cut from the leader to one follower', () => {
  it('with PreVote and CheckQuorum on, leaves the leader in place and the term unchanged', async () => {
    cluster = await startCluster(1, 3);
    const { host } = cluster;
    await host.setRaftOptions({ preVote: true, checkQuorum: true });
    const before = await waitForLeaders(host);
    const leader = leaderOf(before)!.id;
    const cutFollower = membersOf(before).find((n) => n.id !== leader)!.id;
    const termBefore = maxTerm(before);

    const recorder = recordEvents(host);
    await host.setLink({ a: leader, b: cutFollower, cut: true, oneWay: true });
    // The cut follower's timer must run out at least once for the watch to mean anything.
    await waitFor(
      'the cut follower to start a pre-vote',
      () => roleChanges(recorder.events, cutFollower, 'precandidate') > 0,
    );
    const watchEnd = performance.now() + WATCH_MS;
    while (performance.now() < watchEnd) {
      const state = await host.state();
      expect(leaderOf(state)?.id).toBe(leader);
      expect(maxTerm(state)).toBe(termBefore);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    recorder.stop();
    expect(roleChanges(recorder.events, leader, 'follower')).toBe(0);
    expect(roleChanges(recorder.events, cutFollower, 'candidate')).toBe(0);
    // A node may report the term it learned before the watch began; none may report a newer one.
    expect(recorder.events.filter((e) => e.type === 'term' && e.term > termBefore)).toEqual([]);
    expect((await host.state()).links).toEqual([{ a: leader, b: cutFollower, oneWay: true }]);
  });

  it('with PreVote and CheckQuorum off, lets the cut follower raise the term and depose the leader', async () => {
    cluster = await startCluster(1, 3);
    const { host } = cluster;
    await host.setRaftOptions({ preVote: false, checkQuorum: false });
    await waitForLeaders(host);
    const before = await waitForOneLog(host);
    const leader = leaderOf(before)!.id;
    const cutFollower = membersOf(before).find((n) => n.id !== leader)!.id;
    const termBefore = maxTerm(before);

    const recorder = recordEvents(host);
    await host.setLink({ a: leader, b: cutFollower, cut: true, oneWay: true });
    await waitFor('the old leader to be deposed', () => roleChanges(recorder.events, leader, 'follower') > 0, 5000);
    const after = await waitForLeaders(host);
    recorder.stop();
    expect(roleChanges(recorder.events, cutFollower, 'candidate')).toBeGreaterThan(0);
    expect(maxTerm(after)).toBeGreaterThan(termBefore);
    expect(nodeOf(after, leader).term).toBeGreaterThan(termBefore);
    // Who leads next depends on timing: usually the cut follower, whose log is as current as any
    // and who needs none of the old leader's messages; the third node when a slow disk delays that.
    console.log(
      `one-way cut, PreVote/CheckQuorum off, cut follower current: term ${termBefore} -> ${maxTerm(after)}, ` +
        `now led by ${leaderOf(after)?.id === cutFollower ? 'the cut follower' : leaderOf(after)?.id === leader ? 'the old leader' : 'the third node'}`,
    );
  });

  it('with PreVote and CheckQuorum off, lets a cut follower that missed writes depose the leader without ever leading', async () => {
    cluster = await startCluster(1, 3);
    const { host } = cluster;
    await host.setRaftOptions({ preVote: false, checkQuorum: false });
    const before = await waitForLeaders(host);
    const leader = leaderOf(before)!.id;
    const cutFollower = membersOf(before).find((n) => n.id !== leader)!.id;
    const termBefore = maxTerm(before);
    const client = await connect(leader);

    const recorder = recordEvents(host);
    await host.setLink({ a: leader, b: cutFollower, cut: true, oneWay: true });
    // Sent at once: the leader has it in its log long before the cut follower's timer runs out.
    expect(text(await client.command('SET', 'missed', 'by the cut follower'))).toBe('OK');
    await waitFor('the old leader to be deposed', () => roleChanges(recorder.events, leader, 'follower') > 0, 5000);
    const watchEnd = performance.now() + WATCH_MS;
    while (performance.now() < watchEnd) {
      expect(nodeOf(await host.state(), cutFollower).role).not.toBe('leader');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const after = await waitForLeaders(host);
    recorder.stop();
    client.close();
    const campaigns = roleChanges(recorder.events, cutFollower, 'candidate');
    expect(campaigns).toBeGreaterThan(0);
    expect(roleChanges(recorder.events, cutFollower, 'leader')).toBe(0);
    expect(leaderOf(after)?.id).not.toBe(cutFollower);
    expect(maxTerm(after)).toBeGreaterThan(termBefore);
    console.log(
      `one-way cut, PreVote/CheckQuorum off, cut follower behind: term ${termBefore} -> ${maxTerm(after)}, ` +
        `the cut follower campaigned ${campaigns} time(s), the old leader was deposed ` +
        `${roleChanges(recorder.events, leader, 'follower')} time(s), leader now ${leaderOf(after)?.id === leader ? 'the old leader' : 'the third node'}`,
    );
  });
});
