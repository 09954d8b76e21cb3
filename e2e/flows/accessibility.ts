// Shared by the browser and desktop specs: the controls exist under the names the issue gives them,
// and the feed is an aria-live log that tells an election in words.
import { expect } from '@playwright/test';
import type { DashboardPage } from '../pages/dashboard-page';
import type { NodeAction } from '../pages/logs-panel';
import type { ClusterProbe } from '../support/cluster-probe';
import { escapeRegExp } from '../support/text';

const NODE_ACTIONS: readonly NodeAction[] = ['Kill', 'Restart', 'Step down', 'Force timeout'];

function pairs(members: readonly string[]): [string, string][] {
  return members.flatMap((a, i) => members.slice(i + 1).map((b): [string, string] => [a, b]));
}

export async function everyControlHasItsName(dashboard: DashboardPage, probe: ClusterProbe): Promise<void> {
  const { diagram, logs, clock, network, client, config } = dashboard;
  const state = await probe.state();
  const ids = state.partitions.flat();

  for (const id of ids) {
    for (const action of NODE_ACTIONS) await expect(logs.actionButton(action, id)).toHaveCount(1);
    await expect(diagram.selectButton(id)).toHaveAccessibleName(
      new RegExp(`^Select ${escapeRegExp(id)} \\((leader|follower|candidate|pre-candidate|dead), term \\d+\\)$`),
    );
    await expect(network.sideA(id)).toHaveCount(1);
  }
  await network.openLinksList();
  for (const members of state.partitions) {
    for (const [a, b] of pairs(members)) {
      await expect(diagram.linkButton('Cut', a, b)).toHaveCount(1);
      await expect(network.oneWayButton('Cut', a, b)).toHaveCount(1);
      await expect(network.oneWayButton('Cut', b, a)).toHaveCount(1);
    }
  }

  await expect(clock.pauseButton).toBeEnabled();
  await expect(clock.timescaleSlider).toBeEnabled();
  for (const slider of [network.latencyMinSlider, network.latencyMaxSlider, network.dropRateSlider]) {
    await expect(slider).toBeEnabled();
  }
  await expect(network.preVoteCheckbox).toBeChecked({ checked: state.raft.preVote });
  await expect(network.checkQuorumCheckbox).toBeChecked({ checked: state.raft.checkQuorum });
  await expect(network.partitionButton).toHaveCount(1);
  await expect(network.healAllButton).toBeEnabled();

  await expect(client.keyField).toBeEditable();
  await expect(client.valueField).toBeEditable();
  await expect(client.nodeSelect.locator('option').first()).toHaveText('any node');
  await expect(client.nodeSelect.locator('option')).toHaveCount(ids.length + 1);
  for (const op of ['SET', 'GET', 'DEL'] as const) await expect(client.button(op)).toHaveCount(1);

  await expect(config.presetSelect).toBeEnabled();
  await expect(config.configurationField).toBeEditable();
  await expect(config.restartButton).toHaveCount(1);

  await expect(dashboard.presenterButton).toBeEnabled();
  await expect(dashboard.shortcutsButton).toBeEnabled();
  await expect(diagram.resetZoomButton).toBeEnabled();
  await expect(dashboard.connectionStatus).toHaveRole('status');
}

/** Kills the leader and reads the election in the feed: a timeout, a new leader, in a later term. */
export async function feedNarratesAnElection(dashboard: DashboardPage, probe: ClusterProbe): Promise<void> {
  const within = 10_000 * probe.patience;
  const { feed, diagram, logs } = dashboard;
  await expect(feed).toHaveAttribute('aria-live', 'polite');
  const leader = await diagram.leaderOf(0);
  const term = Number(await diagram.node(leader).getAttribute('data-term'));

  await logs.act('Kill', leader);
  // Names in the feed are ports when every node shares one host, as here: one way of naming a node.
  await expect(feed).toContainText(`Killed ${leader.slice(leader.lastIndexOf(':') + 1)}`, { timeout: within });
  await expect(feed).toContainText(/timed out and (asked for pre-votes|started an election) for term \d+/, {
    timeout: within,
  });
  await expect(diagram.groupLeader(0)).toHaveAttribute('data-leader', new RegExp(`^(?!${escapeRegExp(leader)}$).+`), {
    timeout: within,
  });
  const next = await diagram.leaderOf(0);
  const nextTerm = Number(await diagram.node(next).getAttribute('data-term'));
  expect(nextTerm).toBeGreaterThan(term);
  // Names in the feed are ports when every node shares one host, as here.
  const port = next.slice(next.lastIndexOf(':') + 1);
  await expect(feed).toContainText(`${port} became leader for term ${nextTerm}`, { timeout: within });
}
