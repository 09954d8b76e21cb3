// The smaller bugs of issue 14, each as a person meets it: arrow keys on a slider, Space after
// clicking a node, `s` on a follower, the legend's entries, labels on the ring, request arrows
// under node labels, and orange meaning only the leader.
import { expect } from '@playwright/test';
import { HashRing } from '../../src/shared/ring';
import type { HeadlessHost } from '../fixtures/headless-host';
import type { DashboardPage } from '../pages/dashboard-page';
import { type ClusterProbe, leaderIn } from '../support/cluster-probe';

async function leaderAndFollower(probe: ClusterProbe): Promise<{ leader: string; follower: string }> {
  await expect.poll(async () => leaderIn(await probe.state(), 0), { timeout: 15_000 }).not.toBeNull();
  const state = await probe.state();
  const leader = leaderIn(state, 0)!;
  return { leader, follower: (state.partitions[0] ?? []).find((id) => id !== leader)! };
}

/** Arrow keys on the focused slow-motion slider move it, and select no node. */
export async function arrowKeysMoveSliders(dashboard: DashboardPage): Promise<void> {
  const slider = dashboard.clock.timescaleSlider;
  const before = await slider.inputValue();
  await slider.focus();
  await dashboard.page.keyboard.press('ArrowRight');
  await expect(slider).not.toHaveValue(before);
  await expect(dashboard.diagram.root.locator('[aria-pressed="true"]')).toHaveCount(0);
}

/** Space right after clicking a node pauses the cluster and leaves the node selected. */
export async function spaceAfterClickingANodePauses(dashboard: DashboardPage, probe: ClusterProbe): Promise<void> {
  const { follower } = await leaderAndFollower(probe);
  const button = dashboard.diagram.selectButton(follower);
  // On its circle: the middle of the node's box (circle, label and timer) may be the group's background.
  await button.locator('circle.body').click();
  await expect(button).toHaveAttribute('aria-pressed', 'true');
  await dashboard.page.keyboard.press(' ');
  await expect(dashboard.clock.resumeButton).toBeVisible();
  await expect(button).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(async () => (await probe.state()).clock.paused).toBe(true);
}

/** `s` on a follower says why nothing happens, and names the leader. */
export async function stepDownOnAFollowerSaysWhy(dashboard: DashboardPage, probe: ClusterProbe): Promise<void> {
  const { leader, follower } = await leaderAndFollower(probe);
  await dashboard.diagram.selectButton(follower).locator('circle.body').click();
  await expect(dashboard.diagram.selectButton(follower)).toHaveAttribute('aria-pressed', 'true');
  await dashboard.pressShortcut('s');
  const port = (id: string) => id.slice(id.lastIndexOf(':') + 1);
  await expect
    .poll(() => dashboard.feedSentences())
    .toContain(
      `${port(follower)} is a follower: only a leader can step down; the leader of group 0 is ${port(leader)}`,
    );
}

/** The legend explains every message the diagram draws and every node style. */
export async function legendHasEveryEntry(dashboard: DashboardPage): Promise<void> {
  const legend = dashboard.page.getByRole('list', { name: 'Legend' });
  for (const entry of [
    'PreVote granted',
    'PreVote refused',
    'Heartbeat reply',
    'ReadIndex',
    'ReadIndex reply',
    'ReadIndex refused',
    'candidate',
    'pre-candidate',
  ]) {
    await expect(legend.getByRole('listitem').filter({ hasText: new RegExp(`^[\\s✓✗]*${entry}\\s*$`) })).toHaveCount(1);
  }
}

/** Two keys whose hashes are close: only the newer is named on the ring; the older keeps its dot. */
export async function ringLabelsDoNotOverlap(dashboard: DashboardPage, host: HeadlessHost): Promise<void> {
  const ring = new HashRing(1);
  const base = ring.hashOf('k0');
  let close = '';
  for (let i = 1; i < 5000 && close === ''; i++) {
    if (Math.abs(ring.hashOf(`k${i}`) - base) < 2 ** 32 / 200) close = `k${i}`;
  }
  expect(close, 'a key hashing near k0').not.toBe('');
  await host.api('POST', '/api/kv', { op: 'SET', key: 'k0', value: '1' });
  await host.api('POST', '/api/kv', { op: 'SET', key: close, value: '1' });
  await expect(dashboard.ring.key(close)).toBeVisible();
  await expect(dashboard.ring.key(close).locator('text')).toHaveCount(1);
  await expect(dashboard.ring.key('k0')).toBeVisible();
  await expect(dashboard.ring.key('k0').locator('text')).toHaveCount(0);
}

/** A request's arrows are drawn under the nodes, so they never cover a node's name or label. */
export async function requestArrowsUnderNodeLabels(dashboard: DashboardPage, probe: ClusterProbe): Promise<void> {
  const { follower } = await leaderAndFollower(probe);
  await dashboard.client.send('GET', 'color', { via: follower });
  await expect(dashboard.diagram.requestPath).toBeVisible({ timeout: 10_000 });
  const pathBeforeNode = await dashboard.diagram.requestPath.evaluate((path, id) => {
    const node = document.querySelector(`[data-testid="node-${id}"]`);
    return node !== null && (path.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
  }, follower);
  expect(pathBeforeNode, 'the path is painted before (under) the nodes').toBe(true);
}

/** Orange is the leader's alone: no group's arc or frame is orange. */
export async function orangeMeansOnlyTheLeader(dashboard: DashboardPage, probe: ClusterProbe): Promise<void> {
  const { leader } = await leaderAndFollower(probe);
  const leaderFill = await dashboard.diagram
    .node(leader)
    .locator('circle.body')
    .evaluate((circle) => getComputedStyle(circle).fill);
  const groups = (await probe.state()).groups.length;
  for (let group = 0; group < groups; group++) {
    const arcFill = await dashboard.ring.arc(group).evaluate((arc) => getComputedStyle(arc).fill);
    expect(arcFill).not.toBe(leaderFill);
  }
}
