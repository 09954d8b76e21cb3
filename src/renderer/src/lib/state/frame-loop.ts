// A requestAnimationFrame loop that exists only while it is needed: `ensure()` starts it if
// `needed()` says so, each frame asks again, and it ends by itself once nothing moves. Frames
// closer together than `minIntervalMs` are skipped, to bound the work of a 60 or 120 Hz display; the
// interval may be a function, asked each frame, so routine motion can run at a lower rate.
export class FrameLoop {
  private frame: number | null = null;
  private lastTickWallMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly minIntervalMs: number | (() => number),
    private readonly needed: () => boolean,
    private readonly tick: (wallMs: number) => void,
  ) {}

  get running(): boolean {
    return this.frame !== null;
  }

  ensure(): void {
    if (this.frame === null && this.needed()) this.frame = requestAnimationFrame(this.step);
  }

  stop(): void {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
  }

  private readonly step = (wallMs: number): void => {
    this.frame = null;
    const interval = typeof this.minIntervalMs === 'number' ? this.minIntervalMs : this.minIntervalMs();
    if (wallMs - this.lastTickWallMs >= interval) {
      this.lastTickWallMs = wallMs;
      this.tick(wallMs);
    }
    this.ensure();
  };
}
