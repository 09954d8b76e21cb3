// Cut a link: it is drawn cut and the messages stop there. Pause freezes the diagram; resume
// continues.

import { test } from './fixtures/test';
import { expectEveryGroupLed } from './flows/elections';
import { cutLinkStopsMessages, pauseFreezesAndResumeContinues } from './flows/network';
import { saveScreenshot } from './support/screenshots';

test('a link cut by clicking it is drawn cut, and messages between its ends die at the cut', async ({
  dashboard,
  probe,
  page,
}) => {
  await expectEveryGroupLed(dashboard, probe);
  await cutLinkStopsMessages(dashboard, probe, () => saveScreenshot(page, 'link-cut'));
});

test('pause freezes the diagram and the cluster; resume carries on', async ({ dashboard, probe, page }) => {
  await expectEveryGroupLed(dashboard, probe);
  await pauseFreezesAndResumeContinues(dashboard, probe, () => saveScreenshot(page, 'paused'));
});
