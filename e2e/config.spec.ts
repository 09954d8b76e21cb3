// A bad configuration pasted in the panel shows the parser's error, and the cluster keeps running.

import { test } from './fixtures/test';
import { badConfigurationShowsErrorAndClusterRuns } from './flows/config';
import { expectEveryGroupLed } from './flows/elections';
import { saveScreenshot } from './support/screenshots';

test('a bad configuration shows the parser error inline and the running cluster carries on', async ({
  dashboard,
  probe,
  page,
}) => {
  await expectEveryGroupLed(dashboard, probe);
  await badConfigurationShowsErrorAndClusterRuns(dashboard, probe, () =>
    saveScreenshot(page, 'config-error', { fullPage: true }),
  );
});
