// Shared by the browser and desktop specs: every group's leader is drawn, and it is the one the
// host reports.
import { expect } from '@playwright/test';
import type { DashboardPage } from '../pages/dashboard-page';
import type { ClusterProbe } from '../support/cluster-probe';

/** Waits for the dashboard to connect and every group to show a leader; returns them by group. */
export async function expectEveryGroupLed(dashboard: DashboardPage, probe: ClusterProbe): Promise<string[]> {
  const within = 10_000 * probe.patience;
  await expect(dashboard.connectionStatus).toHaveText(/^Connected/, { timeout: within });
  const { groups } = await probe.state();
  expect(groups.length).toBeGreaterThan(0);
  const leaders: string[] = [];
  for (const group of groups) {
    const marker = dashboard.diagram.groupLeader(group.id);
    await expect(marker).toHaveAttribute('data-leader', /.+/, { timeout: within });
    const leader = await dashboard.diagram.leaderOf(group.id);
    expect(group.members).toContain(leader);
    await expect(dashboard.diagram.node(leader)).toHaveAttribute('data-role', 'leader', { timeout: within });
    await expect(marker).toContainText(`leader ${leader}`);
    leaders.push(leader);
  }
  await expect
    .poll(async () => (await probe.state()).groups.map((group) => group.leader), { timeout: within })
    .toEqual(leaders);
  return leaders;
}
