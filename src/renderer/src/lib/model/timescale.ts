// The speed slider works on a log scale: its value v gives a timescale of 10^v, so one slider
// covers real time (1) to a hundred times slower (100) with even steps per decade.
export const SLIDER_MIN = 0;
export const SLIDER_MAX = 2;
export const SLIDER_STEP = 0.05;

export function timescaleFromSlider(value: number): number {
  const clamped = Math.min(SLIDER_MAX, Math.max(SLIDER_MIN, value));
  return Number((10 ** clamped).toPrecision(3));
}

export function sliderFromTimescale(timescale: number): number {
  if (!(timescale > 0)) return SLIDER_MIN;
  return Math.min(SLIDER_MAX, Math.max(SLIDER_MIN, Math.log10(timescale)));
}

export function describeTimescale(timescale: number): string {
  if (Math.abs(timescale - 1) < 0.005) return 'real time';
  return timescale > 1 ? `${formatFactor(timescale)}× slower` : `${formatFactor(1 / timescale)}× faster`;
}

function formatFactor(factor: number): string {
  return factor >= 10 ? factor.toFixed(0) : factor.toFixed(1).replace(/\.0$/, '');
}

/** The `[` and `]` keys: twice as slow or twice as fast, kept within the slider's range. */
export function stepTimescale(timescale: number, slower: boolean): number {
  const next = slower ? timescale * 2 : timescale / 2;
  return timescaleFromSlider(sliderFromTimescale(next));
}
