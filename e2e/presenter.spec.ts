// Presenter mode at 1280x720 for the readme (one group of five) and sharded (three of three)
// presets: one screen, the latest narration in a large caption, type a room can read.
import { test } from './fixtures/test';
import { presenterViewFits } from './flows/presenter';
import { saveScreenshot } from './support/screenshots';

test.use({ viewport: { width: 1280, height: 720 } });

test.describe('readme preset', () => {
  test.use({ hostOptions: { groups: 1, size: 5 } });

  test('the diagram and the caption fit one 1280x720 screen, in large type', async ({ dashboard, page }) => {
    await presenterViewFits(dashboard, () => saveScreenshot(page, 'presenter-readme-1280x720'));
  });
});

test.describe('sharded preset', () => {
  test.use({ hostOptions: { groups: 3, size: 3 } });

  test('the diagram and the caption fit one 1280x720 screen, in large type', async ({ dashboard, page }) => {
    await presenterViewFits(dashboard, () => saveScreenshot(page, 'presenter-sharded-1280x720'));
  });
});
