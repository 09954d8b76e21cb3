// Shared by the browser and desktop specs: a SET from the client panel, then a GET of the same key
// through another node, and the key on the ring in the arc of the group the server reported.
import { expect } from '@playwright/test';
import type { DashboardPage } from '../pages/dashboard-page';
import { type ClusterProbe, leaderIn } from '../support/cluster-probe';

/** Returns the group the server said holds the key. */
export async function setThenGetThroughAnotherNode(
  dashboard: DashboardPage,
  probe: ClusterProbe,
  key: string,
  value: string,
): Promise<number> {
  const within = 10_000 * probe.patience;
  const { client, ring, diagram } = dashboard;

  await client.keyField.fill(key);
  await expect(ring.preview).toHaveAttribute('data-group', /^\d+$/);
  const previewGroup = await ring.preview.getAttribute('data-group');

  await client.send('SET', key, { value });
  await expect(client.replyCommand).toHaveText(`SET ${key}`, { timeout: within });
  await expect(client.replyValue).toHaveText('OK', { timeout: within });
  await expect(client.replyGroup).toHaveText(/^\d+$/);
  await expect(client.replyLatency).toHaveText(/^\d+ ms$/);
  const group = Number(await client.replyGroup.textContent());
  const setVia = (await client.replyVia.textContent()) ?? '';
  const servedBy = (await client.replyServedBy.textContent()) ?? '';
  const state = await probe.state();
  expect(state.partitions[group], `the server's group ${group} exists`).toBeDefined();
  expect(state.partitions[group]).toContain(servedBy);
  expect(servedBy).toBe(leaderIn(state, group));
  await expect(diagram.requestPath).toHaveAttribute('data-served-by', servedBy);

  // The typed key's preview and the written key's marker both sit in the server's group.
  expect(previewGroup).toBe(String(group));
  await expect(ring.key(key)).toHaveAttribute('data-group', String(group));
  await expect(ring.arc(group)).toBeVisible();

  // Another node: preferably one outside the key's group, so the GET must be forwarded.
  const others = state.partitions.flat().filter((id) => id !== setVia);
  const outside = others.find((id) => !state.partitions[group]?.includes(id));
  const other = outside ?? others[0];
  expect(other, 'a node other than the one the SET went through').toBeDefined();
  await client.send('GET', key, { via: other! });
  await expect(client.replyCommand).toHaveText(`GET ${key}`, { timeout: within });
  await expect(client.replyValue).toHaveText(value, { timeout: within });
  await expect(client.replyVia).toHaveText(other!);
  await expect(client.replyGroup).toHaveText(String(group));
  await expect(client.replyServedBy).toHaveText(servedBy);
  await expect(diagram.requestPath).toHaveAttribute('data-via', other!);
  return group;
}
