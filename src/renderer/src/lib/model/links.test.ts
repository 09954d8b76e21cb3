import { describe, expect, it } from 'vitest';
import { cutBetween, describeCut, isCut, linkPairs, partitionSides } from './links';

describe('group links', () => {
  it('joins every pair of members once', () => {
    expect(linkPairs(['a', 'b', 'c'])).toEqual([
      ['a', 'b'],
      ['a', 'c'],
      ['b', 'c'],
    ]);
    expect(linkPairs(['a'])).toEqual([]);
  });

  it('reads a two-way cut from either order of the pair', () => {
    const links = [{ a: 'b', b: 'a', oneWay: false }];
    expect(describeCut(cutBetween(links, 'a', 'b'))).toBe('both');
  });

  it('reads a one-way cut as blocking only its direction', () => {
    const links = [{ a: 'b', b: 'a', oneWay: true }];
    expect(describeCut(cutBetween(links, 'a', 'b'))).toBe('b-to-a');
    expect(isCut(links, 'b', 'a')).toBe(true);
    expect(isCut(links, 'a', 'b')).toBe(false);
  });

  it('reads two opposite one-way cuts as a two-way cut', () => {
    const links = [
      { a: 'a', b: 'b', oneWay: true },
      { a: 'b', b: 'a', oneWay: true },
    ];
    expect(describeCut(cutBetween(links, 'a', 'b'))).toBe('both');
    expect(describeCut(cutBetween(links, 'a', 'c'))).toBe('none');
  });
});

describe('partition tool', () => {
  it('puts the chosen nodes on side A and every other node on side B', () => {
    expect(partitionSides(['a', 'b', 'c', 'd'], new Set(['c', 'a']))).toEqual([
      ['a', 'c'],
      ['b', 'd'],
    ]);
  });

  it('refuses a partition with an empty side', () => {
    expect(partitionSides(['a', 'b'], new Set())).toBeNull();
    expect(partitionSides(['a', 'b'], new Set(['a', 'b']))).toBeNull();
  });
});
