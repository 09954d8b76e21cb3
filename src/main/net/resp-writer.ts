// Encodes RESP2: replies for the client server, and commands (arrays of bulk strings) for the RESP
// client. The replies a Redis workload sends most (+OK, nil, small integers, +PONG) are encoded
// once at load; bulk strings cost one allocation and one copy, except large ones, which
// `encodeReplyParts` leaves in place so that the socket writes the stored value by reference.
import type { RespReply } from './types';

const CRLF_LENGTH = 2;

const latin1 = (text: string): Uint8Array => Buffer.from(text, 'latin1');

const OK_BYTES = latin1('+OK\r\n');
const PONG_BYTES = latin1('+PONG\r\n');
const NIL_BULK_BYTES = latin1('$-1\r\n');
const NIL_ARRAY_BYTES = latin1('*-1\r\n');
const SMALL_INTEGERS: readonly Uint8Array[] = Array.from({ length: 64 }, (_, n) => latin1(`:${n}\r\n`));

export const OK_REPLY: RespReply = { type: 'simple', value: 'OK' };
export const NIL_REPLY: RespReply = { type: 'bulk', value: null };

export function errorReply(message: string): RespReply {
  return { type: 'error', value: message };
}

/** Simple strings and errors are one line: a CR or LF inside would end the reply early and desync the client. */
function oneLine(text: string): string {
  return /[\r\n]/.test(text) ? text.replace(/[\r\n]+/g, ' ') : text;
}

function encodeLine(prefix: string, text: string): Uint8Array {
  return Buffer.from(prefix + oneLine(text) + '\r\n', 'utf8');
}

export function encodeBulk(value: Uint8Array): Uint8Array {
  const header = '$' + value.length + '\r\n';
  const out = Buffer.allocUnsafe(header.length + value.length + CRLF_LENGTH);
  out.write(header, 0, 'latin1');
  out.set(value, header.length);
  out[out.length - 2] = 0x0d;
  out[out.length - 1] = 0x0a;
  return out;
}

function encodeInteger(value: number): Uint8Array {
  if (!Number.isSafeInteger(value)) return encodeLine('-', 'ERR internal error: not an integer reply');
  return (value >= 0 ? SMALL_INTEGERS[value] : undefined) ?? latin1(':' + value + '\r\n');
}

function encodeArray(items: readonly RespReply[]): Uint8Array {
  const parts: Uint8Array[] = [latin1('*' + items.length + '\r\n')];
  for (const item of items) parts.push(encodeReply(item));
  return Buffer.concat(parts);
}

export function encodeReply(reply: RespReply): Uint8Array {
  switch (reply.type) {
    case 'simple':
      if (reply.value === 'OK') return OK_BYTES;
      if (reply.value === 'PONG') return PONG_BYTES;
      return encodeLine('+', reply.value);
    case 'error':
      return encodeLine('-', reply.value);
    case 'integer':
      return encodeInteger(reply.value);
    case 'bulk':
      return reply.value === null ? NIL_BULK_BYTES : encodeBulk(reply.value);
    case 'array':
      return reply.value === null ? NIL_ARRAY_BYTES : encodeArray(reply.value);
  }
}

/** A bulk reply from this size on is written by reference (header, value, CRLF), not copied. */
export const BULK_BY_REFERENCE_MIN_BYTES = 16 * 1024;

const CRLF_BYTES = latin1('\r\n');

/** An encoded reply: one buffer, or parts to write in order (a large value by reference). */
export type ReplyBytes = Uint8Array | readonly Uint8Array[];

/** Like encodeReply, but a large bulk string comes back as [header, the value itself, CRLF]. */
export function encodeReplyParts(reply: RespReply): ReplyBytes {
  if (reply.type !== 'bulk' || reply.value === null || reply.value.length < BULK_BY_REFERENCE_MIN_BYTES) {
    return encodeReply(reply);
  }
  return [latin1('$' + reply.value.length + '\r\n'), reply.value, CRLF_BYTES];
}

export function replyByteLength(bytes: ReplyBytes): number {
  if (!Array.isArray(bytes)) return (bytes as Uint8Array).length;
  let total = 0;
  for (const part of bytes as readonly Uint8Array[]) total += part.length;
  return total;
}

/** A command as a RESP array of bulk strings; strings are sent as UTF-8. */
export function encodeCommand(args: readonly (string | Uint8Array)[]): Uint8Array {
  const parts: Uint8Array[] = [latin1('*' + args.length + '\r\n')];
  for (const arg of args) parts.push(encodeBulk(typeof arg === 'string' ? Buffer.from(arg, 'utf8') : arg));
  return Buffer.concat(parts);
}
