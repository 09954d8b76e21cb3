// Shared by the browser and desktop specs: a cut link is drawn cut and its messages die there;
// pausing freezes the picture and the cluster; resuming carries on.
import { isDeepStrictEqual } from 'node:util';
import { expect } from '@playwright/test';
import type { DashboardPage } from '../pages/dashboard-page';
import { between, type RecordedFlight } from '../pages/flight-recorder';
import type { ClusterProbe } from '../support/cluster-probe';

function delivered(flights: readonly RecordedFlight[]): RecordedFlight[] {
  return flights.filter((flight) => flight.fates.includes('delivered'));
}

function dropped(flights: readonly RecordedFlight[]): RecordedFlight[] {
  return flights.filter((flight) => flight.fates.includes('dropped'));
}

/** The group's leader and two followers, from the diagram and the host. */
async function leaderAndFollowers(dashboard: DashboardPage, probe: ClusterProbe, group = 0) {
  const leader = await dashboard.diagram.leaderOf(group);
  const members = (await probe.state()).partitions[group] ?? [];
  const [follower, bystander] = members.filter((id) => id !== leader);
  expect(leader, 'a leader to cut off').not.toBe('');
  expect(bystander, 'a group of at least three').toBeDefined();
  return { leader, follower: follower!, bystander: bystander! };
}

/**
 * Cuts the leader–follower link by clicking it: it is drawn cut both ways, the host has it cut, and
 * over the next seconds messages between the two die at the break while other links still deliver.
 * Then heals it, cuts one direction from the Links list, and sees that direction drawn.
 */
export async function cutLinkStopsMessages(
  dashboard: DashboardPage,
  probe: ClusterProbe,
  screenshot: () => Promise<unknown>,
): Promise<void> {
  const within = 10_000 * probe.patience;
  const { diagram, flightRecorder, network, page } = dashboard;
  const { leader, follower } = await leaderAndFollowers(dashboard, probe);
  const link = diagram.link(leader, follower);
  await expect(link).toHaveAttribute('data-cut', 'false');

  await diagram.linkButton('Cut', leader, follower).click();
  await expect(link).toHaveAttribute('data-cut', 'true', { timeout: within });
  await expect(link).toHaveAttribute('data-cut-direction', 'both');
  await expect(diagram.linkButton('Heal', leader, follower)).toBeVisible();
  await expect(network.linksSummary).toContainText('Links (1 cut)');
  await expect
    .poll(async () => (await probe.state()).links.map(({ a, b, oneWay }) => ({ ends: [a, b].sort(), oneWay })), {
      timeout: within,
    })
    .toEqual([{ ends: [leader, follower].sort(), oneWay: false }]);

  // The first message to die at the break marks the moment the cut shows in the traffic.
  await flightRecorder.start();
  await expect
    .poll(
      async () => dropped((await flightRecorder.read()).filter((flight) => between(flight, leader, follower))).length,
      {
        timeout: within,
        message: `a message between ${leader} and ${follower} should die at the cut`,
      },
    )
    .toBeGreaterThan(0);
  await screenshot();

  // An observation window: every flight drawn in it is recorded, none may cross the cut.
  await flightRecorder.start();
  await page.waitForTimeout(2000 * probe.patience);
  // Flights drawn before the window (sent before the cut, still landing) are not the cut's business.
  const seen = (await flightRecorder.stop()).filter((flight) => !flight.preexisting);
  const across = seen.filter((flight) => between(flight, leader, follower));
  expect(delivered(across), `no message between ${leader} and ${follower} is delivered across the cut`).toEqual([]);
  expect(dropped(across).length, 'messages keep dying at the cut').toBeGreaterThan(0);
  expect(delivered(seen).length, 'the links left whole still deliver').toBeGreaterThan(0);

  // Heal it by clicking it again, then cut only leader → follower from the Links list.
  await diagram.linkButton('Heal', leader, follower).click();
  await expect(link).toHaveAttribute('data-cut', 'false', { timeout: within });
  await expect(link).toHaveAttribute('data-cut-direction', 'none');
  await network.openLinksList();
  await network.oneWayButton('Cut', leader, follower).click();
  const leaderFirst = (await link.getAttribute('data-testid')) === `link-${leader}-${follower}`;
  await expect(link).toHaveAttribute('data-cut-direction', leaderFirst ? 'a-to-b' : 'b-to-a', { timeout: within });
  await expect(network.oneWayButton('Heal', leader, follower)).toBeVisible();
  await expect(network.oneWayButton('Cut', follower, leader)).toBeVisible();
  await expect
    .poll(async () => (await probe.state()).links, { timeout: within })
    .toEqual([{ a: leader, b: follower, oneWay: true }]);

  // Heal all puts everything back.
  await network.healAllButton.click();
  await expect(link).toHaveAttribute('data-cut', 'false', { timeout: within });
  await expect.poll(async () => (await probe.state()).links, { timeout: within }).toEqual([]);
}

