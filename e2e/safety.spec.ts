// The safety lights as a person sees them: a real `raftlab cluster` of five, Figure 8 staged
// through the control API with the UNSAFE lesson switched on, and the dashboard's Leader
// Completeness light turns red with the evidence (nodes, index, terms). The same steps with the
// commit rule on leave all four lights green.
import type { ClusterState, KvResult, LessonSettings } from '../src/shared/api';
import { SAFETY_PROPERTIES } from '../src/shared/safety';
import { type Figure8Api, stageFigure8 } from '../test/integration/support/figure8';
import type { HeadlessHost } from './fixtures/headless-host';
import { expect, test } from './fixtures/test';
import { saveScreenshot } from './support/screenshots';

test.use({
  hostOptions: {
    groups: 1,
    size: 5,
    extraArgs: ['--no-prevote', '--no-check-quorum', '--request-timeout', '1000'],
  },
});

/** The control API over HTTP, as much of it as the staging uses. */
function httpApi(host: HeadlessHost): Figure8Api {
  const node = (id: string) => encodeURIComponent(id);
  return {
    state: () => host.api<ClusterState>('GET', '/api/state'),
    setLesson: async (settings: Partial<LessonSettings>) => void (await host.api('POST', '/api/lesson', settings)),
    partition: async (sides) => void (await host.api('POST', '/api/network/partition', { sides })),
    heal: async () => void (await host.api('POST', '/api/network/heal')),
    kv: (request) => host.api<KvResult>('POST', '/api/kv', request),
    kill: async (id) => void (await host.api('POST', `/api/nodes/${node(id)}/kill`)),
    restart: async (id) => void (await host.api('POST', `/api/nodes/${node(id)}/restart`)),
  };
}

function light(page: import('@playwright/test').Page, property: string) {
  return page.getByRole('region', { name: 'Safety monitor' }).getByTestId(`safety-${property}`);
}

test('the UNSAFE Figure 8 lesson turns the Leader Completeness light red, with the evidence', async ({
  dashboard,
  host,
  page,
}) => {
  test.setTimeout(120_000);
  for (const property of SAFETY_PROPERTIES) await expect(light(page, property)).toHaveAttribute('data-ok', 'true');
  const staged = await stageFigure8(httpApi(host), host.partitions[0]!, true);

  await expect(light(page, 'leaderCompleteness')).toHaveAttribute('data-ok', 'false', { timeout: 20_000 });
  const evidence = page.getByTestId('safety-leaderCompleteness-evidence');
  await expect(evidence).toContainText(`index ${staged.indexOfA}`);
  await expect(evidence).toContainText(`terms ${staged.termOfA}, ${staged.termOfB}`);
  await expect(light(page, 'electionSafety')).toHaveAttribute('data-ok', 'true');
  await expect(dashboard.diagram.node(staged.x)).toHaveAttribute('data-role', 'leader');
  await saveScreenshot(page, 'safety-red', { fullPage: true });
});

test('the same steps with the commit rule on keep every light green', async ({ dashboard, host, page }) => {
  test.setTimeout(120_000);
  const api = httpApi(host);
  const staged = await stageFigure8(api, host.partitions[0]!, false);
  // X overwrites the uncommitted A, and a new write commits on top: still nothing unsafe.
  expect((await api.kv({ op: 'SET', key: 'k', value: 'C', via: staged.x })).ok).toBe(true);
  await expect
    .poll(async () => (await api.state()).nodes.find((n) => n.id === staged.y)?.appliedIndex, { timeout: 20_000 })
    .toBeGreaterThan(staged.indexOfA);
  for (const property of SAFETY_PROPERTIES) await expect(light(page, property)).toHaveAttribute('data-ok', 'true');
  await expect(dashboard.diagram.node(staged.x)).toHaveAttribute('data-role', 'leader');
});
