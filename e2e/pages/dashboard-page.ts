// The whole dashboard, as the specs see it: one page object per area, the header's controls, the
// event feed and the help overlay. Page objects find things and do things; the specs assert.
import type { Locator, Page } from '@playwright/test';
import { ClientPanel } from './client-panel';
import { ClockControls } from './clock-controls';
import { ConfigPanel } from './config-panel';
import { Diagram } from './diagram';
import { FlightRecorder } from './flight-recorder';
import { HashRingView } from './hash-ring';
import { LogsPanel } from './logs-panel';
import { NetworkControls } from './network-controls';

export class DashboardPage {
  readonly diagram: Diagram;
  readonly ring: HashRingView;
  readonly client: ClientPanel;
  readonly clock: ClockControls;
  readonly network: NetworkControls;
  readonly config: ConfigPanel;
  readonly logs: LogsPanel;
  readonly flightRecorder: FlightRecorder;
  readonly connectionStatus: Locator;
  readonly presenterButton: Locator;
  readonly shortcutsButton: Locator;
  /** The narration: role log, aria-live. */
  readonly feed: Locator;
  readonly helpDialog: Locator;
  /** Presenter mode: the button that opens the controls drawer, the drawer, and the caption strip. */
  readonly controlsButton: Locator;
  readonly drawer: Locator;
  readonly caption: Locator;

  constructor(readonly page: Page) {
    this.diagram = new Diagram(page);
    this.ring = new HashRingView(page);
    this.client = new ClientPanel(page);
    this.clock = new ClockControls(page);
    this.network = new NetworkControls(page);
    this.config = new ConfigPanel(page);
    this.logs = new LogsPanel(page);
    this.flightRecorder = new FlightRecorder(page);
    this.connectionStatus = page.getByTestId('connection-status');
    this.presenterButton = page.getByRole('button', { name: 'Presenter mode', exact: true });
    this.shortcutsButton = page.getByRole('button', { name: 'Keyboard shortcuts', exact: true });
    this.feed = page.getByRole('log', { name: 'Event feed', exact: true });
    this.helpDialog = page.getByRole('dialog', { name: 'Keyboard shortcuts', exact: true });
    this.controlsButton = page.getByRole('button', { name: 'Controls', exact: true });
    this.drawer = page.getByTestId('controls-drawer');
    this.caption = page.getByTestId('caption');
  }

  /** Opens the dashboard link a host printed (with its token). */
  async open(url: string): Promise<void> {
    await this.page.goto(url);
  }

  /** The feed's sentences without their times, oldest first. */
  feedSentences(): Promise<string[]> {
    return this.feed.locator('li .text').allInnerTexts();
  }

  /** The "why" button of the feed line that says `sentence`: it shows what the line is about. */
  whyButton(sentence: string): Locator {
    return this.feed
      .getByRole('listitem')
      .filter({ has: this.page.locator('.text', { hasText: sentence }) })
      .last()
      .getByRole('button', { name: /^Why/ });
  }

  /** The feed's lines, oldest first. */
  feedLines(): Promise<string[]> {
    return this.feed.getByRole('listitem').allInnerTexts();
  }

  /**
   * Presses a dashboard shortcut as a keyboard user would with nothing focused: focus is first
   * taken off any button, where Space would press the button instead.
   */
  async pressShortcut(key: string): Promise<void> {
    await this.page.evaluate(() => {
      const active = document.activeElement;
      if (active instanceof HTMLElement || active instanceof SVGElement) active.blur();
    });
    await this.page.keyboard.press(key);
  }

  /** Whether presenter mode's class is on the document, as the stylesheet sees it. */
  presenterModeOn(): Promise<boolean> {
    return this.page.evaluate(() => document.documentElement.classList.contains('presenter'));
  }
}
