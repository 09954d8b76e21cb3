// Per-request latencies of one load run, kept as raw samples in a growing Float64Array (a few
// hundred thousand doubles at most), so percentiles are exact rather than bucketed.

export class LatencyRecorder {
  private samples = new Float64Array(1 << 16);
  private size = 0;

  get count(): number {
    return this.size;
  }

  record(ms: number): void {
    if (this.size === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.size++] = ms;
  }

  reset(): void {
    this.size = 0;
  }

  /** Sorted copy of the samples. */
  sorted(): Float64Array {
    return this.samples.slice(0, this.size).sort();
  }
}

/** The p-quantile (0..1) of sorted samples by the nearest-rank rule; NaN when there are none. */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(p * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(values: readonly number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}
