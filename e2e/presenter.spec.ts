// Presenter mode at 1280x720 for the readme (one group of five) and sharded (three of three)
// presets: one screen, the latest narration in a large caption, type a room can read. The hosts run
// the desktop app's classroom ring (16 tokens per group), whose every token the drawer's ring draws.
import { test } from './fixtures/test';
import { presenterViewFits } from './flows/presenter';
import { saveScreenshot } from './support/screenshots';

test.use({ viewport: { width: 1280, height: 720 } });

const CLASSROOM_RING = ['--ring-tokens', '16'];

test.describe('readme preset', () => {
  test.use({ hostOptions: { groups: 1, size: 5, extraArgs: CLASSROOM_RING } });

  test('the diagram and the caption fit one 1280x720 screen, in large type', async ({ dashboard, page }) => {
    await presenterViewFits(dashboard, () => saveScreenshot(page, 'presenter-readme-1280x720'), {
      groups: 1,
      tokensPerGroup: 16,
      screenshot: () => saveScreenshot(page, 'presenter-readme-ring-1280x720'),
    });
  });
});

test.describe('sharded preset', () => {
  test.use({ hostOptions: { groups: 3, size: 3, extraArgs: CLASSROOM_RING } });

  test('the diagram and the caption fit one 1280x720 screen, in large type', async ({ dashboard, page }) => {
    await presenterViewFits(dashboard, () => saveScreenshot(page, 'presenter-sharded-1280x720'), {
      groups: 3,
      tokensPerGroup: 16,
      screenshot: () => saveScreenshot(page, 'presenter-sharded-ring-1280x720'),
    });
  });
});
