// How large text really is on screen: a CSS font size, times the scale its SVG is drawn at. An SVG
// label's computed font-size is in viewBox units, so only this product says what the room sees.
import type { Locator, Page } from '@playwright/test';

/** The on-screen size in px of each text element the locator matches (SVG or HTML), skipping hidden ones. */
export function renderedFontSizes(locator: Locator): Promise<number[]> {
  return locator.evaluateAll((elements) =>
    elements
      .filter((element) => element.getClientRects().length > 0)
      .map((element) => {
        const size = Number.parseFloat(getComputedStyle(element).fontSize);
        const svg = element instanceof SVGElement ? element.ownerSVGElement : null;
        const matrix = svg?.getScreenCTM();
        return matrix ? size * Math.hypot(matrix.a, matrix.b) : size;
      }),
  );
}

/** The page's scroll extent against its window: anything larger means scrolling. */
export function pageExtent(
  page: Page,
): Promise<{ scrollWidth: number; scrollHeight: number; width: number; height: number }> {
  return page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    scrollHeight: document.documentElement.scrollHeight,
    width: window.innerWidth,
    height: window.innerHeight,
  }));
}
