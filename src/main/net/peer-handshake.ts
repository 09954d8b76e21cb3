// The first bytes of a peer connection: who is calling whom, then a mutual proof of the cluster
// secret (the cryptography is in peer-auth.ts). The dialer's magic starts with a NUL byte (no RESP
// or inline command starts with one, so the node server can tell peers from clients by the first
// byte).
//
//   dialer   -> hello:     00 'RAFTLAB' 02 | u16 len, from | u16 len, to | u16 len, clusterId (UTF-8)
//                          | dialer challenge (32)
//   acceptor -> challenge: 00 03 | acceptor challenge (32) | acceptor proof (32)
//            or refusal:   00 02 | u8 len, reason, then a close
//   dialer   -> proof:     dialer proof (32), sent only if the acceptor's proof was right
//   acceptor -> answer:    00 01 (accepted) or the refusal above
//
// Then the dialer sends frames, each followed by its MAC. A refusal says only "peer authentication
// failed": a stranger learns nothing, neither the secret nor the cluster id; the refusing node's
// own log says which check failed.
import { PeerCodecError } from './binary-io';
import {
  CHALLENGE_BYTES,
  FrameSealer,
  type HandshakeTranscript,
  newChallenge,
  PROOF_BYTES,
  proofMatches,
  proofOf,
  sessionKeyOf,
} from './peer-auth';

/** Version 02: the authenticated handshake. A version-01 dialer (no secret) is refused as not a peer. */
export const PEER_MAGIC: Uint8Array = Uint8Array.of(0x00, 0x52, 0x41, 0x46, 0x54, 0x4c, 0x41, 0x42, 0x02);
/** What the node server looks at to route a new connection to the peer transport. */
export const PEER_FIRST_BYTE = 0x00;

/** The one thing a refused dialer is told. */
export const GENERIC_REFUSAL = 'peer authentication failed';

const MAX_FIELD_BYTES = 1024;
const ANSWER_MARK = 0x00;
const ANSWER_ACCEPTED = 0x01;
const ANSWER_REJECTED = 0x02;
const ANSWER_CHALLENGE = 0x03;

export interface PeerHello {
  readonly from: string;
  readonly to: string;
  readonly clusterId: string;
  readonly challenge: Uint8Array;
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
  if (hello.challenge.length !== CHALLENGE_BYTES) throw new PeerCodecError('bad-handshake', 'bad challenge size');
  return Buffer.concat([
    PEER_MAGIC,
    field(hello.from, 'from'),
    field(hello.to, 'to'),
    field(hello.clusterId, 'cluster id'),
    hello.challenge,
  ]);
}

export function encodeChallenge(challenge: Uint8Array, proof: Uint8Array): Uint8Array {
  return Buffer.concat([Uint8Array.of(ANSWER_MARK, ANSWER_CHALLENGE), challenge, proof]);
}

export const ACCEPTED_ANSWER: Uint8Array = Uint8Array.of(ANSWER_MARK, ANSWER_ACCEPTED);

export function encodeRejection(reason: string): Uint8Array {
  const text = Buffer.from(reason, 'utf8').subarray(0, 255);
  return Buffer.concat([Uint8Array.of(ANSWER_MARK, ANSWER_REJECTED, text.length), text]);
}

/** Accumulates the start of a stream until a whole handshake step is there; bounded in size. */
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

  /** Bytes beyond `used`, which belong to what follows this step. */
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
  private readonly input = new PrefixBuffer(PEER_MAGIC.length + 3 * (2 + MAX_FIELD_BYTES) + CHALLENGE_BYTES);

  /** The hello and the bytes after it once complete; null before. Throws PeerCodecError('bad-handshake'). */
  push(chunk: Uint8Array): HelloResult {
    this.input.push(chunk);
    const bytes = this.input.view;
    const magicSeen = Math.min(bytes.length, PEER_MAGIC.length);
    for (let i = 0; i < magicSeen; i++) {
      if (bytes[i] === PEER_MAGIC[i]) continue;
      if (i === PEER_MAGIC.length - 1) {
        throw new PeerCodecError(
          'bad-handshake',
          `a RaftLab peer of another protocol version (${bytes[i]}, this node speaks ${PEER_MAGIC[i]}): ` +
            'run the same RaftLab on every member',
        );
      }
      throw new PeerCodecError('bad-handshake', 'not a RaftLab peer (bad magic)');
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
    if (bytes.length < offset + CHALLENGE_BYTES) return this.incomplete();
    const challenge = bytes.slice(offset, offset + CHALLENGE_BYTES);
    offset += CHALLENGE_BYTES;
    const [from = '', to = '', clusterId = ''] = fields;
    return { hello: { from, to, clusterId, challenge }, rest: this.input.rest(offset) };
  }

  private incomplete(): null {
    if (this.input.overLimit) throw new PeerCodecError('bad-handshake', 'handshake too long');
    return null;
  }
}

/** Reads the dialer's proof on the accepting side: a fixed number of bytes. */
export class ProofReader {
  private readonly input = new PrefixBuffer(Number.POSITIVE_INFINITY);

  /** The proof and the bytes after it once complete; null before. */
  push(chunk: Uint8Array): { readonly proof: Uint8Array; readonly rest: Uint8Array } | null {
    this.input.push(chunk);
    const bytes = this.input.view;
    if (bytes.length < PROOF_BYTES) return null;
    return { proof: bytes.slice(0, PROOF_BYTES), rest: this.input.rest(PROOF_BYTES) };
  }
}

