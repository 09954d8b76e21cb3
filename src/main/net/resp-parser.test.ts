import { describe, expect, it } from 'vitest';
import { type RespParseItem, RespParser, type RespParserLimits } from './resp-parser';

const bytes = (text: string): Uint8Array => Buffer.from(text, 'latin1');
const text = (arg: Uint8Array): string => Buffer.from(arg).toString('latin1');

/** Every item the parser yields for `chunks`, commands shown as their arguments in latin1. */
function parseChunks(chunks: readonly Uint8Array[], limits: Partial<RespParserLimits> = {}): unknown[] {
  const parser = new RespParser(limits);
  const items: unknown[] = [];
  const drain = () => {
    for (let item = parser.next(); item !== null; item = parser.next()) items.push(describeItem(item));
  };
  for (const chunk of chunks) {
    parser.push(chunk);
    drain();
  }
  return items;
}

function describeItem(item: RespParseItem): unknown {
  if (item.kind === 'command') return item.args.map(text);
  if (item.kind === 'too-large') return 'too-large';
  return `protocol-error: ${item.message}`;
}

/** The input whole, then split in two at every byte boundary, then one byte at a time: all must agree. */
function expectSameAtEverySplit(input: Uint8Array, expected: unknown[], limits: Partial<RespParserLimits> = {}): void {
  expect(parseChunks([input], limits)).toEqual(expected);
  for (let cut = 1; cut < input.length; cut++) {
    expect(parseChunks([input.subarray(0, cut), input.subarray(cut)], limits), `split at ${cut}`).toEqual(expected);
  }
  const single = Array.from(input, (byte) => Uint8Array.of(byte));
  expect(parseChunks(single, limits)).toEqual(expected);
}

describe('RESP parser: framing', () => {
  it('parses a RESP array of bulk strings, whole and split at every byte', () => {
    expectSameAtEverySplit(bytes('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n'), [['SET', 'k', 'hello']]);
  });

  it('keeps binary values intact, including CR, LF and NUL inside them', () => {
    const input = bytes('*3\r\n$3\r\nSET\r\n$4\r\n\r\n\0\xff\r\n$6\r\na\r\nb\nc\r\n');
    expectSameAtEverySplit(input, [['SET', '\r\n\0\xff', 'a\r\nb\nc']]);
  });

  it('parses empty bulk strings and ignores *0 and *-1', () => {
    expectSameAtEverySplit(bytes('*0\r\n*-1\r\n*2\r\n$3\r\nGET\r\n$0\r\n\r\n'), [['GET', '']]);
  });

  it('parses an inline command with CRLF or bare LF', () => {
    expectSameAtEverySplit(bytes('PING\r\nset k v\nGET k\r\n'), [['PING'], ['set', 'k', 'v'], ['GET', 'k']]);
  });

  it('parses inline double and single quotes the way redis does', () => {
    const input = bytes(`SET "a b" 'c d'\r\nSET "x\\n\\x41\\"" 'it\\'s'\r\nSET a"b c" e\r\n`);
    expectSameAtEverySplit(input, [
      ['SET', 'a b', 'c d'],
      ['SET', 'x\nA"', "it's"],
      ['SET', 'ab c', 'e'],
    ]);
  });

  it('skips blank inline lines', () => {
    expectSameAtEverySplit(bytes('\r\n   \r\nPING\r\n'), [['PING']]);
  });

  it('parses many pipelined commands of both kinds from one chunk, in order', () => {
    const commands: string[] = [];
    const expected: string[][] = [];
    for (let i = 0; i < 500; i++) {
      if (i % 2 === 0) commands.push(`*2\r\n$3\r\nGET\r\n$${String(i).length}\r\n${i}\r\n`);
      else commands.push(`GET ${i}\r\n`);
      expected.push(['GET', String(i)]);
    }
    expect(parseChunks([bytes(commands.join(''))])).toEqual(expected);
  });

  it('yields nothing for an incomplete command until the rest arrives', () => {
    const parser = new RespParser();
    parser.push(bytes('*2\r\n$3\r\nGET\r\n$1\r\n'));
    expect(parser.next()).toBeNull();
    parser.push(bytes('k\r'));
    expect(parser.next()).toBeNull();
    parser.push(bytes('\n'));
    expect(describeItem(parser.next()!)).toEqual(['GET', 'k']);
  });

  it('returns values that do not alias the input chunk', () => {
    const parser = new RespParser();
    const chunk = Buffer.from('*2\r\n$3\r\nGET\r\n$3\r\nabc\r\n', 'latin1');
    parser.push(chunk);
    const item = parser.next();
    chunk.fill(0x21);
    expect(item && describeItem(item)).toEqual(['GET', 'abc']);
  });
});

