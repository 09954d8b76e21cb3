// The wire form of a snapshot transfer's frames (issue 12, InstallSnapshot §7). They share the peer
// frame's header, [u32 length][u32 id][u8 type], and travel on the same authenticated links as
// Raft messages (each with its MAC), but they are not Raft messages: the core never sees them. The
// leader's host streams the file (SnapBegin, SnapChunk..., SnapEnd) on its link to the follower;
// the follower's host answers (SnapAck, SnapAbort) on its own link back.
//
// Payload: varint-prefixed `from` and `to`, varint `term`, varint `transfer` (the sender's number
// for this transfer, so an answer to an earlier, abandoned transfer is never taken for this one),
// then the type's fields:
//   SnapBegin  meta.index, meta.term, voters (count, ids), learners (count, ids), bytes
//   SnapChunk  offset, data length, data
//   SnapEnd    bytes, crc32 (u32, zlib's CRC-32 of the whole file)
//   SnapAck    offset (bytes the receiver has written), done (u8 0|1: fsynced and offered)
//   SnapAbort  reason (varint length, UTF-8): the receiver gives up (sent back to the sender)
//   SnapCancel reason, likewise: the sender gives up (sent to the receiver)
// Two kinds of abort because a node can be both at once (sending to its followers as leader of one
// term while a transfer to it from an older leader is still open): each goes to the side it names.
// Decoding checks the whole form as peer-codec.ts does: minimal varints, valid UTF-8, nothing left over.
import { isUtf8 } from 'node:buffer';
import type { Membership, NodeId, SnapshotMeta } from '../../shared/raft/types';
import { ByteReader, ByteWriter, checkUint, PeerCodecError } from './binary-io';
import { FRAME_HEADER_BYTES, FRAME_LENGTH_BYTES } from './peer-codec';

/** Type codes of the stream frames; far from the Raft message codes (1..), never renumbered. */
export const STREAM_TYPE_CODES = {
  SnapBegin: 64,
  SnapChunk: 65,
  SnapEnd: 66,
  SnapAck: 67,
  SnapAbort: 68,
  SnapCancel: 69,
} as const;

export type StreamFrameType = keyof typeof STREAM_TYPE_CODES;

/** The largest chunk of file data one SnapChunk may carry (the receiver refuses bigger). */
export const MAX_CHUNK_BYTES = 256 * 1024;
/** Members a snapshot's membership may list (per list); a bound on what a stranger could make us allocate. */
export const MAX_MEMBERS = 1024;
const MAX_NODE_ID_BYTES = 1024;
const MAX_REASON_BYTES = 1024;

interface StreamBase {
  readonly from: NodeId;
  readonly to: NodeId;
  /** The leader's term the transfer belongs to. */
  readonly term: number;
  readonly transfer: number;
}

export interface SnapBegin extends StreamBase {
  readonly type: 'SnapBegin';
  readonly meta: SnapshotMeta;
  /** The file's whole size. */
  readonly bytes: number;
}
export interface SnapChunk extends StreamBase {
  readonly type: 'SnapChunk';
  readonly offset: number;
  readonly data: Uint8Array;
}
export interface SnapEnd extends StreamBase {
  readonly type: 'SnapEnd';
  readonly bytes: number;
  readonly crc: number;
}
export interface SnapAck extends StreamBase {
  readonly type: 'SnapAck';
  readonly offset: number;
  readonly done: boolean;
}
export interface SnapAbort extends StreamBase {
  readonly type: 'SnapAbort';
  readonly reason: string;
}
export interface SnapCancel extends StreamBase {
  readonly type: 'SnapCancel';
  readonly reason: string;
}

export type StreamFrame = SnapBegin | SnapChunk | SnapEnd | SnapAck | SnapAbort | SnapCancel;
/** What the sender's side receives; the rest goes to the receiver's side. */
export type SenderBound = SnapAck | SnapAbort;
export type ReceiverBound = SnapBegin | SnapChunk | SnapEnd | SnapCancel;

export function isSenderBound(frame: StreamFrame): frame is SenderBound {
  return frame.type === 'SnapAck' || frame.type === 'SnapAbort';
}

