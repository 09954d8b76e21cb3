// How a joining node tells "a member of MY cluster answered" from "some other cluster answered":
// it sends a fresh challenge with JOIN-INFO, and the member answers with its own challenge and an
// HMAC, keyed by the cluster secret, over both challenges, both ids and the cluster id. A member of
// another cluster (another secret) cannot make it, and the secret never crosses the wire. Its own
// label keeps this proof from ever standing in for a peer handshake's (peer-auth.ts).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { newChallenge } from '../net/peer-auth';

const JOIN_PROOF_LABEL = 'raftlab join proof v1';

export interface JoinTranscript {
  readonly clusterId: string;
  readonly joiner: string;
  readonly member: string;
  readonly joinerChallenge: Uint8Array;
}

function proofBytes(secret: Uint8Array, transcript: JoinTranscript, memberChallenge: Uint8Array): Buffer {
  const mac = createHmac('sha256', secret);
  for (const part of [
    Buffer.from(JOIN_PROOF_LABEL, 'utf8'),
    Buffer.from(transcript.clusterId, 'utf8'),
    Buffer.from(transcript.joiner, 'utf8'),
    Buffer.from(transcript.member, 'utf8'),
    transcript.joinerChallenge,
    memberChallenge,
  ]) {
    // Length-prefixed, so no two different transcripts hash alike.
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32BE(part.length, 0);
    mac.update(length).update(part);
  }
  return mac.digest();
}

/** The member's side: a fresh challenge of its own and the proof over both. */
export function joinProof(
  secret: Uint8Array,
  transcript: JoinTranscript,
  memberChallenge: Uint8Array = newChallenge(),
): { memberChallenge: Uint8Array; proof: Uint8Array } {
  return { memberChallenge, proof: proofBytes(secret, transcript, memberChallenge) };
}

/** The joiner's side, in constant time. */
export function joinProofMatches(
  secret: Uint8Array,
  transcript: JoinTranscript,
  memberChallenge: Uint8Array,
  proof: Uint8Array,
): boolean {
  const expected = proofBytes(secret, transcript, memberChallenge);
  return proof.length === expected.length && timingSafeEqual(expected, proof);
}
