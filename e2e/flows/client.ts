// Shared by the browser and desktop specs: a SET from the client panel, then a GET of the same key
// through another node, and the key on the ring in the arc of the group the server reported.
import { expect } from '@playwright/test';
import type { DashboardPage } from '../pages/dashboard-page';
import { type ClusterProbe, leaderIn } from '../support/cluster-probe';
import { escapeRegExp } from '../support/text';

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
  await expect(diagram.requestPath).toHaveAttribute('data-served-by', servedBy, { timeout: within });

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
  // A GET is served where ReadIndex ran: the node it was sent to when that node is in the key's
  // group (a follower serves reads too), else the member of the group it was forwarded to.
  const members = state.partitions[group] ?? [];
  if (members.includes(other!)) await expect(client.replyServedBy).toHaveText(other!, { timeout: within });
  else await expect(client.replyServedBy).toHaveText(new RegExp(`^(${members.map(escapeRegExp).join('|')})$`));
  await expect(diagram.requestPath).toHaveAttribute('data-via', other!);
  return group;
}

/**
 * A GET through a follower is drawn as it happens: the client's request to the follower, the
 * follower asking the leader to confirm (ReadIndex) and the leader's answer, then the reply, and the
 * follower is named as the server. Then a request that cannot be answered: while it waits the old
 * reply is gone and the panel counts its timeout down.
 */
export async function followerReadDrawnAsReadIndex(
  dashboard: DashboardPage,
  probe: ClusterProbe,
  host: { api(method: 'POST', path: string, body?: unknown): Promise<unknown> },
): Promise<void> {
  const within = 10_000 * probe.patience;
  const { client, diagram } = dashboard;
  await expect.poll(async () => leaderIn(await probe.state(), 0), { timeout: within }).not.toBeNull();
  const state = await probe.state();
  const leader = leaderIn(state, 0)!;
  const follower = (state.partitions[0] ?? []).find((id) => id !== leader)!;

  await client.send('GET', 'color', { via: follower });
  await expect(diagram.requestPath).toHaveAttribute('data-status', 'ok', { timeout: within });
  await expect(diagram.requestPath).toHaveAttribute('data-served-by', follower);
  await expect(client.replyServedBy).toHaveText(follower);
  const hops = diagram.requestPath.getByTestId('request-hop');
  const kinds = await hops.evaluateAll((nodes) =>
    nodes.map(
      (node) => `${node.getAttribute('data-kind')} ${node.getAttribute('data-from')}>${node.getAttribute('data-to')}`,
    ),
  );
  expect(kinds).toEqual([
    `request client>${follower}`,
    `read-index ${follower}>${leader}`,
    `read-index-reply ${leader}>${follower}`,
    `reply ${follower}>client`,
  ]);

  // Cut the follower off: its next GET waits, the old reply is cleared, and the wait counts down.
  const others = (state.partitions[0] ?? []).filter((id) => id !== follower);
  await host.api('POST', '/api/network/partition', { sides: [[follower], others] });
  await client.send('GET', 'color', { via: follower });
  await expect(client.root.getByTestId('kv-waiting')).toHaveText(/^GET color: waiting, times out in [1-5] s$/, {
    timeout: within,
  });
  await expect(client.replyValue).toHaveCount(0);
  await expect(diagram.requestPath).toHaveAttribute('data-status', 'pending');
  await expect(diagram.requestPath).toHaveAttribute('data-served-by', '');
  await expect(client.replyValue).toHaveText(/^TRYAGAIN/, { timeout: within });
  await expect(diagram.requestPath).toHaveAttribute('data-status', 'failed');
}
