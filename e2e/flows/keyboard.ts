// Shared by the browser and desktop specs: every main action has a key, and the help overlay
// lists the keys.
import { expect } from '@playwright/test';
import type { DashboardPage } from '../pages/dashboard-page';
import { type ClusterProbe, nodeIn } from '../support/cluster-probe';
import { escapeRegExp } from '../support/text';

/** The keys the help overlay must list, as it labels them, with a word of what each does. */
export const LISTED_SHORTCUTS: readonly (readonly [key: string, does: RegExp])[] = [
  ['Space', /pause or resume/i],
  ['?', /shortcuts/i],
  ['p', /presenter/i],
  ['h', /heal all/i],
  ['n', /next node/i],
  ['N', /previous node/i],
  ['k', /kill the selected/i],
  ['r', /restart the selected/i],
  ['s', /step down/i],
  ['t', /timeout/i],
  ['[', /slower/i],
  [']', /faster/i],
  ['/', /key/i],
  ['PgDn', /clicker/i],
  ['.', /deliver the next message/i],
  ['a', /align/i],
  ['A', /spread/i],
  ['Esc', /close/i],
];

export async function helpListsTheShortcuts(dashboard: DashboardPage): Promise<void> {
  const { helpDialog } = dashboard;
  await dashboard.pressShortcut('?');
  await expect(helpDialog).toBeVisible();
  for (const [key, does] of LISTED_SHORTCUTS) {
    const row = helpDialog
      .getByRole('row')
      .filter({ has: dashboard.page.locator('kbd', { hasText: new RegExp(`^${escapeRegExp(key)}$`) }) });
    await expect(row, `the help lists ${key}`).toHaveCount(1);
    await expect(row).toContainText(does);
  }
  await dashboard.page.keyboard.press('Escape');
  await expect(helpDialog).toBeHidden();
}

/** Presses `n` until `id` is the selected node (selection goes round the nodes in order). */
async function selectWithKeys(dashboard: DashboardPage, ids: readonly string[], id: string): Promise<void> {
  for (let presses = 0; presses <= ids.length; presses++) {
    if ((await dashboard.diagram.selectButton(id).getAttribute('aria-pressed')) === 'true') return;
    await dashboard.pressShortcut('n');
  }
  await expect(dashboard.diagram.selectButton(id), `n should reach ${id}`).toHaveAttribute('aria-pressed', 'true');
}

/**
 * With the keyboard alone: select nodes (n), kill (k) and restart (r) a follower, step the leader
 * down (s), force a timeout (t), pause and resume (Space), slow down and speed up ([ ]), presenter
 * mode (p), heal all (h) and focus the key field (/).
 */
export async function everyMainActionHasAKey(
  dashboard: DashboardPage,
  probe: ClusterProbe,
  presenterScreenshot: () => Promise<unknown>,
): Promise<void> {
  const within = 10_000 * probe.patience;
  const { diagram, clock, client, feed, page } = dashboard;
  const ids = (await probe.state()).partitions[0] ?? [];
  const leader = await diagram.leaderOf(0);
  const follower = ids.find((id) => id !== leader)!;

  await dashboard.pressShortcut('n');
  await expect(diagram.selectButton(ids[0]!)).toHaveAttribute('aria-pressed', 'true');
  await dashboard.pressShortcut('N');
  await expect(diagram.selectButton(ids.at(-1)!)).toHaveAttribute('aria-pressed', 'true');

  await selectWithKeys(dashboard, ids, follower);
  await dashboard.pressShortcut('k');
  await expect(diagram.node(follower)).toHaveAttribute('data-role', 'dead', { timeout: within });
  await dashboard.pressShortcut('r');
  await expect(diagram.node(follower)).toHaveAttribute('data-alive', 'true', { timeout: within });
  await expect(diagram.node(follower)).toHaveAttribute('data-role', 'follower', { timeout: within });

  await selectWithKeys(dashboard, ids, leader);
  await dashboard.pressShortcut('s');
  await expect(diagram.groupLeader(0)).toHaveAttribute('data-leader', new RegExp(`^(?!${escapeRegExp(leader)}$).+`), {
    timeout: within,
  });
  await expect(feed).toContainText(/Asked \S+ to step down/, { timeout: within });

  await dashboard.pressShortcut('t');
  await expect(feed).toContainText(/election timer to fire/, { timeout: within });

  await dashboard.pressShortcut(' ');
  await expect(clock.resumeButton).toBeVisible({ timeout: within });
  await expect.poll(async () => (await probe.state()).clock.paused, { timeout: within }).toBe(true);
  await dashboard.pressShortcut(' ');
  await expect(clock.pauseButton).toBeVisible({ timeout: within });
  await expect.poll(async () => (await probe.state()).clock.paused, { timeout: within }).toBe(false);

  const timescale = (await probe.state()).clock.timescale;
  await dashboard.pressShortcut('[');
  await expect.poll(async () => (await probe.state()).clock.timescale, { timeout: within }).toBeGreaterThan(timescale);
  await dashboard.pressShortcut(']');
  await expect.poll(async () => (await probe.state()).clock.timescale, { timeout: within }).toBe(timescale);

  await dashboard.pressShortcut('p');
  await expect(dashboard.presenterButton).toHaveAttribute('aria-pressed', 'true');
  expect(await dashboard.presenterModeOn()).toBe(true);
  await presenterScreenshot();
  await dashboard.pressShortcut('p');
  await expect(dashboard.presenterButton).toHaveAttribute('aria-pressed', 'false');

  const [a, b] = ids;
  await diagram.linkButton('Cut', a!, b!).click();
  await expect(diagram.link(a!, b!)).toHaveAttribute('data-cut', 'true', { timeout: within });
  await dashboard.pressShortcut('h');
  await expect(diagram.link(a!, b!)).toHaveAttribute('data-cut', 'false', { timeout: within });
  await expect.poll(async () => (await probe.state()).links, { timeout: within }).toEqual([]);

  await dashboard.pressShortcut('/');
  await expect(client.keyField).toBeFocused();
  // Letters typed in a text field are text, not shortcuts.
  await page.keyboard.type('kp');
  await expect(client.keyField).toHaveValue('kp');
  await expect(dashboard.presenterButton).toHaveAttribute('aria-pressed', 'false');
  expect(nodeIn(await probe.state(), ids[0]!).alive).toBe(true);
}
