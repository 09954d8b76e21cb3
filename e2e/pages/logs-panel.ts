// The logs, one strip per node, and each node's four action buttons beside its strip.
import type { Locator, Page } from '@playwright/test';

export type NodeAction = 'Kill' | 'Restart' | 'Step down' | 'Force timeout';

export class LogsPanel {
  readonly root: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByRole('region', { name: 'Logs and node actions' });
  }

  /** A node's strip, with data-last-index and data-commit-index. */
  strip(id: string): Locator {
    return this.root.getByTestId(`log-${id}`);
  }

  /** The entries drawn on a node's strip; each carries data-index, data-term and data-committed. */
  entries(id: string): Locator {
    return this.strip(id).locator('[data-index]');
  }

  /** The entry at one index of a node's strip, when that index is in the window drawn. */
  entry(id: string, index: number): Locator {
    return this.strip(id).locator(`[data-index="${index}"]`);
  }

  /** "Kill A", "Restart A", "Step down A", "Force timeout A". */
  actionButton(action: NodeAction, id: string): Locator {
    return this.root.getByRole('button', { name: `${action} ${id}`, exact: true });
  }

  async act(action: NodeAction, id: string): Promise<void> {
    await this.actionButton(action, id).click();
  }

  async lastIndex(id: string): Promise<number> {
    return Number((await this.strip(id).getAttribute('data-last-index')) ?? Number.NaN);
  }

  async commitIndex(id: string): Promise<number> {
    return Number((await this.strip(id).getAttribute('data-commit-index')) ?? Number.NaN);
  }
}
