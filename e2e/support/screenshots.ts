// Screenshots of the main states, kept under one stable folder (test-results/screenshots/, which
// Playwright's per-run output folder does not wipe) and attached to the test's report as well.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Page, test } from '@playwright/test';

export const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');

/** Saves the top of the dashboard (the diagram, ring and client), or the whole page with `fullPage`. */
export async function saveScreenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path, fullPage: options.fullPage ?? false });
  await test.info().attach(name, { path, contentType: 'image/png' });
  return path;
}
