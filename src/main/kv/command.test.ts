import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../shared/random';
import {
  type Command,
  CommandDecodeError,
  decodeCommand,
  describeCommand,
  describeEntry,
  encodeCommand,
} from './command';

const text = (s: string) => new TextEncoder().encode(s);
const bytes = (...values: number[]) => new Uint8Array(values);
const set = (key: Uint8Array | string, value: Uint8Array | string): Command => ({
  type: 'set',
  key: typeof key === 'string' ? text(key) : key,
  value: typeof value === 'string' ? text(value) : value,
});
const del = (...keys: (Uint8Array | string)[]): Command => ({
  type: 'del',
  keys: keys.map((k) => (typeof k === 'string' ? text(k) : k)),
});

function plain(command: Command) {
  return command.type === 'set'
    ? { type: 'set', key: Array.from(command.key), value: Array.from(command.value) }
    : { type: 'del', keys: command.keys.map((k) => Array.from(k)) };
}

describe('encodeCommand and decodeCommand', () => {
  it.each([
    ['SET of text', set('color', 'blue')],
    ['SET with an empty key and an empty value', set('', '')],
    ['SET of binary bytes, zeros included', set(bytes(0, 255, 0, 10), bytes(0, 0, 0, 0, 0xff))],
    ['SET whose value looks like a length prefix', set('k', bytes(0x44, 0, 0, 0, 1))],
    ['DEL of one key', del('a')],
    ['DEL of several keys, one empty, one repeated', del('a', '', 'bb', 'a')],
  ])('round-trips %s', (_name, command) => {
    expect(plain(decodeCommand(encodeCommand(command)))).toEqual(plain(command));
  });

  it('round-trips random commands', () => {
    const random = new SeededRandom(3);
    const randomBytes = () => Uint8Array.from({ length: random.nextInt(40) }, () => random.nextInt(256));
    for (let i = 0; i < 500; i++) {
      const command: Command = random.chance(0.5)
        ? { type: 'set', key: randomBytes(), value: randomBytes() }
        : { type: 'del', keys: Array.from({ length: 1 + random.nextInt(5) }, randomBytes) };
      expect(plain(decodeCommand(encodeCommand(command)))).toEqual(plain(command));
    }
  });

  it('decodes from a view into a larger buffer (as a log read gives it)', () => {
    const encoded = encodeCommand(set('key', 'value'));
    const buffer = new Uint8Array(encoded.length + 20);
    buffer.set(encoded, 7);
    expect(plain(decodeCommand(buffer.subarray(7, 7 + encoded.length)))).toEqual(plain(set('key', 'value')));
  });

  it('keeps its wire form: a stored log must decode in every later version', () => {
    expect(Array.from(encodeCommand(set('k', 'v')))).toEqual([0x53, 0, 0, 0, 1, 0x6b, 0x76]);
    expect(Array.from(encodeCommand(del('a', 'bc')))).toEqual([
      0x44, 0, 0, 0, 2, 0, 0, 0, 1, 0x61, 0, 0, 0, 2, 0x62, 0x63,
    ]);
  });

  it('refuses to encode a DEL without keys', () => {
    expect(() => encodeCommand({ type: 'del', keys: [] })).toThrow(RangeError);
  });
});

