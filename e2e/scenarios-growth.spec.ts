// The scenarios of a growing cluster (issue 15 item 2, after issues 12 and 13): a snapshot
// install, adding a node, keys moving to a new group. Each is started from the dashboard's menu
// and stepped with Next on a real headless host (`raftlab cluster`, lesson mode); each test checks
// from the host's own event history and state that the situation really happened. Each prints
// its time to stage.
import type { ClusterState } from '../src/shared/api';
import type { HeadlessHost } from './fixtures/headless-host';
import { expect, test } from './fixtures/test';
import { expectEveryGroupLed } from './flows/elections';
import { runScenarioFromUi } from './flows/scenarios';
import type { DashboardPage } from './pages/dashboard-page';
import type { ClusterProbe } from './support/cluster-probe';
import { indexOfFault } from './support/event-facts';
import { type EventHistory, openEventHistory } from './support/event-history';

let history: EventHistory | null = null;

// These scenarios write hundreds of entries or start new nodes: slower than the election lessons.
test.setTimeout(180_000);

test.afterEach(() => {
  history?.close();
  history = null;
});

async function stage(dashboard: DashboardPage, probe: ClusterProbe, host: HeadlessHost, title: string) {
  await expectEveryGroupLed(dashboard, probe);
  history = await openEventHistory(host);
  const before = await probe.state();
  const started = Date.now();
  const status = await runScenarioFromUi(dashboard, host, title, 150_000);
  console.log(
    `time to stage '${title}': ${status.seconds} s (wall, with the clicks: ${(Date.now() - started) / 1000} s)`,
  );
  return { events: history.events, before, after: await host.api<ClusterState>('GET', '/api/state') };
}

test('snapshot install: the follower that was cut off installs a leader snapshot, then catches up', async ({
  dashboard,
  probe,
  host,
}) => {
  const { events, before, after } = await stage(dashboard, probe, host, 'Snapshot install');
  const cut = indexOfFault(events, 'partition');
  const follower = (events[cut] as { detail?: string }).detail!.split(' | ')[0]!;
  expect(before.groups[0]!.members).toContain(follower);
  expect(follower).not.toBe(before.groups[0]!.leader);
  const restarted = indexOfFault(events, 'heal', cut);
  // The leader compacted while the follower was down, and sent it a snapshot after it came back.
  const taken = events
    .slice(cut, restarted)
    .filter((e) => e.type === 'snapshot' && e.phase === 'taken' && e.node !== follower);
  expect(taken.length).toBeGreaterThan(0);
  const installed = events
    .slice(restarted)
    .find((e) => e.type === 'snapshot' && e.phase === 'installed' && e.node === follower);
  expect(installed).toBeDefined();
  if (installed?.type !== 'snapshot') throw new Error('unreachable');
  expect(installed.index).toBeGreaterThan(0);
  expect(
    events.slice(restarted).some((e) => e.type === 'send' && e.kind === 'Snap' && e.to === follower),
    'a Snap message to the follower',
  ).toBe(true);
  const view = after.nodes.find((n) => n.id === follower)!;
  const leader = after.nodes.find((n) => n.id === after.groups[0]!.leader)!;
  expect(view.snapshotIndex).toBeGreaterThan(0);
  expect(view.commitIndex).toBeGreaterThanOrEqual(installed.index);
  expect(view.lastLogIndex).toBeGreaterThanOrEqual(leader.snapshotIndex);
});

test('adding a node: it joins as a learner, is promoted, and is a voter of group 0', async ({
  dashboard,
  probe,
  host,
}) => {
  const { events, before, after } = await stage(dashboard, probe, host, 'Adding a node');
  const added = after.groups[0]!.members.filter((id) => !before.groups[0]!.members.includes(id));
  expect(added).toHaveLength(1);
  const newNode = added[0]!;
  const membership = events.flatMap((e) =>
    e.type === 'membership' && e.change.node === newNode ? [`${e.phase} ${e.change.type}`] : [],
  );
  const learner = membership.indexOf('committed addLearner');
  const promoted = membership.indexOf('committed promote');
  expect(learner).toBeGreaterThanOrEqual(0);
  expect(promoted).toBeGreaterThan(learner);
  expect(after.groups[0]!.learners).not.toContain(newNode);
  expect(after.nodes.find((n) => n.id === newNode)).toMatchObject({ alive: true, learner: false, group: 0 });
  const read = await host.api<{ ok: boolean; value: string }>('POST', '/api/kv', {
    op: 'GET',
    key: 'lesson-join',
    via: newNode,
  });
  expect(read).toMatchObject({ ok: true, value: 'written-before' });
});

test('keys moving to a new group: the ring grows, every move is done, and no key is lost', async ({
  dashboard,
  probe,
  host,
}) => {
  const { events, before, after } = await stage(dashboard, probe, host, 'Keys moving to a new group');
  expect(after.ring.version ?? 1).toBeGreaterThan(before.ring.version ?? 1);
  const moves = after.ring.moves ?? [];
  expect(moves.length).toBeGreaterThan(0);
  for (const move of moves) {
    expect(move.done).toBe(true);
    expect(move.keysMoved).toBe(move.keysTotal);
  }
  expect(moves.reduce((sum, m) => sum + m.keysTotal, 0)).toBeGreaterThan(0);
  const newGroup = Math.max(...after.ring.tokens.map((t) => t.group));
  expect(newGroup).toBeGreaterThan(Math.max(...before.ring.tokens.map((t) => t.group)));
  expect(events.some((e) => e.type === 'migrate' && e.phase === 'done' && e.to === newGroup)).toBe(true);
  for (let k = 0; k < 60; k++) {
    const read = await host.api<{ ok: boolean; value: string }>('POST', '/api/kv', {
      op: 'GET',
      key: `lesson-ring-${k}`,
    });
    expect(read, `lesson-ring-${k}`).toMatchObject({ ok: true, value: `v${k}` });
  }
});
