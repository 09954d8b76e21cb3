// The client panel: a key, a value, the node to send through, SET/GET/DEL, and the reply.
import type { Locator, Page } from '@playwright/test';

export type KvOp = 'SET' | 'GET' | 'DEL';

export class ClientPanel {
  readonly root: Locator;
  readonly keyField: Locator;
  readonly valueField: Locator;
  readonly nodeSelect: Locator;
  /** The reply's heading, e.g. "GET color": which command the reply below answers. */
  readonly replyCommand: Locator;
  readonly replyValue: Locator;
  readonly replyGroup: Locator;
  readonly replyServedBy: Locator;
  readonly replyLatency: Locator;
  readonly replyVia: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByRole('region', { name: 'Client', exact: true });
    this.keyField = this.root.getByRole('textbox', { name: 'Key', exact: true });
    this.valueField = this.root.getByRole('textbox', { name: 'Value', exact: true });
    this.nodeSelect = this.root.getByRole('combobox', { name: 'Node', exact: true });
    this.replyCommand = this.root.getByTestId('kv-reply').locator('dt').first();
    this.replyValue = this.root.getByTestId('kv-value');
    this.replyGroup = this.root.getByTestId('kv-group');
    this.replyServedBy = this.root.getByTestId('kv-served-by');
    this.replyLatency = this.root.getByTestId('kv-latency');
    this.replyVia = this.root.getByTestId('kv-via');
  }

  button(op: KvOp): Locator {
    return this.root.getByRole('button', { name: op, exact: true });
  }

  /** Fills the form and presses the operation's button. `via` is a node id, or omitted for "any node". */
  async send(op: KvOp, key: string, options: { value?: string; via?: string } = {}): Promise<void> {
    await this.keyField.fill(key);
    if (options.value !== undefined) await this.valueField.fill(options.value);
    await this.nodeSelect.selectOption(options.via ?? '');
    await this.button(op).click();
  }
}
