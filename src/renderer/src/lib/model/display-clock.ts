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
 * Maps host time (an event's `at`) onto display time. The newest event of each batch is taken to
 * be happening "now"; the offset only ever creeps back slowly, so one late batch does not make
 * the next one jump, and a large disagreement (a restart of the host, a resume) re-anchors at once.
 */
export class HostTimeMap {
  private offsetMs: number | null = null;

  constructor(
    private readonly reanchorAfterMs = 1000,
    private readonly creepPerBatchMs = 2,
  ) {}

  observe(newestHostAtMs: number, displayNowMs: number): void {
    const candidate = displayNowMs - newestHostAtMs;
    if (this.offsetMs === null || Math.abs(candidate - this.offsetMs) > this.reanchorAfterMs) {
      this.offsetMs = candidate;
    } else if (candidate > this.offsetMs) {
      this.offsetMs = candidate;
    } else {
      this.offsetMs = Math.max(candidate, this.offsetMs - this.creepPerBatchMs);
    }
  }

  toDisplay(hostAtMs: number): number {
    return hostAtMs + (this.offsetMs ?? 0);
  }
}
