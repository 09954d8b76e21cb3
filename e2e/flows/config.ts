// Shared by the browser and desktop specs: a bad configuration pasted in the panel shows the
// parser's own message inline, and the running cluster is left alone.
import { expect } from '@playwright/test';
import { parsePartitions } from '../../src/shared/config';
import type { DashboardPage } from '../pages/dashboard-page';
import type { ClusterProbe } from '../support/cluster-probe';

/** The message the configuration parser gives for a text, which the panel must show. */
export function parserMessage(text: string): string {
  try {
    parsePartitions(text);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error(`the configuration ${text} parses; a bad one was meant`);
}

/** Mistakes a teacher makes when pasting: a node listed twice, a port out of range, a stray word. */
export function badConfigurations(running: readonly (readonly string[])[]): string[] {
  const [first = '127.0.0.1:5001'] = running.flat();
  return [`[['${first}', '${first}']]`, `[['127.0.0.1:5001', 'localhost:99999']]`, `hello, cluster`];
}

export async function badConfigurationShowsErrorAndClusterRuns(
  dashboard: DashboardPage,
  probe: ClusterProbe,
  screenshot: () => Promise<unknown>,
): Promise<void> {
  const within = 10_000 * probe.patience;
  const { config, diagram, client } = dashboard;
  const before = await probe.state();
  const leader = await diagram.leaderOf(0);
  const runningText = await config.running.textContent();
  expect(runningText).not.toBe('');

  const texts = badConfigurations(before.partitions);
  for (const [i, text] of texts.entries()) {
    await config.restartOn(text);
    await expect(config.error).toBeVisible({ timeout: within });
    await expect(config.error).toContainText(parserMessage(text));
    await expect(config.configurationField).toHaveAttribute('aria-invalid', 'true');
    if (i === 0) await screenshot();
  }

  // The cluster carried on: same configuration, same leader in the same term, and it still takes writes.
  await expect(config.running).toHaveText(runningText ?? '');
  await expect(diagram.groupLeader(0)).toHaveAttribute('data-leader', leader);
  const after = await probe.state();
  expect(after.partitions).toEqual(before.partitions);
  expect(after.groups.map((group) => group.leader)).toEqual(before.groups.map((group) => group.leader));
  expect(after.nodes.map((node) => node.term)).toEqual(before.nodes.map((node) => node.term));
  await client.send('SET', 'after-bad-config', { value: 'still-here' });
  await expect(client.replyCommand).toHaveText('SET after-bad-config', { timeout: within });
  await expect(client.replyValue).toHaveText('OK');

  // Typing again clears the error.
  await config.configurationField.fill('');
  await expect(config.error).toHaveCount(0);
}
