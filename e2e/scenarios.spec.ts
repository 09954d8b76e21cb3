// Every guided scenario, started from the dashboard's menu and stepped with Next, on a real
// 3-node headless host. Each test checks that the situation really happened, from the host's own
// event history and state, not that the script ran. Each prints its time to stage.
import type { ClusterEvent, ClusterState } from '../src/shared/api';
import type { HeadlessHost } from './fixtures/headless-host';
import { expect, test } from './fixtures/test';
import { expectEveryGroupLed } from './flows/elections';
import { runScenarioFromUi } from './flows/scenarios';
import type { DashboardPage } from './pages/dashboard-page';
import type { ClusterProbe } from './support/cluster-probe';
import { commands, indexOfFault, roleEvents, splitTerms } from './support/event-facts';
import { type EventHistory, openEventHistory } from './support/event-history';

let history: EventHistory | null = null;

test.afterEach(() => {
  history?.close();
  history = null;
});

/** Opens the event history, waits for a settled cluster, runs the scenario from the UI. */
async function stage(dashboard: DashboardPage, probe: ClusterProbe, host: HeadlessHost, title: string) {
  await expectEveryGroupLed(dashboard, probe);
  history = await openEventHistory(host);
  const before = await probe.state();
  const status = await runScenarioFromUi(dashboard, host, title);
  console.log(`time to stage '${title}': ${status.seconds} s`);
  return { events: history.events, before, after: await probe.state() };
}

/** The term of entry `index` in an append batch: its term run when the batch spans terms. */
function termAt(event: Extract<ClusterEvent, { type: 'append' }>, index: number): number {
  const run = (event.runs ?? []).filter(([start]) => start <= index).at(-1);
  return run ? run[1] : event.term;
}

