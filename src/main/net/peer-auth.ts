// The cryptography of peer connections (CONTRACTS.md §5): only a holder of the cluster secret may
// speak Raft to a node, and nothing can be injected into, reordered in or replayed onto a
// connection once it is open.
//
// Handshake: each side sends a fresh random challenge. Each proves it holds the secret by sending
// HMAC-SHA256(secret, label | role | transcript), where the transcript is the cluster id, both ids
// and both challenges. The secret never crosses the wire; a recorded proof is useless on another
// connection (the other side's challenge differs every time); a proof made by one role cannot be
// reflected back as the other role's (the role is in the MAC). The acceptor proves first, and a
// dialer sends its own proof only to an acceptor that proved itself, so a stranger who listens on
// a member's address learns no proof to replay.
//
// Frames: a session key derived from the secret and the transcript keys an HMAC over a sequence
// number and each frame; the first FRAME_MAC_BYTES of it follow the frame on the wire. Each
// connection carries frames one way only (dialer to acceptor), so one counter per connection is
// the per-direction sequence. The sequence is implicit (both sides count), so it costs no bytes.
import { createHmac, createSecretKey, type KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';

export const CHALLENGE_BYTES = 32;
export const PROOF_BYTES = 32;
/** HMAC-SHA256 cut to 128 bits, as RFC 4868 does for IPsec: forging it is a 2^-128 guess. */
export const FRAME_MAC_BYTES = 16;

/**
 * The secret of `--insecure`: public, so it authenticates nothing. It keeps one code path, and a
 * node that runs without a secret can never talk to a node that has one.
 */
export const INSECURE_SECRET: Uint8Array = Buffer.from('raftlab --insecure: this cluster has no secret', 'utf8');

const PROOF_LABEL = 'raftlab peer proof v1';
const SESSION_LABEL = 'raftlab peer session v1: dialer to acceptor';

export type HandshakeRole = 'dialer' | 'acceptor';

/** What both sides of one connection know after the challenges are exchanged. */
export interface HandshakeTranscript {
  readonly clusterId: string;
  readonly dialer: string;
  readonly acceptor: string;
  readonly dialerChallenge: Uint8Array;
  readonly acceptorChallenge: Uint8Array;
}

/**
 * A fresh challenge. From the OS's CSPRNG on purpose, not the host's injectable (seeded) random:
 * a predictable challenge would let a recorded proof be replayed.
 */
export function newChallenge(): Uint8Array {
  return randomBytes(CHALLENGE_BYTES);
}

function lengthPrefixed(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(2 + bytes.length);
  out.writeUInt16BE(bytes.length, 0);
  out.set(bytes, 2);
  return out;
}

/** Every field length-prefixed, so no two different transcripts encode alike. */
function transcriptBytes(label: string, transcript: HandshakeTranscript): Buffer {
  return Buffer.concat([
    lengthPrefixed(Buffer.from(label, 'utf8')),
    lengthPrefixed(Buffer.from(transcript.clusterId, 'utf8')),
    lengthPrefixed(Buffer.from(transcript.dialer, 'utf8')),
    lengthPrefixed(Buffer.from(transcript.acceptor, 'utf8')),
    lengthPrefixed(transcript.dialerChallenge),
    lengthPrefixed(transcript.acceptorChallenge),
  ]);
}

/** What `role` sends to prove it holds `secret` on the connection `transcript` describes. */
export function proofOf(secret: Uint8Array, role: HandshakeRole, transcript: HandshakeTranscript): Buffer {
  return createHmac('sha256', secret)
    .update(transcriptBytes(`${PROOF_LABEL} ${role}`, transcript))
    .digest();
}

/** Compares in constant time, so the comparison leaks nothing about how much of a guess was right. */
export function proofMatches(
  secret: Uint8Array,
  role: HandshakeRole,
  transcript: HandshakeTranscript,
  proof: Uint8Array,
): boolean {
  return proof.length === PROOF_BYTES && timingSafeEqual(proofOf(secret, role, transcript), proof);
}

/** The key of this connection's frame MACs; different on every connection, as the challenges are. */
export function sessionKeyOf(secret: Uint8Array, transcript: HandshakeTranscript): KeyObject {
  return createSecretKey(createHmac('sha256', secret).update(transcriptBytes(SESSION_LABEL, transcript)).digest());
}

/** Counts frames and computes their MACs; one per connection and direction, on both sides. */
class FrameMac {
  private sequence = 0;
  // Reused: the sequence number is written here for every frame instead of allocating 8 bytes.
  private readonly sequenceBytes = Buffer.alloc(8);
  // The key's bytes, taken out of the KeyObject once: an HMAC keyed by a KeyObject copies the key
  // out of it again for every frame.
  private readonly key: Buffer;

  constructor(key: KeyObject) {
    this.key = key.export();
  }

  /** The MAC of the next frame in sequence (32 bytes; the wire carries the first FRAME_MAC_BYTES). */
  next(frame: Uint8Array): Buffer {
    // 2^53 frames is beyond any connection's life; the u64 on the wire leaves room to be exact.
    this.sequenceBytes.writeUIntBE(this.sequence, 2, 6);
    this.sequence++;
    return createHmac('sha256', this.key).update(this.sequenceBytes).update(frame).digest();
  }
}

/** The sending side: appends each frame's MAC. */
export class FrameSealer {
  private readonly mac: FrameMac;

  constructor(key: KeyObject) {
    this.mac = new FrameMac(key);
  }

  /** The frames, each followed by its MAC, in one buffer: a batch still leaves in one write. */
  seal(frames: readonly Uint8Array[], totalBytes: number): Buffer {
    const out = Buffer.allocUnsafe(totalBytes + frames.length * FRAME_MAC_BYTES);
    let offset = 0;
    for (const frame of frames) {
      out.set(frame, offset);
      offset += frame.length;
      const tag = this.mac.next(frame);
      tag.copy(out, offset, 0, FRAME_MAC_BYTES);
      offset += FRAME_MAC_BYTES;
    }
    return out;
  }
}

/** The receiving side: checks each frame's MAC, in order. */
export class FrameOpener {
  private readonly mac: FrameMac;

  constructor(key: KeyObject) {
    this.mac = new FrameMac(key);
  }

  /**
   * Whether `tag` is the MAC of `frame` as the next frame of this connection. A false answer
   * means the connection is no longer trustworthy: the caller closes it (the count is then off).
   */
  verify(frame: Uint8Array, tag: Uint8Array): boolean {
    const expected = this.mac.next(frame);
    return tag.length === FRAME_MAC_BYTES && timingSafeEqual(expected.subarray(0, FRAME_MAC_BYTES), tag);
  }
}