export type AnswerResult =
  | { readonly kind: 'accepted'; readonly rest: Uint8Array }
  | {
      readonly kind: 'challenge';
      readonly challenge: Uint8Array;
      readonly proof: Uint8Array;
      readonly rest: Uint8Array;
    }
  | { readonly kind: 'rejected'; readonly reason: string }
  | null;

/** Reads the acceptor's messages on the dialing side: a challenge, an acceptance, or a refusal. */
export class AnswerReader {
  private input = new PrefixBuffer(2 + CHALLENGE_BYTES + PROOF_BYTES + 255);

  /** The next answer once complete, null before. Throws PeerCodecError('bad-handshake') for anything else. */
  push(chunk: Uint8Array): AnswerResult {
    this.input.push(chunk);
    const bytes = this.input.view;
    if (bytes[0] !== ANSWER_MARK)
      throw new PeerCodecError('bad-handshake', 'the peer did not answer as a RaftLab node');
    if (bytes.length < 2) return null;
    const kind = bytes[1];
    if (kind === ANSWER_ACCEPTED) return { kind: 'accepted', rest: this.consume(2) };
    if (kind === ANSWER_CHALLENGE) {
      const end = 2 + CHALLENGE_BYTES + PROOF_BYTES;
      if (bytes.length < end) return null;
      const challenge = bytes.slice(2, 2 + CHALLENGE_BYTES);
      const proof = bytes.slice(2 + CHALLENGE_BYTES, end);
      return { kind: 'challenge', challenge, proof, rest: this.consume(end) };
    }
    if (kind !== ANSWER_REJECTED) throw new PeerCodecError('bad-handshake', 'unknown handshake answer');
    if (bytes.length < 3) return null;
    const length = bytes[2]!;
    if (bytes.length < 3 + length) return null;
    return { kind: 'rejected', reason: Buffer.from(bytes.buffer, bytes.byteOffset + 3, length).toString('utf8') };
  }

  /** Bytes after `used`, which the reader forgets: the caller pushes them again for the next answer. */
  private consume(used: number): Uint8Array {
    const rest = this.input.rest(used);
    this.input = new PrefixBuffer(2 + CHALLENGE_BYTES + PROOF_BYTES + 255);
    return rest;
  }
}

export type DialerStep =
  | { readonly kind: 'pending' }
  /** The acceptor proved itself: send `bytes` (our proof) and wait for its answer. */
  | { readonly kind: 'send'; readonly bytes: Uint8Array }
  /** Authenticated both ways: frames go out sealed by `sealer`. */
  | { readonly kind: 'open'; readonly sealer: FrameSealer }
  /** `refused`: the acceptor said no. `unproven`: it failed to prove the secret. `invalid`: garbage. */
  | { readonly kind: 'failed'; readonly why: 'refused' | 'unproven' | 'invalid'; readonly detail: string };

/** The dialing side of one handshake: the hello to send first, then what each answer means. */
export class DialerHandshake {
  private readonly answers = new AnswerReader();
  private readonly challenge = newChallenge();
  private transcript: HandshakeTranscript | null = null;

  constructor(
    private readonly secret: Uint8Array,
    private readonly ids: { readonly self: string; readonly peer: string; readonly clusterId: string },
  ) {}

  hello(): Uint8Array {
    return encodeHello({
      from: this.ids.self,
      to: this.ids.peer,
      clusterId: this.ids.clusterId,
      challenge: this.challenge,
    });
  }

  push(chunk: Uint8Array): DialerStep {
    let answer: AnswerResult;
    try {
      answer = this.answers.push(chunk);
    } catch (error) {
      return { kind: 'failed', why: 'invalid', detail: error instanceof Error ? error.message : String(error) };
    }
    if (answer === null) return { kind: 'pending' };
    if (answer.kind === 'rejected') return { kind: 'failed', why: 'refused', detail: answer.reason };
    if (answer.kind === 'challenge') {
      if (this.transcript !== null) return { kind: 'failed', why: 'invalid', detail: 'a second challenge' };
      const transcript: HandshakeTranscript = {
        clusterId: this.ids.clusterId,
        dialer: this.ids.self,
        acceptor: this.ids.peer,
        dialerChallenge: this.challenge,
        acceptorChallenge: answer.challenge,
      };
      // Our proof goes only to a peer that proved itself: a stranger on a member's address gets none.
      if (!proofMatches(this.secret, 'acceptor', transcript, answer.proof)) {
        return { kind: 'failed', why: 'unproven', detail: 'its proof of the cluster secret is wrong' };
      }
      if (answer.rest.length > 0) return { kind: 'failed', why: 'invalid', detail: 'bytes after its challenge' };
      this.transcript = transcript;
      return { kind: 'send', bytes: proofOf(this.secret, 'dialer', transcript) };
    }
    if (this.transcript === null) return { kind: 'failed', why: 'invalid', detail: 'accepted without a challenge' };
    if (answer.rest.length > 0) return { kind: 'failed', why: 'invalid', detail: 'bytes after its answer' };
    return { kind: 'open', sealer: new FrameSealer(sessionKeyOf(this.secret, this.transcript)) };
  }
}
