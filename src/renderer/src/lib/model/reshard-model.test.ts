import { describe, expect, it } from 'vitest';
import { HashRing } from '../../../../shared/ring';
import { describeMovedKeys, movedKeys, moveProgress, suggestMembers } from './reshard-model';

const keys = Array.from({ length: 1000 }, (_, i) => `key-${i}`);
const two = new HashRing(2);
const three = new HashRing(3);
const fourWithTwo = new HashRing([0, 1, 2, 3]);

describe('the resharding model', () => {
  it('counts exactly the keys whose group changed, against the ideal 1/(n+1)', () => {
    const result = movedKeys(keys, [0, 1], [0, 1, 2]);
    const expected = keys.filter((k) => two.groupOf(k) !== three.groupOf(k));
    expect([...result.moved].sort()).toEqual(expected.sort());
    expect(expected.every((k) => three.groupOf(k) === 2)).toBe(true);
    expect(result.idealPercent).toBe(33);
    expect(describeMovedKeys(result)).toBe(
      `${expected.length} of 1000 keys moved to group 2: ${Math.round(expected.length / 10)}%, ideal 33%`,
    );
  });

  it('describes a removal from the removed group, ideal 1/n', () => {
    const result = movedKeys(keys, [0, 1, 2, 3], [0, 1, 3]);
    expect(describeMovedKeys(result)).toMatch(/^\d+ of 1000 keys moved from group 2: \d+%, ideal 25%$/);
    expect(result.moved.size).toBe(keys.filter((k) => fourWithTwo.groupOf(k) === 2).length);
  });

  it('progress is the share of keys copied, and done only when every move is', () => {
    expect(moveProgress([])).toEqual({ fraction: 1, moving: false });
    expect(
      moveProgress([
        { from: 0, to: 2, keysMoved: 30, keysTotal: 100, done: false },
        { from: 1, to: 2, keysMoved: 100, keysTotal: 100, done: false },
      ]),
    ).toEqual({ fraction: 0.65, moving: true });
  });

  it('suggests the ports after the highest in use', () => {
    expect(suggestMembers(['127.0.0.1:5001', '127.0.0.1:5009', '127.0.0.1:5004'])).toEqual([
      '127.0.0.1:5010',
      '127.0.0.1:5011',
      '127.0.0.1:5012',
    ]);
  });
});
