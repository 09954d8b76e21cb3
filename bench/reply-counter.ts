// Counts complete RESP replies in a byte stream without building them: the load client needs only
// "how many replies, and was each an error", and decoding values would make the client, not the
// server, the thing measured. Handles replies split anywhere across chunks.
//
// Supports the reply shapes our commands get: +simple, -error, :integer, $bulk (and $-1 nil).
// Anything else (an array, a stray byte) is a protocol error: the counter then refuses more input.

const CR = 0x0d;
const LF = 0x0a;

export interface CountedReplies {
  readonly replies: number;
  /** How many of them were `-ERR ...` style errors. */
  readonly errors: number;
  /** The text of the first error in this chunk, for the report. */
  readonly firstError: string | null;
}

export class ReplyCounter {
  private pending: Buffer | null = null;
  private broken: string | null = null;

  /** Set once the stream held something that is not a reply this counter understands. */
  get protocolError(): string | null {
    return this.broken;
  }

  push(chunk: Buffer): CountedReplies {
    if (this.broken !== null) return { replies: 0, errors: 0, firstError: null };
    const data = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = null;
    let replies = 0;
    let errors = 0;
    let firstError: string | null = null;
    let at = 0;
    while (at < data.length) {
      const lineEnd = data.indexOf(LF, at);
      if (lineEnd < 0) break;
      const kind = data[at];
      if (lineEnd < at + 2 || data[lineEnd - 1] !== CR) {
        this.broken = `bad line at byte ${at}`;
        break;
      }
      if (kind === 0x24 /* $ */) {
        const length = Number(data.toString('latin1', at + 1, lineEnd - 1));
        if (!Number.isInteger(length) || length < -1) {
          this.broken = `bad bulk length '${data.toString('latin1', at + 1, lineEnd - 1)}'`;
          break;
        }
        const end = length < 0 ? lineEnd + 1 : lineEnd + 1 + length + 2;
        if (end > data.length) break;
        at = end;
      } else if (kind === 0x2b /* + */ || kind === 0x3a /* : */) {
        at = lineEnd + 1;
      } else if (kind === 0x2d /* - */) {
        errors++;
        if (firstError === null) firstError = data.toString('utf8', at + 1, lineEnd - 1);
        at = lineEnd + 1;
      } else {
        this.broken = `unexpected reply type byte ${kind} at ${at}`;
        break;
      }
      replies++;
    }
    if (this.broken === null && at < data.length) this.pending = data.subarray(at);
    return { replies, errors, firstError };
  }
}
