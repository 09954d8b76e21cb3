import { describe, expect, it } from 'vitest';
import { SeededRandom } from './random';
import { DEFAULT_TOKENS_PER_GROUP, HASH_SPACE, HashRing, tokenPosition } from './ring';

function randomKeys(count: number, seed: number): Uint8Array[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, () => Uint8Array.from({ length: 16 }, () => random.nextInt(256)));
}

const keys = randomKeys(100_000, 42);

function counts(ring: HashRing, sample: readonly Uint8Array[]): number[] {
  const result = new Array<number>(ring.groupCount).fill(0);
  for (const key of sample) result[ring.groupOf(key)]!++;
  return result;
}

describe('HashRing balance', () => {
  it('gives each of 3 groups within ±10% of a third of 100k random keys with the defaults', () => {
    const perGroup = counts(new HashRing(3), keys);
    const fair = keys.length / 3;
    for (const count of perGroup) {
      expect(Math.abs(count - fair) / fair).toBeLessThanOrEqual(0.1);
    }
  });

  it.each([2, 4, 5])('keeps %i groups within ±10% of their fair share with the defaults', (groups) => {
    const fair = keys.length / groups;
    for (const count of counts(new HashRing(groups), keys)) {
      expect(Math.abs(count - fair) / fair).toBeLessThanOrEqual(0.1);
    }
  });

  it('is unbalanced with few tokens, which is why the default is large', () => {
    // Guards the measurement: a ring of 32 tokens a group is off by more than 10% somewhere.
    const worst = Math.max(
      ...[2, 3, 4, 5].map((groups) => {
        const ring = new HashRing(groups, { tokensPerGroup: 32 });
        return Math.max(...ring.shares().map((share) => Math.abs(share * groups - 1)));
      }),
    );
    expect(worst).toBeGreaterThan(0.1);
  });

  it('reports exact shares that sum to 1 and agree with counted keys', () => {
    const ring = new HashRing(3);
    const shares = ring.shares();
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const counted = counts(ring, keys);
    shares.forEach((share, group) => {
      expect(Math.abs(counted[group]! / keys.length - share)).toBeLessThan(0.01);
    });
  });
});

describe('HashRing consistency when a group is added', () => {
  // With the default tokens, adding a group moves 0.498, 0.322, 0.256, 0.190 of 100k keys for
  // 1→2, 2→3, 3→4, 4→5 groups (ideal 1/(n+1): 0.5, 0.333, 0.25, 0.2), and every moved key goes to
  // the new group, because the larger ring holds every token of the smaller one.
  it.each([1, 2, 3, 4])('moves about 1/(n+1) of the keys, all to the new group, from %i groups', (groups) => {
    const before = new HashRing(groups);
    const after = new HashRing(groups + 1);
    let moved = 0;
    let movedBetweenOldGroups = 0;
    for (const key of keys) {
      const from = before.groupOf(key);
      const to = after.groupOf(key);
      if (from !== to) {
        moved++;
        if (to !== groups) movedBetweenOldGroups++;
      }
    }
    expect(movedBetweenOldGroups).toBe(0);
    const ideal = 1 / (groups + 1);
    expect(Math.abs(moved / keys.length - ideal) / ideal).toBeLessThanOrEqual(0.1);
  });
});

