// Each group's leader shows within seconds, as drawn by the dashboard and as the host reports it.

import { expect, test } from './fixtures/test';
import { expectEveryGroupLed } from './flows/elections';
import { saveScreenshot } from './support/screenshots';

test('the leader of a 1x3 cluster shows within seconds', async ({ dashboard, probe, page }) => {
  const [leader] = await expectEveryGroupLed(dashboard, probe);
  await expect(dashboard.diagram.selectButton(leader!)).toHaveAccessibleName(/\(leader, term \d+\)$/);
  await saveScreenshot(page, 'elected');
});

test.describe('sharded', () => {
  test.use({ hostOptions: { groups: 3, size: 3 } });

  test('each of three groups shows its own leader within seconds', async ({ dashboard, probe, host }) => {
    const leaders = await expectEveryGroupLed(dashboard, probe);
    expect(leaders).toHaveLength(3);
    leaders.forEach((leader, group) => {
      expect(host.partitions[group]).toContain(leader);
    });
  });
});
