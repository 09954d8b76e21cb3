// The dashboard's own timeline. It runs with the wall clock but stands still while the cluster's
// clock is paused, so a paused cluster shows a frozen picture: flights stop mid-link and timer
// arcs hold, and they carry on from the same point on resume.
export class DisplayClock {
  private heldMs = 0;
  private pausedAtWallMs: number | null = null;

  get paused(): boolean {
    return this.pausedAtWallMs !== null;
  }

  /** Display time for a wall-clock reading (e.g. performance.now()). */
  now(wallMs: number): number {
    return (this.pausedAtWallMs ?? wallMs) - this.heldMs;
  }

  setPaused(paused: boolean, wallMs: number): void {
    if (paused && this.pausedAtWallMs === null) {
      this.pausedAtWallMs = wallMs;
    } else if (!paused && this.pausedAtWallMs !== null) {
      this.heldMs += Math.max(0, wallMs - this.pausedAtWallMs);
      this.pausedAtWallMs = null;
    }
  }
}

/**
 * Maps host time (an event's `at`) onto display time. Host time runs `1 / timescale` as fast as the
 * wall clock and stands still while paused (src/main/host/clock.ts), so one display millisecond is
 * one host millisecond lasts `timescale` display milliseconds.
 *
 * The newest event of each batch is taken to be happening "now". A later batch moves the mapping
 * later at once; an earlier one moves it back only slowly, so one late batch does not make the
 * next jump. A change of timescale, or a large disagreement (the host restarted), re-anchors.
 */
export class HostTimeMap {
  private anchorHostMs: number | null = null;
  private anchorDisplayMs = 0;
  private scale = 1;

  constructor(
    private readonly reanchorAfterMs = 1000,
    private readonly creepPerBatchMs = 2,
  ) {}

  observe(newestHostAtMs: number, displayNowMs: number, timescale: number): void {
    const lagMs = displayNowMs - this.toDisplay(newestHostAtMs);
    if (this.anchorHostMs === null || timescale !== this.scale || Math.abs(lagMs) > this.reanchorAfterMs) {
      this.anchorHostMs = newestHostAtMs;
      this.anchorDisplayMs = displayNowMs;
      this.scale = timescale;
    } else {
      this.anchorDisplayMs += lagMs > 0 ? lagMs : Math.max(lagMs, -this.creepPerBatchMs);
    }
  }

  toDisplay(hostAtMs: number): number {
    if (this.anchorHostMs === null) return hostAtMs;
    return this.anchorDisplayMs + (hostAtMs - this.anchorHostMs) * this.scale;
  }
}
