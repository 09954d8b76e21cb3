import { describe, expect, it } from 'vitest';
import { finalMix32, murmur3, toBytes, utf8Bytes } from './hash';
import { SeededRandom } from './random';

const ascii = (text: string) => new TextEncoder().encode(text);

describe('murmur3', () => {
  // Published reference values of murmur3 x86_32, so that the ring is the same one every other
  // implementation of the algorithm would compute.
  it.each([
    ['', 0, 0x00000000],
    ['', 1, 0x514e28b7],
    ['a', 0, 0x3c2569b2],
    ['abc', 0, 0xb3dd93fa],
    ['hello', 0, 0x248bfa47],
    ['Hello, world!', 1234, 0xfaf6cdb3],
    ['The quick brown fox jumps over the lazy dog', 0, 0x2e4ff723],
  ])('matches the reference value for %j with seed %i', (text, seed, expected) => {
    expect(murmur3(ascii(text), seed)).toBe(expected);
  });

  it('depends on every byte, including each tail length', () => {
    const base = ascii('abcdefgh');
    const seen = new Set<number>();
    for (let length = 0; length <= base.length; length++) seen.add(murmur3(base.subarray(0, length)));
    expect(seen.size).toBe(base.length + 1);
  });

  it('always returns an unsigned 32-bit integer', () => {
    const random = new SeededRandom(7);
    for (let i = 0; i < 200; i++) {
      const bytes = Uint8Array.from({ length: random.nextInt(20) }, () => random.nextInt(256));
      const h = murmur3(bytes, random.nextInt(2 ** 32));
      expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
    }
  });
});

describe('finalMix32', () => {
  it('maps 0 to 0 and spreads neighbours far apart', () => {
    expect(finalMix32(0)).toBe(0);
    expect(Math.abs(finalMix32(1) - finalMix32(2))).toBeGreaterThan(2 ** 20);
  });
});

describe('utf8Bytes', () => {
  it.each([
    ['plain ascii'],
    ['café'],
    ['€ and ✓'],
    ['emoji 😀 pair'],
    ['lone high \ud800 surrogate'],
    ['lone low \udc00 surrogate'],
    ['ends in a high surrogate \ud83d'],
    [''],
  ])('encodes %j exactly as TextEncoder does', (text) => {
    expect(Array.from(utf8Bytes(text))).toEqual(Array.from(new TextEncoder().encode(text)));
  });

  it('passes bytes through toBytes untouched', () => {
    const bytes = new Uint8Array([0, 255, 1]);
    expect(toBytes(bytes)).toBe(bytes);
    expect(Array.from(toBytes('A'))).toEqual([65]);
  });
});