/** What must not move while the cluster is paused. */
async function frozenParts(dashboard: DashboardPage, probe: ClusterProbe, ids: readonly string[]) {
  const state = await probe.state();
  const commits: Record<string, number> = {};
  for (const id of ids) commits[id] = await dashboard.logs.commitIndex(id);
  return {
    hostCommits: state.nodes.map((node) => [node.id, node.commitIndex, node.term]),
    drawnTerms: await dashboard.diagram.terms(ids),
    drawnCommits: commits,
    flightPositions: await dashboard.diagram.flightPositions(),
  };
}

type FrozenParts = Awaited<ReturnType<typeof frozenParts>>;

/** The frozen parts once two reads a moment apart agree (or, failing that, the last read). */
async function settledParts(dashboard: DashboardPage, probe: ClusterProbe, ids: readonly string[], withinMs: number) {
  const deadline = Date.now() + withinMs;
  let previous: FrozenParts = await frozenParts(dashboard, probe, ids);
  for (;;) {
    await dashboard.page.waitForTimeout(400);
    const current = await frozenParts(dashboard, probe, ids);
    if (isDeepStrictEqual(current, previous) || Date.now() > deadline) return current;
    previous = current;
  }
}

/**
 * Pauses from the header: over the next seconds nothing drawn moves (terms, commit indexes, the
 * flights in the air) and the host commits nothing, even with a write waiting. Resuming lets the
 * write through and the traffic flow again.
 */
export async function pauseFreezesAndResumeContinues(
  dashboard: DashboardPage,
  probe: ClusterProbe,
  screenshot: () => Promise<unknown>,
): Promise<void> {
  const within = 10_000 * probe.patience;
  const { clock, diagram, client, logs, flightRecorder, page } = dashboard;
  const ids = (await probe.state()).partitions.flat();
  const leader = await diagram.leaderOf(0);
  await expect(diagram.flights.first(), 'messages in the air before the pause').toBeAttached({ timeout: within });

  await clock.pauseButton.click();
  await expect(clock.resumeButton).toBeVisible({ timeout: within });
  await expect.poll(async () => (await probe.state()).clock.paused, { timeout: within }).toBe(true);
  // A write sent while paused must wait for the clock. The host may still take it into the
  // leader's log (and draw the append leaving), so the picture is read once that has settled.
  await client.send('SET', 'sent-while-paused', { value: 'waited' });
  await expect(dashboard.feed).toContainText('Client sent SET sent-while-paused', { timeout: within });
  const before = await settledParts(dashboard, probe, ids, within);
  expect(before.flightPositions.length, 'flights frozen in the air').toBeGreaterThan(0);
  await screenshot();
  await page.waitForTimeout(1500 * probe.patience); // the observation window
  const after = await frozenParts(dashboard, probe, ids);
  expect(after).toEqual(before);
  await expect(client.replyCommand).toHaveCount(0);

  await flightRecorder.start();
  const leaderCommit = before.drawnCommits[leader] ?? 0;
  await clock.resumeButton.click();
  await expect(clock.pauseButton).toBeVisible({ timeout: within });
  await expect.poll(async () => (await probe.state()).clock.paused, { timeout: within }).toBe(false);
  await expect(client.replyCommand).toHaveText('SET sent-while-paused', { timeout: within });
  await expect(client.replyValue).toHaveText('OK');
  await expect.poll(() => logs.commitIndex(leader), { timeout: within }).toBeGreaterThan(leaderCommit);
  await expect
    .poll(async () => delivered(await flightRecorder.read()).length, { timeout: within, message: 'traffic resumes' })
    .toBeGreaterThan(0);
  await flightRecorder.stop();
}
