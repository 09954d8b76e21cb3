// The dashboard's idle cost, measured with the page open and nothing happening: a measurement for
// the record (printed and attached), held only to a very generous bound.

import { expect, test } from './fixtures/test';
import { expectEveryGroupLed } from './flows/elections';
import { describeIdleCpu, measureIdleCpu } from './support/renderer-cpu';

const WINDOW_MS = 10_000;

test('idle CPU of the dashboard renderer, cluster paused and cluster running (measured)', async ({
  dashboard,
  probe,
  page,
  browser,
}, testInfo) => {
  test.setTimeout(60_000);
  await expectEveryGroupLed(dashboard, probe);

  const running = await measureIdleCpu(page, browser, WINDOW_MS);

  await dashboard.clock.pauseButton.click();
  await expect(dashboard.clock.resumeButton).toBeVisible();
  await expect.poll(async () => (await probe.state()).clock.paused).toBe(true);
  const paused = await measureIdleCpu(page, browser, WINDOW_MS);

  for (const [label, cpu] of [
    ['idle CPU, cluster paused', paused],
    ['idle CPU, cluster running (heartbeats only)', running],
  ] as const) {
    const line = describeIdleCpu(label, cpu);
    console.log(line);
    testInfo.annotations.push({ type: 'measurement', description: line });
  }
  // Generous: a paused dashboard that spends a tenth of a core is burning CPU on nothing.
  expect(paused.mainThreadShare).toBeLessThan(0.1);
});