describe('decodeCommand rejects garbage with CommandDecodeError', () => {
  it.each([
    ['empty data', bytes(), /empty command/],
    ['an unknown opcode', bytes(0x58, 1, 2), /unknown opcode 0x58/],
    ['a SET cut inside its key length', bytes(0x53, 0, 0), /SET key length is cut off/],
    [
      'a SET whose key runs past the end',
      bytes(0x53, 0, 0, 0, 9, 1, 2),
      /SET key of 9 bytes runs past the end \(2 left\)/,
    ],
    ['a SET with a 4 GiB key length', bytes(0x53, 0xff, 0xff, 0xff, 0xff), /SET key of 4294967295 bytes/],
    ['a DEL with no keys', bytes(0x44, 0, 0, 0, 0), /DEL with no keys/],
    [
      'a DEL claiming more keys than fit',
      bytes(0x44, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0),
      /DEL claims 4294967295 keys/,
    ],
    ['a DEL cut inside a key', bytes(0x44, 0, 0, 0, 1, 0, 0, 0, 5, 1), /DEL key 0 of 5 bytes runs past the end/],
    [
      'a DEL cut inside its second key length',
      bytes(0x44, 0, 0, 0, 2, 0, 0, 0, 1, 0x61, 0, 0, 0),
      /DEL key 1 length is cut off/,
    ],
    ['a DEL with bytes after its last key', bytes(0x44, 0, 0, 0, 1, 0, 0, 0, 0, 7), /1 bytes after its last key/],
  ])('%s', (_name, data, message) => {
    expect(() => decodeCommand(data)).toThrow(CommandDecodeError);
    expect(() => decodeCommand(data)).toThrow(message);
  });

  it('never throws anything else on random bytes', () => {
    const random = new SeededRandom(8);
    let decoded = 0;
    for (let i = 0; i < 5000; i++) {
      const data = Uint8Array.from({ length: random.nextInt(16) }, (_, j) =>
        j === 0 ? [0x53, 0x44, 0][random.nextInt(3)]! : random.nextInt(j < 5 ? 3 : 256),
      );
      try {
        decodeCommand(data);
        decoded++;
      } catch (error) {
        expect(error).toBeInstanceOf(CommandDecodeError);
      }
    }
    expect(decoded).toBeGreaterThan(0);
  });
});

describe('describeCommand', () => {
  it.each([
    ['a plain SET', set('color', 'blue'), 'SET color blue'],
    ['a plain DEL', del('a', 'b'), 'DEL a b'],
    ['a key with a space, quoted', set('my key', 'v'), 'SET "my key" v'],
    ['an empty value, quoted', set('k', ''), 'SET k ""'],
    ['quotes, backslashes and newlines, escaped', set('k', 'a"b\\c\nd\te'), 'SET k "a\\"b\\\\c\\nd\\te"'],
    ['UTF-8 text, shown as text', set('café', 'naïve ✓'), 'SET café "naïve ✓"'],
    [
      'non-UTF-8 bytes, as \\xNN',
      set('img', bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x00)),
      'SET img "\\x89PNG\\r\\n\\x00"',
    ],
    ['control characters in text', set('k', bytes(0x61, 0x01, 0x7f)), 'SET k "a\\x01\\x7f"'],
    ['a right-to-left override, escaped', set('k', 'abc\u202edef'), 'SET k "abc\\u{202e}def"'],
    ['a zero-width space, escaped', set('k', 'a\u200bb'), 'SET k "a\\u{200b}b"'],
    ['a no-break space, escaped', set('k', 'a\u00a0b'), 'SET k "a\\u{a0}b"'],
  ])('shows %s', (_name, command, expected) => {
    expect(describeCommand(encodeCommand(command))).toBe(expected);
  });

  it('shortens a long value with …', () => {
    const described = describeCommand(encodeCommand(set('k', 'x'.repeat(1_000_000))));
    expect(described).toBe(`SET k "${'x'.repeat(32)}…"`);
  });

  it('never cuts an escape or a character in half', () => {
    expect(describeCommand(encodeCommand(set('k', `${'x'.repeat(30)}\n\n`)))).toBe(`SET k "${'x'.repeat(30)}\\n…"`);
    expect(describeCommand(encodeCommand(set('k', `${'x'.repeat(31)}😀`)))).toBe(`SET k "${'x'.repeat(31)}…"`);
  });

  it('lists the first keys of a long DEL and counts the rest', () => {
    expect(describeCommand(encodeCommand(del('a', 'b', 'c', 'd', 'e', 'f')))).toBe('DEL a b c d … +2 more');
    expect(describeCommand(encodeCommand(del('a', 'b', 'c')), { maxKeys: 1 })).toBe('DEL a … +2 more');
  });

  it('honours maxTokenChars', () => {
    expect(describeCommand(encodeCommand(set('abcdef', 'v')), { maxTokenChars: 3 })).toBe('SET "abc…" v');
  });

  it('describes undecodable data instead of throwing', () => {
    expect(describeCommand(bytes(1, 2, 3))).toBe('(undecodable command, 3 bytes)');
    expect(describeCommand(bytes())).toBe('(undecodable command, 0 bytes)');
  });

  it('describes a no-op entry as (no-op)', () => {
    expect(describeEntry({ index: 1, term: 1, type: 'noop', data: bytes() })).toBe('(no-op)');
    expect(describeEntry({ index: 2, term: 1, type: 'normal', data: encodeCommand(set('a', 'b')) })).toBe('SET a b');
  });
});
