// Parses RESP2 replies for the RESP client. Input is gathered in one growable buffer (amortised
// copying); a parse is retried only once enough bytes have arrived for the reply it stopped in, so
// a large bulk reply that comes in many chunks is not re-scanned for every chunk.
import type { RespReply } from './types';

export class RespReplyError extends Error {
  override readonly name = 'RespReplyError';
}

/** A single reply larger than this is refused (the server never sends one). */
export const DEFAULT_MAX_REPLY_BYTES = 64 * 1024 * 1024;
const MAX_NESTING = 32;

const CR = 0x0d;
const LF = 0x0a;

/** Thrown inside a parse attempt when the input ends early; `needed` is the total length that might suffice. */
class Incomplete {
  constructor(readonly needed: number) {}
}

export class RespReplyParser {
  private buffer: Buffer = Buffer.allocUnsafe(4096);
  private start = 0;
  private end = 0;
  /** Don't retry a parse until the buffer holds this many bytes from `start`. */
  private needed = 1;

  constructor(private readonly maxReplyBytes = DEFAULT_MAX_REPLY_BYTES) {}

  push(chunk: Uint8Array): void {
    const available = this.end - this.start;
    if (this.end + chunk.length > this.buffer.length) {
      const size = available + chunk.length;
      if (size > this.buffer.length / 2 || this.start === 0) {
        const grown = Buffer.allocUnsafe(Math.max(size, this.buffer.length * 2));
        this.buffer.copy(grown, 0, this.start, this.end);
        this.buffer = grown;
      } else {
        this.buffer.copy(this.buffer, 0, this.start, this.end);
      }
      this.start = 0;
      this.end = available;
    }
    this.buffer.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** The next complete reply, or null. Throws RespReplyError on malformed or oversized input. */
  next(): RespReply | null {
    const available = this.end - this.start;
    if (available < this.needed) {
      if (this.needed > this.maxReplyBytes) throw new RespReplyError('reply too large');
      return null;
    }
    try {
      const cursor = { at: this.start };
      const reply = this.parseValue(cursor, 0);
      this.start = cursor.at;
      this.needed = 1;
      if (this.start === this.end) {
        this.start = 0;
        this.end = 0;
      }
      return reply;
    } catch (error) {
      if (!(error instanceof Incomplete)) throw error;
      this.needed = Math.max(error.needed - this.start, available + 1);
      if (available > this.maxReplyBytes) throw new RespReplyError('reply too large');
      return null;
    }
  }

  private line(cursor: { at: number }): string {
    const newline = this.buffer.indexOf(LF, cursor.at);
    if (newline === -1 || newline >= this.end) throw new Incomplete(this.end + 1);
    if (newline === cursor.at || this.buffer[newline - 1] !== CR) throw new RespReplyError('reply line without CRLF');
    const text = this.buffer.toString('utf8', cursor.at + 1, newline - 1);
    cursor.at = newline + 1;
    return text;
  }

  private integer(text: string): number {
    if (!/^-?\d{1,16}$/.test(text)) throw new RespReplyError(`bad integer in reply: ${JSON.stringify(text)}`);
    return Number(text);
  }

  private parseValue(cursor: { at: number }, depth: number): RespReply {
    if (cursor.at >= this.end) throw new Incomplete(cursor.at + 1);
    const marker = this.buffer[cursor.at];
    switch (marker) {
      case 0x2b: // +
        return { type: 'simple', value: this.line(cursor) };
      case 0x2d: // -
        return { type: 'error', value: this.line(cursor) };
      case 0x3a: // :
        return { type: 'integer', value: this.integer(this.line(cursor)) };
      case 0x24: {
        // $
        const length = this.integer(this.line(cursor));
        if (length === -1) return { type: 'bulk', value: null };
        if (length < 0 || length > this.maxReplyBytes) throw new RespReplyError(`bad bulk length ${length}`);
        const bodyEnd = cursor.at + length;
        if (bodyEnd + 2 > this.end) throw new Incomplete(bodyEnd + 2);
        if (this.buffer[bodyEnd] !== CR || this.buffer[bodyEnd + 1] !== LF) {
          throw new RespReplyError('bulk reply without CRLF');
        }
        const value = new Uint8Array(length);
        value.set(this.buffer.subarray(cursor.at, bodyEnd));
        cursor.at = bodyEnd + 2;
        return { type: 'bulk', value };
      }
      case 0x2a: {
        // *
        const count = this.integer(this.line(cursor));
        if (count === -1) return { type: 'array', value: null };
        if (count < 0 || count > this.maxReplyBytes / 3) throw new RespReplyError(`bad array length ${count}`);
        if (depth >= MAX_NESTING) throw new RespReplyError('reply nested too deeply');
        const items: RespReply[] = [];
        for (let i = 0; i < count; i++) items.push(this.parseValue(cursor, depth + 1));
        return { type: 'array', value: items };
      }
      default:
        throw new RespReplyError(`unexpected reply type byte 0x${(marker ?? 0).toString(16)}`);
    }
  }
}
