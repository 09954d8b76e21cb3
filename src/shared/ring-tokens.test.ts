import { describe, expect, it } from 'vitest';
import { DEFAULT_TOKENS_PER_GROUP, HashRing } from './ring';
import { CLASSROOM_TOKENS_PER_GROUP, ringScopedClusterId, tokensPerGroupProblem } from './ring-tokens';

describe('the ring token count as part of the cluster', () => {
  it('leaves the cluster id of a default ring as it was, so existing folders and peers still match', () => {
    expect(ringScopedClusterId('abc123', DEFAULT_TOKENS_PER_GROUP)).toBe('abc123');
  });

  it('gives a ring with another token count another cluster id, so its nodes refuse the others', () => {
    const classroom = ringScopedClusterId('abc123', CLASSROOM_TOKENS_PER_GROUP);
    expect(classroom).not.toBe('abc123');
    expect(classroom).not.toBe(ringScopedClusterId('abc123', 17));
  });

  it('refuses counts the ring cannot be built with, naming the count', () => {
    expect(tokensPerGroupProblem(16)).toBeUndefined();
    for (const bad of [0, -1, 2.5, 5000, Number.NaN]) {
      expect(tokensPerGroupProblem(bad)).toMatch(/^the ring's tokens per group must be a whole number from 1 to 4096/);
    }
  });

  it('the classroom ring routes differently from the default one: the count must match on every node', () => {
    const classroom = new HashRing(3, { tokensPerGroup: CLASSROOM_TOKENS_PER_GROUP });
    const fine = new HashRing(3);
    const keys = Array.from({ length: 200 }, (_, i) => `key-${i}`);
    expect(keys.some((key) => classroom.groupOf(key) !== fine.groupOf(key))).toBe(true);
  });

  it('keeps the classroom ring of the presets within 20% of a fair share, as measured in ring-tokens.ts', () => {
    for (const groups of [2, 3, 4, 5]) {
      const shares = new HashRing(groups, { tokensPerGroup: CLASSROOM_TOKENS_PER_GROUP }).shares();
      for (const share of shares) expect(Math.abs(share * groups - 1)).toBeLessThan(0.2);
    }
  });
});
