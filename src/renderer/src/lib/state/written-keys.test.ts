import { describe, expect, it } from 'vitest';
import { rememberKey } from './written-keys';

describe('written keys', () => {
  it('moves a key seen again to the end instead of listing it twice', () => {
    expect(rememberKey(['a', 'b', 'c'], 'a')).toEqual(['b', 'c', 'a']);
  });

  it('forgets the least recent keys beyond the limit and ignores the empty key', () => {
    expect(rememberKey(['a', 'b', 'c'], 'd', 3)).toEqual(['b', 'c', 'd']);
    expect(rememberKey(['a'], '')).toEqual(['a']);
  });
});