function node(state: ClusterState, id: string) {
  const found = state.nodes.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no node ${id}`);
  return found;
}

test('leader election: every node restarts, one becomes candidate in a new term and wins with a majority of votes', async ({
  dashboard,
  probe,
  host,
}) => {
  const { events, before } = await stage(dashboard, probe, host, 'Leader election');
  const startTerm = Math.max(...before.nodes.map((n) => n.term));
  const kills = events
    .filter((e) => e.type === 'fault' && e.action === 'kill')
    .map((e) => (e as { node?: string }).node);
  expect(new Set(kills)).toEqual(new Set(before.groups[0]!.members));
  const restarted = indexOfFault(events, 'restart');
  const leader = roleEvents(events, restarted).find((e) => e.role === 'leader' && e.term > startTerm);
  expect(leader).toBeDefined();
  const candidacy = roleEvents(events, restarted).find((e) => e.role === 'candidate' && e.node === leader!.node);
  expect(candidacy?.term).toBe(leader!.term);
  const votes = events.filter((e) => e.type === 'vote' && e.term === leader!.term && e.votedFor === leader!.node);
  expect(new Set(votes.map((e) => (e as { node: string }).node)).size).toBeGreaterThanOrEqual(2);
});

test('leader crash: the leader is killed, another wins a later term, and the old one returns as a follower', async ({
  dashboard,
  probe,
  host,
}) => {
  const { events, before, after } = await stage(dashboard, probe, host, 'Leader crash');
  const oldLeader = before.groups[0]!.leader!;
  const oldTerm = node(before, oldLeader).term;
  const killed = indexOfFault(events, 'kill');
  expect(events[killed]).toMatchObject({ node: oldLeader });
  const restarted = indexOfFault(events, 'restart', killed);
  const newLeader = roleEvents(events, killed, restarted).find((e) => e.role === 'leader');
  expect(newLeader?.node).not.toBe(oldLeader);
  expect(newLeader!.term).toBeGreaterThan(oldTerm);
  expect(node(after, oldLeader)).toMatchObject({ alive: true });
  // Back up, it may first time out (a pre-vote the others refuse) before it hears the leader: wait
  // until it follows, at the new leader's term or later.
  await expect
    .poll(async () => {
      const now = node(await probe.state(), oldLeader);
      return now.role === 'follower' && now.term >= newLeader!.term;
    })
    .toBe(true);
});

test('split vote: two or more candidates in one term, then a leader in a later term', async ({
  dashboard,
  probe,
  host,
}) => {
  const { events, before } = await stage(dashboard, probe, host, 'Split vote');
  const oldTerm = Math.max(...before.nodes.map((n) => n.term));
  const splits = [...splitTerms(events).keys()].filter((term) => term > oldTerm);
  expect(splits.length).toBeGreaterThan(0);
  const splitTerm = Math.min(...splits);
  // Nobody led the split term; a later term has a leader.
  const leaders = roleEvents(events).filter((e) => e.role === 'leader');
  expect(leaders.filter((e) => e.term === splitTerm)).toEqual([]);
  expect(leaders.some((e) => e.term > splitTerm)).toBe(true);
});

test('minority partition: the cut-off leader cannot complete a write, the majority elects and writes, the heal reunites them', async ({
  dashboard,
  probe,
  host,
}) => {
  const { events, before, after } = await stage(dashboard, probe, host, 'Minority partition and a stale leader');
  const oldLeader = before.groups[0]!.leader!;
  const cut = indexOfFault(events, 'partition');
  const healed = indexOfFault(events, 'heal', cut);
  const during = commands(events).filter((c) => c.position > cut && c.position < healed);
  expect(during.find((c) => c.via === oldLeader && c.op === 'SET')?.ok).toBe(false);
  expect(during.find((c) => c.via !== oldLeader && c.op === 'SET')?.ok).toBe(true);
  const elected = roleEvents(events, cut, healed).find((e) => e.role === 'leader');
  expect(elected?.node).not.toBe(oldLeader);
  expect(node(after, oldLeader).role).toBe('follower');
  const read = await host.api<{ ok: boolean; value: string }>('POST', '/api/kv', {
    op: 'GET',
    key: 'lesson-stale-write',
    via: oldLeader,
  });
  expect(read).toMatchObject({ ok: true, value: 'new-leader' });
});

test("log divergence: two leaders' logs differ at one index, and the heal overwrites the old leader's entry", async ({
  dashboard,
  probe,
  host,
}) => {
  const { events, before, after } = await stage(dashboard, probe, host, 'Log divergence and repair');
  const oldLeader = before.groups[0]!.leader!;
  const cut = indexOfFault(events, 'partition');
  const healed = indexOfFault(events, 'heal', cut);
  const index = node(before, oldLeader).lastLogIndex + 1;
  const appendsAt = (id: string, from: number, to: number) =>
    events
      .slice(from, to)
      // An append event names the last entry of the batch and how many it holds.
      .flatMap((e) =>
        e.type === 'append' && e.node === id && e.index - e.count < index && index <= e.index ? [termAt(e, index)] : [],
      );
  const oldTerms = appendsAt(oldLeader, cut, healed);
  const newLeader = after.groups[0]!.leader!;
  expect(newLeader).not.toBe(oldLeader);
  const newTerms = appendsAt(newLeader, cut, healed);
  expect(oldTerms.length).toBeGreaterThan(0);
  expect(newTerms.length).toBeGreaterThan(0);
  expect(oldTerms[0]).not.toBe(newTerms.at(-1));
  // After the heal the old leader holds the new leader's entry at that index.
  expect(appendsAt(oldLeader, healed, events.length)).toContain(newTerms.at(-1));
  const entryAt = (id: string) => node(after, id).log.find((entry) => entry.index === index)?.term;
  expect(entryAt(oldLeader)).toBe(entryAt(newLeader));
});

test('PreVote: off, a returning node disrupts the leader; on, it raises no term and disturbs nobody', async ({
  dashboard,
  probe,
  host,
}) => {
  const { events, before, after } = await stage(dashboard, probe, host, 'PreVote on and off');
  const firstTerm = node(before, before.groups[0]!.leader!).term;
  // Off: the cut-off follower's term climbs, and after the heal a later term elects a leader.
  const cutOff = indexOfFault(events, 'partition');
  const healOff = indexOfFault(events, 'heal', cutOff);
  const isolated = events[cutOff] as { detail?: string };
  const follower = isolated.detail!.split(' | ')[0]!;
  const climbed = events.slice(cutOff, healOff).filter((e) => e.type === 'term' && e.node === follower);
  expect(climbed.length).toBeGreaterThanOrEqual(2);
  const disrupted = roleEvents(events, healOff).find((e) => e.role === 'leader' && e.term > firstTerm);
  expect(disrupted).toBeDefined();
  // On: the second cut-off follower only rehearses; no term changes anywhere until the heal, and
  // the same leader leads the same term at the end.
  const cutOn = indexOfFault(events, 'partition', healOff);
  const healOn = indexOfFault(events, 'heal', cutOn);
  const follower2 = (events[cutOn] as { detail?: string }).detail!.split(' | ')[0]!;
  expect(
    events.slice(cutOn, healOn).some((e) => e.type === 'send' && e.kind === 'PreVote' && e.from === follower2),
  ).toBe(true);
  expect(events.slice(cutOn).filter((e) => e.type === 'term')).toEqual([]);
  expect(roleEvents(events, cutOn).filter((e) => e.role === 'leader')).toEqual([]);
  const leaderOn = roleEvents(events, 0, cutOn)
    .filter((e) => e.role === 'leader')
    .at(-1)!;
  expect(after.groups[0]!.leader).toBe(leaderOn.node);
  expect(node(after, leaderOn.node).term).toBe(leaderOn.term);
});

test('stale read: a leader cut off from the majority refuses a GET rather than answer an old value', async ({
  dashboard,
  probe,
  host,
}) => {
  const { events, before } = await stage(dashboard, probe, host, 'A stale read refused');
  const oldLeader = before.groups[0]!.leader!;
  const cut = indexOfFault(events, 'partition');
  const healed = indexOfFault(events, 'heal', cut);
  const all = commands(events).filter((c) => c.key === 'lesson-color');
  expect(all.find((c) => c.position < cut && c.op === 'SET')?.ok).toBe(true);
  const during = all.filter((c) => c.position > cut && c.position < healed);
  expect(during.find((c) => c.op === 'SET' && c.via !== oldLeader)?.ok).toBe(true);
  expect(during.find((c) => c.op === 'GET' && c.via === oldLeader)?.ok).toBe(false);
  const later = all.find((c) => c.position > healed && c.op === 'GET' && c.via === oldLeader);
  expect(later?.ok).toBe(true);
  const read = await host.api<{ value: string }>('POST', '/api/kv', { op: 'GET', key: 'lesson-color', via: oldLeader });
  expect(read.value).toBe('red');
});
