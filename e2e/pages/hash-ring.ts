// The hash ring: one arc per group, the keys seen so far, and the typed key's preview marker.
import type { Locator, Page } from '@playwright/test';

export class HashRingView {
  readonly preview: Locator;
  /** The ring's drawing. */
  readonly root: Locator;

  constructor(readonly page: Page) {
    this.preview = page.getByTestId('ring-preview');
    this.root = page.locator('figure.ring');
  }

  /** A written key's marker, with data-group and data-hash. */
  key(key: string): Locator {
    return this.page.getByTestId(`ring-key-${key}`);
  }

  arc(group: number): Locator {
    return this.page.getByTestId(`ring-arc-${group}`);
  }
}
