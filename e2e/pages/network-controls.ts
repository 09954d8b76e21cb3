// The network and Raft controls: latency and drop sliders, PreVote and CheckQuorum, the partition
// tool, heal all, and the list of one-way cuts.
import type { Locator, Page } from '@playwright/test';
import type { LinkVerb } from './diagram';

export class NetworkControls {
  readonly root: Locator;
  readonly latencyMinSlider: Locator;
  readonly latencyMaxSlider: Locator;
  readonly dropRateSlider: Locator;
  readonly preVoteCheckbox: Locator;
  readonly checkQuorumCheckbox: Locator;
  readonly partitionButton: Locator;
  readonly healAllButton: Locator;
  /** The <summary> "Links (N cut) — one-way cuts" that opens the one-way list. */
  readonly linksSummary: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByRole('region', { name: 'Network and Raft controls' });
    this.latencyMinSlider = this.root.getByRole('slider', { name: 'Latency min (ms)', exact: true });
    this.latencyMaxSlider = this.root.getByRole('slider', { name: 'Latency max (ms)', exact: true });
    this.dropRateSlider = this.root.getByRole('slider', { name: 'Drop rate (%)', exact: true });
    this.preVoteCheckbox = this.root.getByRole('checkbox', { name: 'PreVote', exact: true });
    this.checkQuorumCheckbox = this.root.getByRole('checkbox', { name: 'CheckQuorum', exact: true });
    this.partitionButton = this.root.getByRole('button', { name: 'Partition', exact: true });
    this.healAllButton = this.root.getByRole('button', { name: 'Heal all', exact: true });
    this.linksSummary = this.root.locator('summary', { hasText: /^Links \(\d+ cut\)/ });
  }

  sideA(id: string): Locator {
    return this.root.getByRole('checkbox', { name: `Side A: ${id}`, exact: true });
  }

  /** "Cut A → B only" / "Heal A → B only": one direction of one link. */
  oneWayButton(verb: LinkVerb, from: string, to: string): Locator {
    return this.root.getByRole('button', { name: `${verb} ${from} → ${to} only`, exact: true });
  }

  async openLinksList(): Promise<void> {
    const open = await this.linksSummary.evaluate((summary) => (summary.parentElement as HTMLDetailsElement).open);
    if (!open) await this.linksSummary.click();
  }
}
