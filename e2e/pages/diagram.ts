// The cluster diagram: group frames with their leader, node glyphs, links and message flights.
import type { Locator, Page } from '@playwright/test';
import { escapeRegExp } from '../support/text';

export type LinkVerb = 'Cut' | 'Heal';

export class Diagram {
  readonly root: Locator;
  readonly flights: Locator;
  readonly requestPath: Locator;
  readonly resetZoomButton: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByRole('group', { name: /^Cluster diagram/ });
    // Flights are drawn on an overlay laid over the diagram (their own compositing layer).
    this.flights = page.getByTestId('flight-overlay').getByTestId('flight');
    this.requestPath = this.root.getByTestId('request-path');
    this.resetZoomButton = page.getByRole('button', { name: 'Reset zoom', exact: true });
  }

  /** The node glyph, carrying data-role (`dead` when dead), data-alive and data-term. */
  node(id: string): Locator {
    return this.root.getByTestId(`node-${id}`);
  }

  /** The same glyph found the way a screen reader meets it: "Select A (role, term N)". */
  selectButton(id: string): Locator {
    return this.root.getByRole('button', { name: new RegExp(`^Select ${escapeRegExp(id)} \\(`) });
  }

  /** The group title's leader marker, whose data-leader is the leader's id or empty. */
  groupLeader(group: number): Locator {
    return this.root.getByTestId(`group-${group}-leader`);
  }

  async leaderOf(group: number): Promise<string> {
    return (await this.groupLeader(group).getAttribute('data-leader')) ?? '';
  }

  /** The link between two nodes, whichever of them the diagram names first. */
  link(a: string, b: string): Locator {
    return this.root.locator(`[data-testid="link-${a}-${b}"], [data-testid="link-${b}-${a}"]`);
  }

  /** The link as a button: "Cut link A – B" or "Heal link A – B", in either order of its ends. */
  linkButton(verb: LinkVerb, a: string, b: string): Locator {
    const ea = escapeRegExp(a);
    const eb = escapeRegExp(b);
    return this.root.getByRole('button', { name: new RegExp(`^${verb} link (${ea} – ${eb}|${eb} – ${ea})$`) });
  }

  /** Flights drawn between two nodes, in either direction. */
  flightsBetween(a: string, b: string): Locator {
    return this.root
      .page()
      .getByTestId('flight-overlay')
      .locator(
        `[data-testid="flight"][data-from="${a}"][data-to="${b}"], [data-testid="flight"][data-from="${b}"][data-to="${a}"]`,
      );
  }

  /** Where each drawn flight is, as its transform, in document order. */
  flightPositions(): Promise<string[]> {
    return this.flights.evaluateAll((elements) => elements.map((element) => element.getAttribute('transform') ?? ''));
  }

  /** Each node's term as drawn, by id. */
  async terms(ids: readonly string[]): Promise<Record<string, string>> {
    const terms: Record<string, string> = {};
    for (const id of ids) terms[id] = (await this.node(id).getAttribute('data-term')) ?? '';
    return terms;
  }
}
