// A SET from the client panel, then a GET through another node, shows the value, and each key
// appears on the ring in the arc of the group the server reports. On 3x3, so groups differ.

import { expect, test } from './fixtures/test';
import { setThenGetThroughAnotherNode } from './flows/client';
import { expectEveryGroupLed } from './flows/elections';
import { saveScreenshot } from './support/screenshots';

test.use({ hostOptions: { groups: 3, size: 3 } });

test('SET then GET through another node shows the value, and the key sits in the arc of the group that served it', async ({
  dashboard,
  probe,
  page,
}) => {
  await expectEveryGroupLed(dashboard, probe);
  const groups = new Set<number>();
  for (const [key, value] of [
    ['color', 'blue'],
    ['planet', 'mars'],
    ['fruit', 'kiwi'],
    ['city', 'oslo'],
  ] as const) {
    groups.add(await setThenGetThroughAnotherNode(dashboard, probe, key, value));
  }
  // Four keys over three groups: the ring check above covered at least two different arcs.
  expect(groups.size).toBeGreaterThan(1);
  await saveScreenshot(page, 'sharded');
});
