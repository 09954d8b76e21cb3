// Shared by the browser and desktop specs: killing the leader from its button brings a new leader;
// restarting it brings it back as a follower of the new term, with its log caught up.
import { expect } from '@playwright/test';
import type { DashboardPage } from '../pages/dashboard-page';
import { type ClusterProbe, leaderIn, nodeIn } from '../support/cluster-probe';
import { escapeRegExp } from '../support/text';

/** Kills the group's leader with its "Kill" button; returns the old and the new leader. */
export async function killLeaderFromUi(
  dashboard: DashboardPage,
  probe: ClusterProbe,
  group = 0,
): Promise<{ old: string; next: string }> {
  const within = 10_000 * probe.patience;
  const { diagram, logs } = dashboard;
  const old = await diagram.leaderOf(group);
  expect(old).not.toBe('');
  const oldTerm = Number(await diagram.node(old).getAttribute('data-term'));
  await logs.act('Kill', old);
  await expect(diagram.node(old)).toHaveAttribute('data-role', 'dead', { timeout: within });
  await expect(diagram.node(old)).toHaveAttribute('data-alive', 'false');
  await expect(logs.actionButton('Restart', old)).toBeEnabled();
  await expect(diagram.groupLeader(group)).toHaveAttribute('data-leader', new RegExp(`^(?!${escapeRegExp(old)}$).+`), {
    timeout: within,
  });
  const next = await diagram.leaderOf(group);
  await expect(diagram.node(next)).toHaveAttribute('data-role', 'leader', { timeout: within });
  expect(Number(await diagram.node(next).getAttribute('data-term'))).toBeGreaterThan(oldTerm);
  expect(nodeIn(await probe.state(), old).alive).toBe(false);
  return { old, next };
}

/**
 * Writes through the panel while `old` is down, restarts it with its "Restart" button, and checks it
 * rejoins: alive, a follower, in the leader's term, its log and commit index caught up.
 */
export async function restartAndSeeRejoin(dashboard: DashboardPage, probe: ClusterProbe, old: string, group = 0) {
  const within = 15_000 * probe.patience;
  const { diagram, logs, client } = dashboard;
  await client.send('SET', 'written-while-down', { value: 'missed' });
  await expect(client.replyValue).toHaveText('OK', { timeout: within });
  const afterWrite = await probe.state();
  const missedIndex = nodeIn(afterWrite, leaderIn(afterWrite, group) ?? '').lastLogIndex;
  expect(await logs.lastIndex(old)).toBeLessThan(missedIndex);

  await logs.act('Restart', old);
  await expect(diagram.node(old)).toHaveAttribute('data-alive', 'true', { timeout: within });
  await expect(diagram.node(old)).toHaveAttribute('data-role', 'follower', { timeout: within });
  await expect(logs.actionButton('Kill', old)).toBeEnabled();
  await expect
    .poll(
      async () => {
        const leader = await diagram.leaderOf(group);
        const leaderTerm = leader ? await diagram.node(leader).getAttribute('data-term') : null;
        return leaderTerm === (await diagram.node(old).getAttribute('data-term'));
      },
      { timeout: within, message: `${old} should be in its leader's term` },
    )
    .toBe(true);
  await expect.poll(() => logs.lastIndex(old), { timeout: within }).toBeGreaterThanOrEqual(missedIndex);
  await expect.poll(() => logs.commitIndex(old), { timeout: within }).toBeGreaterThanOrEqual(missedIndex);
  await expect(logs.entry(old, missedIndex)).toHaveAttribute('data-committed', 'true', { timeout: within });
  const state = await probe.state();
  const rejoined = nodeIn(state, old);
  expect(rejoined.alive).toBe(true);
  expect(rejoined.role).toBe('follower');
  expect(rejoined.commitIndex).toBeGreaterThanOrEqual(missedIndex);
  expect(rejoined.term).toBe(nodeIn(state, leaderIn(state, group) ?? old).term);
}
