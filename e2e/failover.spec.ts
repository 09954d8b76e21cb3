// Killing the leader from the UI shows a new leader; restarting it shows the old one rejoin.

import { test } from './fixtures/test';
import { expectEveryGroupLed } from './flows/elections';
import { killLeaderFromUi, restartAndSeeRejoin } from './flows/failover';
import { saveScreenshot } from './support/screenshots';

test('killing the leader from its button elects another; restarting it rejoins as a caught-up follower', async ({
  dashboard,
  probe,
  page,
}) => {
  await expectEveryGroupLed(dashboard, probe);
  const { old } = await killLeaderFromUi(dashboard, probe);
  await saveScreenshot(page, 'leader-killed');
  await restartAndSeeRejoin(dashboard, probe, old);
  await saveScreenshot(page, 'rejoined');
});
