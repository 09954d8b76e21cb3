// The configuration panel: a preset or a pasted partition configuration, and "Restart cluster".
import type { Locator, Page } from '@playwright/test';

export class ConfigPanel {
  readonly root: Locator;
  readonly presetSelect: Locator;
  readonly configurationField: Locator;
  readonly restartButton: Locator;
  readonly error: Locator;
  readonly running: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByRole('region', { name: 'Configuration', exact: true });
    this.presetSelect = this.root.getByRole('combobox', { name: 'Preset', exact: true });
    this.configurationField = this.root.getByRole('textbox', { name: 'Partition configuration', exact: true });
    this.restartButton = this.root.getByRole('button', { name: 'Restart cluster', exact: true });
    this.error = this.root.getByTestId('config-error');
    this.running = this.root.getByTestId('current-config');
  }

  async restartOn(configuration: string): Promise<void> {
    await this.configurationField.fill(configuration);
    await this.restartButton.click();
  }
}
