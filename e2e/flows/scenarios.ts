// Runs a guided scenario the way a teacher does: pick it in the menu, Start, then Next at every
// narrated pause, until it says it is done. Returns the host's final word on it.
import { expect } from '@playwright/test';
import type { ClusterState } from '../../src/shared/api';
import type { ScenarioStatus } from '../../src/shared/staging-api';
import type { HeadlessHost } from '../fixtures/headless-host';
import type { DashboardPage } from '../pages/dashboard-page';
import { ScenarioMenu } from '../pages/scenario-menu';

export async function runScenarioFromUi(
  dashboard: DashboardPage,
  host: HeadlessHost,
  title: string,
  timeoutMs = 60_000,
): Promise<ScenarioStatus> {
  const menu = new ScenarioMenu(dashboard.page);
  await expect(menu.picker).toBeEnabled({ timeout: 15_000 });
  await menu.start(title);
  const deadline = Date.now() + timeoutMs;
  let narrations = 0;
  for (;;) {
    const status = (await host.api<ClusterState>('GET', '/api/state')).staging?.scenario ?? null;
    if (status?.title === title) {
      if (status.phase === 'done') {
        await expect(menu.progress).toContainText(`done in ${status.seconds} s`);
        expect(narrations).toBeGreaterThan(0);
        return status;
      }
      if (status.phase === 'failed' || status.phase === 'stopped') {
        throw new Error(`scenario '${title}' ${status.phase} at step ${status.step}: ${status.error ?? ''}`);
      }
      if (status.phase === 'narrating') {
        // What the host says is what the class reads.
        await expect(menu.narration).toHaveText(status.narration);
        await menu.nextButton.click();
        narrations++;
        await expect
          .poll(async () => {
            const now = (await host.api<ClusterState>('GET', '/api/state')).staging?.scenario;
            return now?.phase !== 'narrating' || now.step !== status.step;
          })
          .toBe(true);
        continue;
      }
    }
    if (Date.now() > deadline) throw new Error(`scenario '${title}' did not finish within ${timeoutMs} ms`);
    await dashboard.page.waitForTimeout(100);
  }
}