describe('RESP parser: malformed input is a protocol error', () => {
  const cases: [string, string, string][] = [
    ['a non-numeric array length', '*x\r\n', 'invalid multibulk length'],
    ['an array longer than the limit', `*${1024 * 1024 + 1}\r\n`, 'invalid multibulk length'],
    ['a bulk length of 2^40', `*1\r\n$${2 ** 40}\r\n`, 'invalid bulk length'],
    ['a negative bulk length', '*1\r\n$-1\r\n', 'invalid bulk length'],
    ['an element that is not a bulk string', '*1\r\n:1\r\n', "expected '$', got ':'"],
    ['a bulk string not followed by CRLF', '*1\r\n$1\r\nab\r\n', 'expected CRLF after bulk string'],
    ['an unbalanced double quote', 'SET "a b\r\n', 'unbalanced quotes in request'],
    ['a closing quote glued to text', "SET 'a'b\r\n", 'unbalanced quotes in request'],
  ];
  for (const [name, input, message] of cases) {
    it(`rejects ${name}`, () => {
      expectSameAtEverySplit(bytes(input), [`protocol-error: ${message}`]);
    });
  }

  it('rejects an inline line over the limit as soon as the limit is passed, without waiting for its end', () => {
    const parser = new RespParser({ maxInlineBytes: 1000 });
    for (let i = 0; i < 10; i++) {
      parser.push(new Uint8Array(100).fill(0x61));
      expect(parser.next()).toBeNull();
    }
    parser.push(Uint8Array.of(0x61));
    expect(parser.next()).toEqual({ kind: 'protocol-error', message: 'too big inline request' });
    expect(parser.unparsedBytes).toBe(0);
  });

  it('rejects a header line that never ends', () => {
    expect(parseChunks([bytes('*1111111111111111111111111111111111111111111111111111111111111111111')])).toEqual([
      'protocol-error: too big mbulk count string',
    ]);
  });

  it('accepts nothing after a protocol error', () => {
    const parser = new RespParser();
    parser.push(bytes('*x\r\n'));
    expect(parser.next()?.kind).toBe('protocol-error');
    parser.push(bytes('PING\r\n'));
    expect(parser.next()).toBeNull();
    expect(parser.failed).toBe(true);
  });

  it('refuses to hold more unparsed input than its limit', () => {
    const parser = new RespParser({ maxUnparsedBytes: 100 });
    parser.push(bytes('PING\r\n'.repeat(20)));
    expect(parser.next()).toEqual({ kind: 'protocol-error', message: 'too much unparsed input' });
  });
});

describe('RESP parser: values over the size limit', () => {
  const limits = { maxBulkBytes: 10, maxCommandBytes: 1000 };

  it('discards a bulk string over maxBulkBytes and yields too-large, then parses the next command', () => {
    const input = bytes(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$11\r\n${'v'.repeat(11)}\r\n*1\r\n$4\r\nPING\r\n`);
    expectSameAtEverySplit(input, ['too-large', ['PING']], limits);
  });

  it('does not buffer a discarded value: consumed input is released as it arrives', () => {
    const parser = new RespParser(limits);
    parser.push(bytes('*2\r\n$3\r\nSET\r\n$100000\r\n'));
    for (let i = 0; i < 100; i++) {
      parser.push(new Uint8Array(1000));
      expect(parser.next()).toBeNull();
      expect(parser.unparsedBytes).toBe(0);
    }
    parser.push(bytes('\r\n'));
    expect(parser.next()).toEqual({ kind: 'too-large', reason: 'value', argumentCount: 2, limitBytes: 10 });
  });

  it('yields too-large for a command whose arguments together exceed maxCommandBytes', () => {
    const args = Array.from({ length: 20 }, () => '$10\r\n0123456789\r\n').join('');
    expect(parseChunks([bytes(`*20\r\n${args}PING\r\n`)], limits)).toEqual(['too-large', ['PING']]);
  });

  it('says which limit a discarded command passed: one value, or all arguments together', () => {
    const many = new RespParser(limits);
    many.push(bytes(`*20\r\n${Array.from({ length: 20 }, () => '$10\r\n0123456789\r\n').join('')}`));
    expect(many.next()).toEqual({ kind: 'too-large', reason: 'command', argumentCount: 20, limitBytes: 1000 });
    // A value over its limit says so, even when the arguments before it were already too many.
    const both = new RespParser(limits);
    both.push(
      bytes(`*20\r\n${Array.from({ length: 19 }, () => '$10\r\n0123456789\r\n').join('')}$11\r\n${'v'.repeat(11)}\r\n`),
    );
    expect(both.next()).toEqual({ kind: 'too-large', reason: 'value', argumentCount: 20, limitBytes: 10 });
  });

  it('raises the command limit with a raised value limit, so a big value is not too large twice over', () => {
    const value = 'v'.repeat(5 * 1024 * 1024);
    const input = bytes(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${value.length}\r\n${value}\r\n`);
    const socketChunks: Uint8Array[] = [];
    for (let at = 0; at < input.length; at += 65536) socketChunks.push(input.subarray(at, at + 65536));
    const [item] = parseChunks(socketChunks, { maxBulkBytes: value.length });
    expect(Array.isArray(item) && item[2] === value).toBe(true);
  });

  it('reports how many bytes a command holds, for backpressure', () => {
    const parser = new RespParser();
    parser.push(bytes('*2\r\n$3\r\nGET\r\n$5\r\nhello\r\n'));
    const item = parser.next();
    expect(item?.kind === 'command' && item.bytes).toBeGreaterThanOrEqual(8);
  });
});
