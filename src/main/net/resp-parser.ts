// An incremental parser for client input: RESP2 arrays of bulk strings, and inline commands (one
// text line, as typed into nc or telnet). It is fed socket chunks of any size and yields whole
// commands. It is a resumable state machine: every input byte is looked at once, whatever the
// chunking, so many tiny chunks cost no more than one big one.
//
// Memory is bounded per connection (see RespParserLimits). Two kinds of "too big" differ on purpose:
// - a bulk string larger than `maxBulkBytes` (or a command larger than `maxCommandBytes`) but within
//   the protocol's hard ceiling is read and thrown away as it arrives, and yields a `too-large` item;
//   the server answers `-ERR value too large` and the connection lives on, as CONTRACTS.md §3 says;
// - a length that no command could ever have (above `maxProtocolBulkBytes`, e.g. 2^40), a malformed
//   header, or an over-long inline line is a protocol error: the connection is then closed.
import { splitInline } from './resp-inline';

export interface RespParserLimits {
  /** Largest bulk string kept. The kv value limit is 1 MiB; the slack leaves that check to the kv layer. */
  readonly maxBulkBytes: number;
  /** Bulk lengths above this are a protocol error rather than a value that is too large (Redis: 512 MiB). */
  readonly maxProtocolBulkBytes: number;
  /** Most arguments in one RESP array (Redis uses the same 1024 * 1024). */
  readonly maxArrayLength: number;
  /** The sum of one command's argument sizes, plus a fixed per-argument overhead, beyond which it is too large. */
  readonly maxCommandBytes: number;
  /** The longest inline command line (Redis: 64 KiB). */
  readonly maxInlineBytes: number;
  /** Input pushed but not yet parsed; the server pauses the socket long before this is reached. */
  readonly maxUnparsedBytes: number;
}

export const DEFAULT_RESP_PARSER_LIMITS: RespParserLimits = {
  maxBulkBytes: 1024 * 1024 + 64 * 1024,
  maxProtocolBulkBytes: 512 * 1024 * 1024,
  maxArrayLength: 1024 * 1024,
  maxCommandBytes: 4 * 1024 * 1024,
  maxInlineBytes: 64 * 1024,
  maxUnparsedBytes: 4 * 1024 * 1024,
};

export type RespParseItem =
  /** `bytes` is what the command holds in memory, for the server's backpressure accounting. */
  | { readonly kind: 'command'; readonly args: Uint8Array[]; readonly bytes: number }
  /**
   * A complete command whose arguments were discarded because they exceeded a size limit: one
   * argument over maxBulkBytes (`value`), or all of them together over maxCommandBytes (`command`,
   * which takes tens of thousands of arguments: a DEL of too many keys). `limitBytes` is the limit
   * passed, for the error reply.
   */
  | {
      readonly kind: 'too-large';
      readonly reason: 'value' | 'command';
      readonly argumentCount: number;
      readonly limitBytes: number;
    }
  /** `message` follows `Protocol error: ` in the reply. The parser accepts nothing after this. */
  | { readonly kind: 'protocol-error'; readonly message: string };

/** Counted per argument against maxCommandBytes, so that a million empty strings are not free. */
export const ARGUMENT_OVERHEAD_BYTES = 64;
/** `*<n>\r\n` and `$<n>\r\n` lines: far more than the longest valid length needs. */
const MAX_HEADER_LINE_BYTES = 64;

const CR = 0x0d;
const LF = 0x0a;
const ASTERISK = 0x2a;
const DOLLAR = 0x24;
const MINUS = 0x2d;

enum State {
  Idle,
  Inline,
  ArrayHeader,
  BulkHeader,
  BulkBody,
  BulkTerminator,
  Failed,
}

