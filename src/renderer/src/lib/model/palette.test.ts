import { describe, expect, it } from 'vitest';
import { coloursInUse, groupColour, termColour, textOn } from './palette';

describe('colours', () => {
  it('give each colour one meaning: the leader, a group or a term, never two', () => {
    const { leader, groups, terms } = coloursInUse();
    const normal = (colour: string) => colour.toLowerCase();
    const all = [leader, ...groups, ...terms].map(normal);
    expect(new Set(all).size).toBe(all.length);
    // The sharded preset's three groups and its first terms, as the issue saw them clash.
    for (const group of [0, 1, 2]) expect(normal(groupColour(group))).not.toBe(normal(leader));
    for (const term of [1, 2, 3]) {
      expect(normal(termColour(term))).not.toBe(normal(leader));
      expect([0, 1, 2].map((group) => normal(groupColour(group)))).not.toContain(normal(termColour(term)));
    }
  });

  it('keeps term numbers readable on every term tint', () => {
    for (let term = 0; term < 7; term++) expect(textOn(termColour(term))).toBe('#111111');
  });
});
