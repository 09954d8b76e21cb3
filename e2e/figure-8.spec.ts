// Figure 8 staged from the scenario menu on a real five-node host, in both lesson modes. With
// the commit rule the old-term entry is never committed and every safety light stays green; with
// the UNSAFE commit by counting it is committed, a later leader lacks it, and Leader Completeness
// turns red with the evidence. Checked from the host's events and state.
import type { ClusterEvent, ClusterState } from '../src/shared/api';
import { expect, test } from './fixtures/test';
import { expectEveryGroupLed } from './flows/elections';
import { runScenarioFromUi } from './flows/scenarios';
import { indexOfFault } from './support/event-facts';
import { type EventHistory, openEventHistory } from './support/event-history';

test.use({ hostOptions: { groups: 1, size: 5 } });

let history: EventHistory | null = null;
test.afterEach(() => {
  history?.close();
  history = null;
});

/** The first index the lesson writes at: one past the leader's log when it starts. */
function firstLessonIndex(state: ClusterState): number {
  const leader = state.nodes.find((n) => n.id === state.groups[0]!.leader)!;
  return leader.lastLogIndex + 1;
}

function commitsReaching(events: readonly ClusterEvent[], index: number, from: number, to: number): ClusterEvent[] {
  return events.slice(from, to).filter((e) => e.type === 'commit' && e.index >= index);
}

test('Figure 8 with the commit rule: the old-term entry on a majority is not committed, and nothing is lost', async ({
  dashboard,
  probe,
  host,
}) => {
  await expectEveryGroupLed(dashboard, probe);
  history = await openEventHistory(host);
  const before = await probe.state();
  const index = firstLessonIndex(before);
  const status = await runScenarioFromUi(dashboard, host, 'Figure 8: the commit rule (§5.4.2)', 120_000);
  console.log(`time to stage 'Figure 8 (rule on)': ${status.seconds} s`);
  const events = history.events;
  // Between the first heal (A then reaches a majority) and the restart of the node holding B,
  // nobody commits A's index.
  const healed = indexOfFault(events, 'heal');
  const restarted = indexOfFault(events, 'restart', healed);
  const copied = events
    .slice(healed, restarted)
    .filter((e) => e.type === 'append' && e.index - e.count < index && index <= e.index);
  expect(new Set(copied.map((e) => (e as { node: string }).node)).size).toBeGreaterThanOrEqual(2);
  expect(commitsReaching(events, index, healed, restarted)).toEqual([]);
  const after = await probe.state();
  for (const check of Object.values(after.safety ?? {})) expect(check).toEqual({ ok: true });
  expect(after.safety).toBeDefined();
});

test('Figure 8, UNSAFE: commit by counting replicas, then a leader without that entry: Leader Completeness turns red', async ({
  dashboard,
  probe,
  host,
}) => {
  await expectEveryGroupLed(dashboard, probe);
  history = await openEventHistory(host);
  const before = await probe.state();
  const index = firstLessonIndex(before);
  const status = await runScenarioFromUi(dashboard, host, 'Figure 8, UNSAFE: commit by counting replicas', 120_000);
  console.log(`time to stage 'Figure 8 (unsafe)': ${status.seconds} s`);
  const events = history.events;
  const healed = indexOfFault(events, 'heal');
  const restarted = indexOfFault(events, 'restart', healed);
  expect(commitsReaching(events, index, healed, restarted).length).toBeGreaterThan(0);
  const after = await probe.state();
  const check = after.safety!.leaderCompleteness;
  expect(check.ok).toBe(false);
  if (check.ok) return;
  expect(check.violation.index).toBe(index);
  expect(after.safety!.electionSafety).toEqual({ ok: true });
});