/** Parses `-?[0-9]+` from line[1 .. length - 2] where the line ends in \r. NaN when it is anything else. */
function parseHeaderInteger(line: Uint8Array): number {
  const end = line.length - 1;
  if (end < 2 || line[end] !== CR) return Number.NaN;
  let i = 1;
  const negative = line[1] === MINUS;
  if (negative) i++;
  if (i >= end || end - i > 15) return Number.NaN;
  let value = 0;
  for (; i < end; i++) {
    const digit = line[i]! - 0x30;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

/**
 * Reads the digits of a header from `at` up to its \r\n, for the fast path: null unless they are
 * 1 to 15 digits with an optional minus, followed by \r\n, all inside `chunk`.
 */
function readSmallInteger(chunk: Uint8Array, at: number): { value: number; next: number } | null {
  let i = at;
  const negative = chunk[i] === MINUS;
  if (negative) i++;
  const digitsStart = i;
  let value = 0;
  for (; i < chunk.length && i - digitsStart <= 15; i++) {
    const digit = chunk[i]! - 0x30;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
  }
  if (i === digitsStart || chunk[i] !== CR || chunk[i + 1] !== LF) return null;
  return { value: negative ? -value : value, next: i + 2 };
}

function printable(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
}

export class RespParser {
  private readonly limits: RespParserLimits;
  private state = State.Idle;

  // Unparsed input: a queue of chunks, read from `chunks[chunkHead]` at `offset`.
  private chunks: Uint8Array[] = [];
  private chunkHead = 0;
  private offset = 0;
  private unparsed = 0;

  // A line that spans chunks is gathered here (bounded by the line limits).
  private lineScratch = new Uint8Array(256);
  private lineLength = 0;

  // The command being read.
  private args: Uint8Array[] = [];
  private argsRemaining = 0;
  private commandBytes = 0;
  private argumentCount = 0;
  private discarding = false;
  private discardReason: 'value' | 'command' = 'value';
  private bulk: Uint8Array | null = null;
  private bulkLength = 0;
  private bulkFilled = 0;
  private terminatorSeen = 0;

  constructor(limits: Partial<RespParserLimits> = {}) {
    const maxBulkBytes = limits.maxBulkBytes ?? DEFAULT_RESP_PARSER_LIMITS.maxBulkBytes;
    // A raised value limit raises the limits that depend on it, unless they are given too.
    this.limits = {
      ...DEFAULT_RESP_PARSER_LIMITS,
      maxCommandBytes: Math.max(DEFAULT_RESP_PARSER_LIMITS.maxCommandBytes, 2 * maxBulkBytes + 64 * 1024),
      maxProtocolBulkBytes: Math.max(DEFAULT_RESP_PARSER_LIMITS.maxProtocolBulkBytes, maxBulkBytes),
      ...limits,
    };
  }

  /** Bytes pushed and not yet consumed by `next()`. */
  get unparsedBytes(): number {
    return this.unparsed;
  }

  /** True once a protocol error was returned: the connection must be closed. */
  get failed(): boolean {
    return this.state === State.Failed;
  }

  /** Adds input. The chunk is not copied: the caller must not modify it afterwards. */
  push(chunk: Uint8Array): void {
    if (this.state === State.Failed || chunk.length === 0) return;
    // A plain view, so that `slice` copies (Buffer#slice would return a view that pins the chunk).
    this.chunks.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.unparsed += chunk.length;
  }

  /** The next complete item, or null when more input is needed (or after a protocol error). */
  next(): RespParseItem | null {
    if (this.unparsed > this.limits.maxUnparsedBytes) return this.fail('too much unparsed input');
    for (;;) {
      switch (this.state) {
        case State.Idle: {
          const chunk = this.chunks[this.chunkHead];
          if (chunk === undefined) return null;
          if (chunk[this.offset] !== ASTERISK) {
            this.state = State.Inline;
            break;
          }
          const whole = this.tryWholeCommand(chunk, this.offset);
          if (whole !== null) return whole;
          this.state = State.ArrayHeader;
          break;
        }
        case State.Inline: {
          const line = this.readLine(this.limits.maxInlineBytes);
          if (line === null) return null;
          if (line === 'too-long') return this.fail('too big inline request');
          this.state = State.Idle;
          const text = line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, line.length - 1) : line;
          const split = splitInline(text);
          if (!split.ok) return this.fail(split.message);
          if (split.args.length === 0) break;
          let bytes = 0;
          for (const arg of split.args) bytes += arg.length + ARGUMENT_OVERHEAD_BYTES;
          return { kind: 'command', args: split.args, bytes };
        }
        case State.ArrayHeader: {
          const line = this.readLine(MAX_HEADER_LINE_BYTES);
          if (line === null) return null;
          if (line === 'too-long') return this.fail('too big mbulk count string');
          const count = parseHeaderInteger(line);
          if (Number.isNaN(count) || count > this.limits.maxArrayLength) return this.fail('invalid multibulk length');
          if (count <= 0) {
            // Redis treats `*0` and `*-1` as nothing at all.
            this.state = State.Idle;
            break;
          }
          this.args = [];
          this.argsRemaining = count;
          this.argumentCount = count;
          this.commandBytes = 0;
          this.discarding = false;
          this.state = State.BulkHeader;
          break;
        }
        case State.BulkHeader: {
          const line = this.readLine(MAX_HEADER_LINE_BYTES);
          if (line === null) return null;
          if (line === 'too-long') return this.fail('too big bulk count string');
          if (line[0] !== DOLLAR) return this.fail(`expected '$', got '${printable(line[0] ?? LF)}'`);
          const length = parseHeaderInteger(line);
          if (Number.isNaN(length) || length < 0 || length > this.limits.maxProtocolBulkBytes) {
            return this.fail('invalid bulk length');
          }
          this.commandBytes += length + ARGUMENT_OVERHEAD_BYTES;
          if (length > this.limits.maxBulkBytes) {
            // One value too large says more than the command being too large because of it.
            this.discarding = true;
            this.discardReason = 'value';
            this.args = [];
          } else if (this.commandBytes > this.limits.maxCommandBytes && !this.discarding) {
            this.discarding = true;
            this.discardReason = 'command';
            this.args = [];
          }
          this.bulk = null;
          this.bulkLength = length;
          this.bulkFilled = 0;
          this.state = State.BulkBody;
          break;
        }
        case State.BulkBody: {
          if (!this.readBulkBody()) return null;
          this.terminatorSeen = 0;
          this.state = State.BulkTerminator;
          break;
        }
        case State.BulkTerminator: {
          const verdict = this.readTerminator();
          if (verdict === 'need-more') return null;
          if (verdict === 'bad') return this.fail('expected CRLF after bulk string');
          if (!this.discarding) this.args.push(this.bulk ?? new Uint8Array(0));
          this.bulk = null;
          this.argsRemaining--;
          if (this.argsRemaining > 0) {
            this.state = State.BulkHeader;
            break;
          }
          this.state = State.Idle;
          const args = this.args;
          this.args = [];
          if (this.discarding) {
            const reason = this.discardReason;
            const limitBytes = reason === 'value' ? this.limits.maxBulkBytes : this.limits.maxCommandBytes;
            return { kind: 'too-large', reason, argumentCount: this.argumentCount, limitBytes };
          }
          return { kind: 'command', args, bytes: this.commandBytes };
        }
        case State.Failed:
          return null;
      }
    }
  }

  /**
   * The fast path for the common case: a well-formed array command that lies entirely inside the
   * current chunk becomes one copy, its arguments views of it (one allocation instead of one per
   * argument, and no view pins the chunk). Returns null, consuming nothing, for anything else: the
   * state machine then reads it, reporting any error. Each command is tried at most once, so
   * every byte is still looked at a bounded number of times.
   */
  private tryWholeCommand(chunk: Uint8Array, start: number): RespParseItem | null {
    const limits = this.limits;
    let at = start + 1;
    const count = readSmallInteger(chunk, at);
    if (count === null || count.value <= 0 || count.value > limits.maxArrayLength) return null;
    at = count.next;
    const starts: number[] = [];
    const lengths: number[] = [];
    let commandBytes = 0;
    for (let i = 0; i < count.value; i++) {
      if (chunk[at] !== DOLLAR) return null;
      const length = readSmallInteger(chunk, at + 1);
      if (length === null || length.value < 0 || length.value > limits.maxBulkBytes) return null;
      commandBytes += length.value + ARGUMENT_OVERHEAD_BYTES;
      if (commandBytes > limits.maxCommandBytes) return null;
      const bodyEnd = length.next + length.value;
      if (bodyEnd + 2 > chunk.length || chunk[bodyEnd] !== CR || chunk[bodyEnd + 1] !== LF) return null;
      starts.push(length.next);
      lengths.push(length.value);
      at = bodyEnd + 2;
    }
    const firstArg = starts[0]!;
    const copy = chunk.slice(firstArg, at);
    const args: Uint8Array[] = new Array(count.value);
    for (let i = 0; i < count.value; i++) {
      const argStart = starts[i]! - firstArg;
      args[i] = copy.subarray(argStart, argStart + lengths[i]!);
    }
    this.consume(at - start);
    return { kind: 'command', args, bytes: commandBytes };
  }

  private fail(message: string): RespParseItem {
    this.state = State.Failed;
    this.chunks = [];
    this.chunkHead = 0;
    this.offset = 0;
    this.unparsed = 0;
    this.args = [];
    this.bulk = null;
    return { kind: 'protocol-error', message };
  }

  /** Moves past `count` bytes of the current chunk, dropping it once it is used up. */
  private consume(count: number): void {
    this.offset += count;
    this.unparsed -= count;
    const chunk = this.chunks[this.chunkHead];
    if (chunk !== undefined && this.offset >= chunk.length) {
      this.chunkHead++;
      this.offset = 0;
      if (this.chunkHead === this.chunks.length) {
        this.chunks = [];
        this.chunkHead = 0;
      }
    }
  }

  /**
   * The bytes up to (excluding) the next \n, or null when no \n has arrived yet, or 'too-long' when
   * the line exceeds `maxBytes` (detected as soon as that many bytes are seen, not after buffering more).
   * The returned view is valid until the next call.
   */
  private readLine(maxBytes: number): Uint8Array | null | 'too-long' {
    for (;;) {
      const chunk = this.chunks[this.chunkHead];
      if (chunk === undefined) return null;
      const start = this.offset;
      const newline = chunk.indexOf(LF, start);
      const end = newline === -1 ? chunk.length : newline;
      if (this.lineLength + (end - start) > maxBytes) return 'too-long';
      if (newline !== -1 && this.lineLength === 0) {
        this.consume(end - start + 1);
        return chunk.subarray(start, end);
      }
      this.appendToLine(chunk, start, end);
      if (newline !== -1) {
        this.consume(end - start + 1);
        const line = this.lineScratch.subarray(0, this.lineLength);
        this.lineLength = 0;
        return line;
      }
      this.consume(end - start);
    }
  }

  private appendToLine(chunk: Uint8Array, start: number, end: number): void {
    const needed = this.lineLength + (end - start);
    if (needed > this.lineScratch.length) {
      const grown = new Uint8Array(Math.max(needed, this.lineScratch.length * 2));
      grown.set(this.lineScratch.subarray(0, this.lineLength));
      this.lineScratch = grown;
    }
    this.lineScratch.set(chunk.subarray(start, end), this.lineLength);
    this.lineLength = needed;
  }

  /** Copies (or skips, when discarding) body bytes as they arrive. True once the body is complete. */
  private readBulkBody(): boolean {
    for (;;) {
      const remaining = this.bulkLength - this.bulkFilled;
      if (remaining === 0) return true;
      const chunk = this.chunks[this.chunkHead];
      if (chunk === undefined) return false;
      const start = this.offset;
      const take = Math.min(remaining, chunk.length - start);
      if (!this.discarding) {
        if (this.bulkFilled === 0 && take === remaining) {
          // The common case: the whole value is in this chunk. Copy it so it does not pin the chunk.
          this.bulk = chunk.slice(start, start + take);
        } else {
          if (this.bulk === null) this.bulk = new Uint8Array(this.bulkLength);
          this.bulk.set(chunk.subarray(start, start + take), this.bulkFilled);
        }
      }
      this.bulkFilled += take;
      this.consume(take);
    }
  }

  private readTerminator(): 'done' | 'need-more' | 'bad' {
    while (this.terminatorSeen < 2) {
      const chunk = this.chunks[this.chunkHead];
      if (chunk === undefined) return 'need-more';
      const expected = this.terminatorSeen === 0 ? CR : LF;
      if (chunk[this.offset] !== expected) return 'bad';
      this.terminatorSeen++;
      this.consume(1);
    }
    return 'done';
  }
}