describe('HashRing lookups', () => {
  it('hashes a string as its UTF-8 bytes', () => {
    const ring = new HashRing(3);
    expect(ring.hashOf('café')).toBe(ring.hashOf(new TextEncoder().encode('café')));
    expect(ring.groupOf('café')).toBe(ring.groupOf(new TextEncoder().encode('café')));
  });

  it('routes as it always has (golden values: a change here re-routes every stored key)', () => {
    const ring = new HashRing(3);
    expect(ring.hashOf('color')).toBe(0x6748b9c2);
    expect(tokenPosition(0, 0)).toBe(0xd3325fe3);
    expect(tokenPosition(2, 639)).toBe(0xf1645015);
    expect(['color', 'user:1', 'user:2', 'a', 'b', 'c', 'd', 'e', 'f'].map((key) => ring.groupOf(key))).toEqual([
      2, 1, 1, 1, 2, 2, 2, 0, 2,
    ]);
  });

  it('maps a position to the first token at or after it, wrapping past the last token', () => {
    const ring = new HashRing(4, { tokensPerGroup: 8 });
    const first = ring.tokens[0]!;
    const last = ring.tokens[ring.tokens.length - 1]!;
    const middle = ring.tokens[10]!;
    expect(ring.groupAt(first.hash)).toBe(first.group);
    expect(ring.groupAt(0)).toBe(first.group);
    expect(ring.groupAt(last.hash)).toBe(last.group);
    expect(ring.groupAt(last.hash + 1)).toBe(first.group);
    expect(ring.groupAt(HASH_SPACE - 1)).toBe(last.hash === HASH_SPACE - 1 ? last.group : first.group);
    expect(ring.groupAt(middle.hash)).toBe(middle.group);
    expect(ring.groupAt(ring.tokens[9]!.hash + 1)).toBe(middle.group);
  });

  it('puts every key of a one-group ring in group 0', () => {
    const ring = new HashRing(1);
    expect(keys.slice(0, 1000).every((key) => ring.groupOf(key) === 0)).toBe(true);
  });
});

describe('HashRing tokens for the renderer', () => {
  it('lists tokensPerGroup tokens for each group, sorted by hash, inside the hash space', () => {
    const ring = new HashRing(3);
    expect(ring.tokens).toHaveLength(3 * DEFAULT_TOKENS_PER_GROUP);
    for (let group = 0; group < 3; group++) {
      expect(ring.tokens.filter((t) => t.group === group)).toHaveLength(DEFAULT_TOKENS_PER_GROUP);
    }
    for (let i = 1; i < ring.tokens.length; i++) {
      expect(ring.tokens[i]!.hash).toBeGreaterThanOrEqual(ring.tokens[i - 1]!.hash);
    }
    expect(ring.tokens.every((t) => t.hash >= 0 && t.hash < HASH_SPACE)).toBe(true);
    expect(ring.view()).toEqual({ hashSpace: 2 ** 32, tokens: ring.tokens });
  });

  it('places the tokens of a group the same in rings of any size', () => {
    const small = new HashRing(2, { tokensPerGroup: 16 });
    const large = new HashRing(5, { tokensPerGroup: 16 });
    const positionsOf = (ring: HashRing, group: number) =>
      ring.tokens.filter((t) => t.group === group).map((t) => t.hash);
    expect(positionsOf(large, 1)).toEqual(positionsOf(small, 1));
  });

  it("a ring of group ids (a group removed live keeps its number) keeps every other group's keys where they were", () => {
    const three = new HashRing(3);
    expect(new HashRing([0, 1, 2]).tokens).toEqual(three.tokens);
    const withoutOne = new HashRing([2, 0]);
    expect(withoutOne.groupIds).toEqual([0, 2]);
    for (let i = 0; i < 2000; i++) {
      const key = `key-${i}`;
      const before = three.groupOf(key);
      // Removing group 1 moves only group 1's keys.
      if (before !== 1) expect(withoutOne.groupOf(key)).toBe(before);
      else expect([0, 2]).toContain(withoutOne.groupOf(key));
    }
    expect(withoutOne.shares()[1]).toBe(0);
  });

  it.each([
    [[] as number[], {}],
    [[1, -1], {}],
    [[0, 70_000], {}],
    [[0.5], {}],
  ])('refuses the group ids %j', (groups, options) => {
    expect(() => new HashRing(groups, options)).toThrow(RangeError);
  });

  it.each([
    [0, {}],
    [1.5, {}],
    [-1, {}],
    [70_000, {}],
    [2, { tokensPerGroup: 0 }],
    [2, { tokensPerGroup: 5000 }],
    [2, { tokensPerGroup: Number.NaN }],
  ])('refuses %s groups with options %j', (groups, options) => {
    expect(() => new HashRing(groups, options)).toThrow(RangeError);
  });
});
