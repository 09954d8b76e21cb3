// Every main action is reachable by a key, and the help overlay lists the keys.

import { test } from './fixtures/test';
import { expectEveryGroupLed } from './flows/elections';
import { everyMainActionHasAKey, helpListsTheShortcuts } from './flows/keyboard';
import { saveScreenshot } from './support/screenshots';

test('the help overlay lists the shortcuts', async ({ dashboard, probe }) => {
  await expectEveryGroupLed(dashboard, probe);
  await helpListsTheShortcuts(dashboard);
});

test('every main action works from the keyboard alone', async ({ dashboard, probe, page }) => {
  await expectEveryGroupLed(dashboard, probe);
  await everyMainActionHasAKey(dashboard, probe, () => saveScreenshot(page, 'presenter'));
});
