// Presenter mode at 1280x720: the diagram and the caption of the latest narration on one screen
// with no scrolling, the controls in a drawer, and type a room can read (from computed styles).
import { expect } from '@playwright/test';
import type { DashboardPage } from '../pages/dashboard-page';
import { pageExtent, renderedFontSizes } from '../support/rendered-text';

export async function presenterViewFits(
  dashboard: DashboardPage,
  screenshot: () => Promise<unknown>,
  ring: { readonly groups: number; readonly tokensPerGroup: number; readonly screenshot: () => Promise<unknown> },
): Promise<void> {
  const { page, diagram } = dashboard;
  if (!(await dashboard.presenterModeOn())) await dashboard.presenterButton.click();
  expect(await dashboard.presenterModeOn()).toBe(true);
  await expect(dashboard.caption).toBeVisible();
  await expect(dashboard.caption).not.toHaveText(/Waiting for the cluster/, { timeout: 15_000 });
  // The controls are in a closed drawer until asked for.
  await expect(dashboard.drawer).toBeHidden();
  await expect(dashboard.controlsButton).toHaveAttribute('aria-expanded', 'false');

  const extent = await pageExtent(page);
  expect(extent.scrollHeight, 'no vertical scrolling').toBeLessThanOrEqual(extent.height);
  expect(extent.scrollWidth, 'no horizontal scrolling').toBeLessThanOrEqual(extent.width);
  const svg = await diagram.root.boundingBox();
  const caption = await dashboard.caption.boundingBox();
  expect(svg && caption, 'the diagram and the caption are laid out').toBeTruthy();
  expect(svg!.y + svg!.height, 'the diagram ends above the caption').toBeLessThanOrEqual(caption!.y + 1);
  expect(caption!.y + caption!.height, 'the caption is on screen').toBeLessThanOrEqual(extent.height);
  // The header is one line.
  const header = await page.locator('header').boundingBox();
  expect(header!.height).toBeLessThan(60);

  const ports = await renderedFontSizes(diagram.root.locator('text.port'));
  const labels = await renderedFontSizes(diagram.root.locator('text.label'));
  expect(ports.length).toBeGreaterThan(0);
  expect(Math.min(...ports), 'node names of 18 px or more').toBeGreaterThanOrEqual(18);
  expect(Math.min(...labels), 'node labels of 18 px or more').toBeGreaterThanOrEqual(18);
  const legend = await renderedFontSizes(page.getByRole('list', { name: 'Legend' }).locator('li'));
  expect(Math.min(...legend), 'legend text of 14 px or more').toBeGreaterThanOrEqual(14);
  const captionText = await renderedFontSizes(dashboard.caption.locator('p').last());
  expect(captionText[0], 'a caption larger than the legend').toBeGreaterThanOrEqual(20);
  await screenshot();

  // The drawer holds the controls and the ring, whose text is readable too.
  await dashboard.controlsButton.click();
  await expect(dashboard.drawer).toBeVisible();
  await expect(dashboard.ring.root).toBeVisible();
  const ringText = await renderedFontSizes(dashboard.ring.root.locator('svg text'));
  expect(ringText.length).toBeGreaterThan(0);
  expect(Math.min(...ringText), 'ring text of 14 px or more').toBeGreaterThanOrEqual(14);
  // The classroom ring: every token drawn, and each group's share against the fair one.
  await expect(dashboard.ring.root.getByTestId('ring-token')).toHaveCount(ring.groups * ring.tokensPerGroup);
  await expect(dashboard.ring.root.getByText(`${ring.tokensPerGroup} tokens per group`)).toBeVisible();
  if (ring.groups > 1) {
    await expect(dashboard.ring.root.getByTestId('ring-share-0')).toHaveText(/^\s*group 0: \d+\.\d%\s\([+−]\d+%\)$/);
  }
  await ring.screenshot();
  await page.keyboard.press('Escape');
  await expect(dashboard.drawer).toBeHidden();
}
