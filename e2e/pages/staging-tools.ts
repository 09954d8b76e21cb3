// The staging panels: the held messages with their inspector, and the selected node's peer table.
import type { Locator, Page } from '@playwright/test';

export class StagingTools {
  readonly inspector: Locator;
  readonly heldMessages: Locator;
  readonly deliverNext: Locator;
  readonly messageDetail: Locator;
  readonly dropButton: Locator;
  readonly peerTable: Locator;

  constructor(readonly page: Page) {
    this.inspector = page.getByRole('region', { name: 'Messages in flight' });
    this.heldMessages = this.inspector.getByRole('listitem');
    this.deliverNext = this.inspector.getByRole('button', { name: 'Deliver next', exact: true });
    this.messageDetail = this.inspector.getByTestId('message-detail');
    this.dropButton = this.inspector.getByRole('button', { name: 'Drop this message', exact: true });
    this.peerTable = page.getByTestId('peer-table');
  }

  heldMessage(text: string): Locator {
    return this.heldMessages.filter({ hasText: text });
  }

  peerRow(name: string): Locator {
    return this.peerTable.getByRole('row').filter({ has: this.page.getByRole('rowheader', { name, exact: true }) });
  }
}
