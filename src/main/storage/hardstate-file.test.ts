import { describe, expect, it } from 'vitest';
import { decodeHardState, encodeHardState } from './hardstate-file';
import { StorageCorruptError } from './types';

describe('hardstate file format', () => {
  it('term, vote and commit round-trip, including a non-ASCII vote and large numbers', () => {
    const hardState = { term: 2 ** 40 + 3, vote: 'nœud-ü:5001', commit: Number.MAX_SAFE_INTEGER };
    expect(decodeHardState(encodeHardState(hardState), 'hs')).toEqual(hardState);
    expect(decodeHardState(encodeHardState({ term: 0, vote: '', commit: 0 }), 'hs')).toEqual({
      term: 0,
      vote: '',
      commit: 0,
    });
  });

  it('a file cut to any shorter length is refused', () => {
    const bytes = encodeHardState({ term: 7, vote: '127.0.0.1:5003', commit: 12 });
    for (let length = 0; length < bytes.length; length++) {
      expect(() => decodeHardState(bytes.subarray(0, length), '/data/n1/hardstate')).toThrow(StorageCorruptError);
    }
  });

  it('a flipped bit anywhere is refused with the file named', () => {
    const bytes = encodeHardState({ term: 7, vote: '127.0.0.1:5003', commit: 12 });
    for (let offset = 0; offset < bytes.length; offset++) {
      const damaged = Buffer.from(bytes);
      damaged[offset]! ^= 0x10;
      expect(() => decodeHardState(damaged, '/data/n1/hardstate')).toThrow(/hardstate: .* in \/data\/n1\/hardstate/);
    }
  });
});
