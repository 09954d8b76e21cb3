// Fetches snapshots one after another: the next request is scheduled only after the previous one
// answered, so a slow host never has requests piling up. `delayAfter` picks the pause from the
// outcome (slower while the cluster is paused, slower still after a failure).
export class Poller {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private active = false;
  private inFlight = false;
  /** When the scheduled poll is due (Date.now() ms), to bring it forward but never push it back. */
  private dueAt = Number.POSITIVE_INFINITY;
  /** A change was heard while a poll was in flight: poll again soon after it answers. */
  private soonAfter: number | null = null;

  constructor(
    private readonly fetchOnce: () => Promise<boolean>,
    private readonly delayAfter: (succeeded: boolean) => number,
  ) {}

  /** Polls now and keeps polling until stop(). */
  start(): void {
    this.active = true;
    void this.pollNow();
  }

  stop(): void {
    this.active = false;
    this.cancel();
  }

  /** An extra poll at once (after an action), which also resets the schedule. */
  async pollNow(): Promise<void> {
    if (!this.active) return;
    this.cancel();
    this.inFlight = true;
    const succeeded = await this.fetchOnce().finally(() => {
      this.inFlight = false;
    });
    if (!this.active) return;
    this.cancel();
    const soon = this.soonAfter;
    this.soonAfter = null;
    this.schedule(soon === null ? this.delayAfter(succeeded) : Math.min(soon, this.delayAfter(succeeded)));
  }

  /**
   * Brings the next poll forward to at most `delayMs` from now: the events said something the
   * snapshot shows changed (a role, a term, a commit), so the picture need not wait for the slow
   * idle schedule. Many calls in a row still make one poll.
   */
  pollSoon(delayMs: number): void {
    if (!this.active) return;
    if (this.inFlight) {
      this.soonAfter = Math.min(this.soonAfter ?? delayMs, delayMs);
      return;
    }
    if (this.dueAt <= Date.now() + delayMs) return;
    this.cancel();
    this.schedule(delayMs);
  }

  private schedule(delayMs: number): void {
    this.dueAt = Date.now() + delayMs;
    this.timer = setTimeout(() => void this.pollNow(), delayMs);
  }

  private cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.dueAt = Number.POSITIVE_INFINITY;
  }
}
