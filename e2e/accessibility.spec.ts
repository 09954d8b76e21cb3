// Accessibility smoke: the controls exist under the names the issue gives them (found by role), and
// the event feed is an aria-live log that narrates an election.

import { test } from './fixtures/test';
import { everyControlHasItsName, feedNarratesAnElection } from './flows/accessibility';
import { expectEveryGroupLed } from './flows/elections';

test('every control is found by its role and the name that says what it does and to whom', async ({
  dashboard,
  probe,
}) => {
  await expectEveryGroupLed(dashboard, probe);
  await everyControlHasItsName(dashboard, probe);
});

test('the event feed is an aria-live log that narrates an election', async ({ dashboard, probe }) => {
  await expectEveryGroupLed(dashboard, probe);
  await feedNarratesAnElection(dashboard, probe);
});
