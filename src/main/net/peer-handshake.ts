// The first bytes of a peer connection. The dialer sends a magic that starts with a NUL byte (no
// RESP or inline command starts with one, so the node server can tell peers from clients by the
// first byte), then its own id, the id it means to reach and the cluster id. The acceptor answers
// with one status: accepted, or rejected with a reason, after which it closes the connection.
//
//   hello:  00 'RAFTLAB' 01 | u16 len, from | u16 len, to | u16 len, clusterId     (UTF-8)
//   answer: 00 01                              accepted
//           00 02 | u8 len, reason             rejected
import { PeerCodecError } from './binary-io';

export const PEER_MAGIC: Uint8Array = Uint8Array.of(0x00, 0x52, 0x41, 0x46, 0x54, 0x4c, 0x41, 0x42, 0x01);
/** What the node server looks at to route a new connection to the peer transport. */
export const PEER_FIRST_BYTE = 0x00;

const MAX_FIELD_BYTES = 1024;
const ANSWER_MARK = 0x00;
const ANSWER_ACCEPTED = 0x01;
const ANSWER_REJECTED = 0x02;

export interface PeerHello {
  readonly from: string;
  readonly to: string;
  readonly clusterId: string;
}

function field(value: string, name: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > MAX_FIELD_BYTES) throw new PeerCodecError('bad-handshake', `${name} is too long`);
  const out = Buffer.allocUnsafe(2 + bytes.length);
  out.writeUInt16BE(bytes.length, 0);
  out.set(bytes, 2);
  return out;
}

export function encodeHello(hello: PeerHello): Uint8Array {
  return Buffer.concat([
    PEER_MAGIC,
    field(hello.from, 'from'),
    field(hello.to, 'to'),
    field(hello.clusterId, 'cluster id'),
  ]);
}

export const ACCEPTED_ANSWER: Uint8Array = Uint8Array.of(ANSWER_MARK, ANSWER_ACCEPTED);

export function encodeRejection(reason: string): Uint8Array {
  const text = Buffer.from(reason, 'utf8').subarray(0, 255);
  return Buffer.concat([Uint8Array.of(ANSWER_MARK, ANSWER_REJECTED, text.length), text]);
}

/** Accumulates the start of a stream until a whole handshake is there; bounded in size. */
class PrefixBuffer {
  private bytes = new Uint8Array(0);

  constructor(private readonly maxBytes: number) {}

  get view(): Uint8Array {
    return this.bytes;
  }

  push(chunk: Uint8Array): void {
    const joined = new Uint8Array(this.bytes.length + chunk.length);
    joined.set(this.bytes);
    joined.set(chunk, this.bytes.length);
    this.bytes = joined;
  }

  /** Bytes beyond `used`, which belong to what follows the handshake. */
  rest(used: number): Uint8Array {
    return this.bytes.subarray(used);
  }

  get overLimit(): boolean {
    return this.bytes.length > this.maxBytes;
  }
}

export type HelloResult = { readonly hello: PeerHello; readonly rest: Uint8Array } | null;

/** Reads the dialer's hello on the accepting side. */
export class HelloReader {
  // The whole hello fits in this; anything else before it is complete is not a hello.
  private readonly input = new PrefixBuffer(PEER_MAGIC.length + 3 * (2 + MAX_FIELD_BYTES));

  /** The hello and the bytes after it once complete; null before. Throws PeerCodecError('bad-handshake'). */
  push(chunk: Uint8Array): HelloResult {
    this.input.push(chunk);
    const bytes = this.input.view;
    const magicSeen = Math.min(bytes.length, PEER_MAGIC.length);
    for (let i = 0; i < magicSeen; i++) {
      if (bytes[i] !== PEER_MAGIC[i]) throw new PeerCodecError('bad-handshake', 'not a RaftLab peer (bad magic)');
    }
    let offset = PEER_MAGIC.length;
    const fields: string[] = [];
    for (let i = 0; i < 3; i++) {
      if (bytes.length < offset + 2) return this.incomplete();
      const length = ((bytes[offset]! << 8) | bytes[offset + 1]!) >>> 0;
      if (length > MAX_FIELD_BYTES) throw new PeerCodecError('bad-handshake', 'handshake field too long');
      if (bytes.length < offset + 2 + length) return this.incomplete();
      fields.push(Buffer.from(bytes.buffer, bytes.byteOffset + offset + 2, length).toString('utf8'));
      offset += 2 + length;
    }
    const [from = '', to = '', clusterId = ''] = fields;
    return { hello: { from, to, clusterId }, rest: this.input.rest(offset) };
  }

  private incomplete(): null {
    if (this.input.overLimit) throw new PeerCodecError('bad-handshake', 'handshake too long');
    return null;
  }
}

export type AnswerResult =
  | { readonly accepted: true; readonly rest: Uint8Array }
  | { readonly accepted: false; readonly reason: string }
  | null;

/** Reads the acceptor's answer on the dialing side. */
export class AnswerReader {
  private readonly input = new PrefixBuffer(3 + 255);

  /** The answer once complete, null before. Throws PeerCodecError('bad-handshake') for anything else. */
  push(chunk: Uint8Array): AnswerResult {
    this.input.push(chunk);
    const bytes = this.input.view;
    if (bytes[0] !== ANSWER_MARK)
      throw new PeerCodecError('bad-handshake', 'the peer did not answer as a RaftLab node');
    if (bytes.length < 2) return null;
    if (bytes[1] === ANSWER_ACCEPTED) return { accepted: true, rest: this.input.rest(2) };
    if (bytes[1] !== ANSWER_REJECTED) throw new PeerCodecError('bad-handshake', 'unknown handshake answer');
    if (bytes.length < 3) return null;
    const length = bytes[2]!;
    if (bytes.length < 3 + length) return null;
    return { accepted: false, reason: Buffer.from(bytes.buffer, bytes.byteOffset + 3, length).toString('utf8') };
  }
}
