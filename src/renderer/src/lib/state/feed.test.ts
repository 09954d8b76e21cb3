import { describe, expect, it } from 'vitest';
import { appendLines, type FeedLine } from './feed';

const line = (id: number): FeedLine => ({ id, text: `line ${id}`, time: '12:00:00', tone: 'event' });

describe('event feed', () => {
  it('keeps lines in arrival order, newest last', () => {
    expect(appendLines([line(1)], [line(2), line(3)]).map((l) => l.id)).toEqual([1, 2, 3]);
  });

  it('stays bounded by dropping the oldest lines', () => {
    const lines = appendLines(
      Array.from({ length: 5 }, (_, i) => line(i)),
      [line(5), line(6)],
      4,
    );
    expect(lines.map((l) => l.id)).toEqual([3, 4, 5, 6]);
  });
});