const TYPES_BY_CODE = new Map<number, StreamFrameType>(
  Object.entries(STREAM_TYPE_CODES).map(([type, code]) => [code, type as StreamFrameType]),
);

/** True when a frame's type byte (offset 8) names a stream frame rather than a Raft message. */
export function isStreamFrame(frame: Uint8Array): boolean {
  return frame.length > FRAME_HEADER_BYTES - 1 && TYPES_BY_CODE.has(frame[8]!);
}

function idBytes(id: NodeId, field: string): Buffer {
  const bytes = Buffer.from(id, 'utf8');
  if (bytes.length === 0 || bytes.length > MAX_NODE_ID_BYTES) {
    throw new PeerCodecError('bad-value', `${field} '${id}' is empty or too long`);
  }
  return bytes;
}

/**
 * Encodes one stream frame with message id 0 (the transport writes the real id when it sends it).
 * A SnapChunk's data is copied once, into the frame. Throws PeerCodecError ('bad-value') for a
 * field that cannot be sent.
 */
export function encodeStreamFrame(frame: StreamFrame): Uint8Array {
  checkUint(frame.term, 'term');
  checkUint(frame.transfer, 'transfer');
  const from = idBytes(frame.from, 'from');
  const to = idBytes(frame.to, 'to');
  let size = FRAME_HEADER_BYTES + 8 * 4 + from.length + to.length;
  let members: Buffer[] = [];
  let reason: Buffer | null = null;
  switch (frame.type) {
    case 'SnapBegin': {
      const { voters, learners } = frame.meta.membership;
      if (voters.length > MAX_MEMBERS || learners.length > MAX_MEMBERS) {
        throw new PeerCodecError('bad-value', `a membership of more than ${MAX_MEMBERS} members`);
      }
      members = [...voters, ...learners].map((id) => idBytes(id, 'member'));
      size += 8 * 5 + members.reduce((sum, id) => sum + 8 + id.length, 0);
      break;
    }
    case 'SnapChunk':
      if (frame.data.length > MAX_CHUNK_BYTES) {
        throw new PeerCodecError('bad-value', `a chunk of ${frame.data.length} bytes exceeds ${MAX_CHUNK_BYTES}`);
      }
      size += 16 + frame.data.length;
      break;
    case 'SnapAbort':
    case 'SnapCancel':
      reason = Buffer.from(frame.reason.slice(0, MAX_REASON_BYTES / 4), 'utf8');
      size += 8 + reason.length;
      break;
    default:
      size += 16;
  }
  const writer = new ByteWriter(Buffer.alloc(size));
  writer.offset = FRAME_LENGTH_BYTES;
  writer.u32(0);
  writer.u8(STREAM_TYPE_CODES[frame.type]);
  writer.varint(from.length);
  writer.raw(from);
  writer.varint(to.length);
  writer.raw(to);
  writer.varint(frame.term);
  writer.varint(frame.transfer);
  switch (frame.type) {
    case 'SnapBegin': {
      const { meta } = frame;
      checkUint(meta.index, 'meta.index');
      checkUint(meta.term, 'meta.term');
      checkUint(frame.bytes, 'bytes');
      writer.varint(meta.index);
      writer.varint(meta.term);
      let next = 0;
      for (const list of [meta.membership.voters, meta.membership.learners]) {
        writer.varint(list.length);
        for (let i = 0; i < list.length; i++) {
          const id = members[next++]!;
          writer.varint(id.length);
          writer.raw(id);
        }
      }
      writer.varint(frame.bytes);
      break;
    }
    case 'SnapChunk':
      checkUint(frame.offset, 'offset');
      writer.varint(frame.offset);
      writer.varint(frame.data.length);
      writer.raw(frame.data);
      break;
    case 'SnapEnd':
      checkUint(frame.bytes, 'bytes');
      if (!Number.isInteger(frame.crc) || frame.crc < 0 || frame.crc > 0xffffffff) {
        throw new PeerCodecError('bad-value', `crc must be a u32, got ${frame.crc}`);
      }
      writer.varint(frame.bytes);
      writer.u32(frame.crc);
      break;
    case 'SnapAck':
      checkUint(frame.offset, 'offset');
      writer.varint(frame.offset);
      writer.u8(frame.done ? 1 : 0);
      break;
    case 'SnapAbort':
    case 'SnapCancel':
      writer.varint(reason!.length);
      writer.raw(reason!);
      break;
  }
  const end = writer.offset;
  writer.bytes.writeUInt32BE(end - FRAME_LENGTH_BYTES, 0);
  return writer.bytes.subarray(0, end);
}

