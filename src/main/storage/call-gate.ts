// One call at a time, nothing after close, and nothing after a fatal failure: the rules both storage
// implementations enforce so that a host bug shows up as a clear rejection in tests, not as
// interleaved writes on disk.

export class CallGate {
  private inFlight: Promise<unknown> | null = null;
  private closing: Promise<void> | null = null;
  /** Set once durability is unknown; every later call rejects with this same error. */
  private failure: Error | null = null;

  constructor(private readonly scope: string) {}

  get failed(): Error | null {
    return this.failure;
  }

  fail(error: Error): void {
    this.failure ??= error;
  }

  async run<T>(call: string, work: () => Promise<T>): Promise<T> {
    if (this.closing) throw new Error(`${this.scope}: ${call}() after close()`);
    if (this.failure) throw this.failure;
    if (this.inFlight) {
      throw new Error(`${this.scope}: ${call}() while another call is in flight; await each call before the next`);
    }
    const running = work();
    this.inFlight = running;
    try {
      return await running;
    } finally {
      this.inFlight = null;
    }
  }

  /**
   * A call that may overlap the one call in flight (compaction deletes files a save never touches),
   * but not another of its kind, nor anything after close or a fatal failure.
   */
  async runAlongside<T>(call: string, work: () => Promise<T>): Promise<T> {
    if (this.closing) throw new Error(`${this.scope}: ${call}() after close()`);
    if (this.failure) throw this.failure;
    if (this.alongside) throw new Error(`${this.scope}: ${call}() while another ${call}() is in flight`);
    const running = work();
    this.alongside = running;
    try {
      return await running;
    } finally {
      this.alongside = null;
    }
  }

  private alongside: Promise<unknown> | null = null;

  /** Waits for the calls in flight (if any), then runs `release` once; later calls get the same promise. */
  close(release: () => Promise<void>): Promise<void> {
    this.closing ??= (async () => {
      await this.inFlight?.catch(() => {});
      await this.alongside?.catch(() => {});
      await release();
    })();
    return this.closing;
  }
}
