// The guided-scenario menu: choose a scenario, Start, Next, Stop, and what it says.
import type { Locator, Page } from '@playwright/test';

export class ScenarioMenu {
  readonly root: Locator;
  readonly picker: Locator;
  readonly startButton: Locator;
  readonly nextButton: Locator;
  readonly stopButton: Locator;
  readonly narration: Locator;
  readonly progress: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByRole('region', { name: 'Guided scenarios' });
    this.picker = this.root.getByRole('combobox', { name: 'Scenario' });
    this.startButton = this.root.getByRole('button', { name: 'Start', exact: true });
    this.nextButton = this.root.getByRole('button', { name: 'Next', exact: true });
    this.stopButton = this.root.getByRole('button', { name: 'Stop', exact: true });
    this.narration = this.root.getByTestId('scenario-narration');
    this.progress = this.root.getByTestId('scenario-progress');
  }

  async start(title: string): Promise<void> {
    await this.picker.selectOption({ label: title });
    await this.startButton.click();
  }
}
