// The clock in the header: Pause / Resume and the slow-motion slider.
import type { Locator, Page } from '@playwright/test';

export class ClockControls {
  readonly pauseButton: Locator;
  readonly resumeButton: Locator;
  readonly timescaleSlider: Locator;

  constructor(readonly page: Page) {
    const clock = page.getByRole('group', { name: 'Cluster clock' });
    this.pauseButton = clock.getByRole('button', { name: 'Pause', exact: true });
    this.resumeButton = clock.getByRole('button', { name: 'Resume', exact: true });
    this.timescaleSlider = clock.getByRole('slider', { name: 'Slow motion (timescale)', exact: true });
  }
}