function readText(reader: ByteReader, field: string, max: number, allowEmpty: boolean): string {
  const length = reader.varint(field);
  if ((!allowEmpty && length === 0) || length > max) {
    throw new PeerCodecError('bad-value', `${field} has bad length ${length}`);
  }
  const view = reader.view(length);
  if (!isUtf8(view)) throw new PeerCodecError('bad-value', `${field} is not UTF-8`);
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('utf8');
}

function readMembers(reader: ByteReader, field: string): NodeId[] {
  const count = reader.varint(`${field} count`);
  if (count > MAX_MEMBERS) throw new PeerCodecError('bad-value', `${field}: ${count} members exceed ${MAX_MEMBERS}`);
  const ids: NodeId[] = [];
  for (let i = 0; i < count; i++) ids.push(readText(reader, field, MAX_NODE_ID_BYTES, false));
  return ids;
}

/**
 * Decodes one complete stream frame (length field included, MAC already checked and removed).
 * Throws PeerCodecError for anything malformed. A chunk's data is copied out of `frame`, so it
 * never pins the connection's receive buffer.
 */
export function decodeStreamFrame(frame: Uint8Array): StreamFrame {
  if (frame.length < FRAME_HEADER_BYTES) throw new PeerCodecError('bad-length', `a frame of ${frame.length} bytes`);
  const length = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).readUInt32BE(0);
  if (length + FRAME_LENGTH_BYTES !== frame.length) {
    throw new PeerCodecError(
      'bad-length',
      `the length field says ${length + FRAME_LENGTH_BYTES}, the frame has ${frame.length}`,
    );
  }
  const type = TYPES_BY_CODE.get(frame[8]!);
  if (type === undefined) throw new PeerCodecError('unknown-type', `unknown stream frame type ${frame[8]}`);
  const reader = new ByteReader(frame, FRAME_HEADER_BYTES, frame.length);
  const from = readText(reader, 'from', MAX_NODE_ID_BYTES, false);
  const to = readText(reader, 'to', MAX_NODE_ID_BYTES, false);
  const term = reader.varint('term');
  const transfer = reader.varint('transfer');
  const base = { from, to, term, transfer };
  let decoded: StreamFrame;
  switch (type) {
    case 'SnapBegin': {
      const index = reader.varint('meta.index');
      const metaTerm = reader.varint('meta.term');
      const membership: Membership = {
        voters: readMembers(reader, 'voters'),
        learners: readMembers(reader, 'learners'),
      };
      decoded = { type, ...base, meta: { index, term: metaTerm, membership }, bytes: reader.varint('bytes') };
      break;
    }
    case 'SnapChunk': {
      const offset = reader.varint('offset');
      const size = reader.varint('chunk length');
      if (size > MAX_CHUNK_BYTES)
        throw new PeerCodecError('bad-value', `a chunk of ${size} bytes exceeds ${MAX_CHUNK_BYTES}`);
      decoded = { type, ...base, offset, data: new Uint8Array(reader.view(size)) };
      break;
    }
    case 'SnapEnd': {
      const bytes = reader.varint('bytes');
      const view = reader.view(4);
      const crc = ((view[0]! << 24) | (view[1]! << 16) | (view[2]! << 8) | view[3]!) >>> 0;
      decoded = { type, ...base, bytes, crc };
      break;
    }
    case 'SnapAck': {
      const offset = reader.varint('offset');
      decoded = { type, ...base, offset, done: reader.bool('done') };
      break;
    }
    case 'SnapAbort':
    case 'SnapCancel':
      decoded = { type, ...base, reason: readText(reader, 'reason', MAX_REASON_BYTES, true) } as SnapAbort | SnapCancel;
      break;
  }
  if (reader.remaining !== 0) {
    throw new PeerCodecError('trailing-bytes', `${reader.remaining} bytes after a ${type} frame`);
  }
  return decoded;
}
