// Fetches snapshots one after another: the next request is scheduled only after the previous one
// answered, so a slow host never has requests piling up. `delayAfter` picks the pause from the
// outcome (slower while the cluster is paused, slower still after a failure).
export class Poller {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private active = false;

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
    const succeeded = await this.fetchOnce();
    if (!this.active) return;
    this.cancel();
    this.timer = setTimeout(() => void this.pollNow(), this.delayAfter(succeeded));
  }

  private cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
