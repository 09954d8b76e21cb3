// The event feed's lines: a bounded list, newest last, each with a stable id for keyed rendering.
export interface FeedLine {
  readonly id: number;
  readonly text: string;
  /** Wall-clock time of day, for the reader. */
  readonly time: string;
  readonly tone: 'event' | 'action' | 'error';
}

export const FEED_LIMIT = 150;

export function appendLines(lines: readonly FeedLine[], added: readonly FeedLine[], limit = FEED_LIMIT): FeedLine[] {
  const all = added.length === 0 ? [...lines] : [...lines, ...added];
  return all.length > limit ? all.slice(all.length - limit) : all;
}
