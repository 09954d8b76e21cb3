// The binary wire form of Raft messages between nodes. No JSON: entries carry their data as raw
// bytes and numbers are varints, so a heartbeat is a few dozen bytes and an App frame costs one
// allocation to encode.
//
// A frame is [u32 length][u32 message id][u8 message type][payload], big-endian, where `length`
// counts the bytes after itself (5 + payload). The payload is the sender id, the receiver id and
// the term, then the fields of the message type in the order written below. Node ids are
// varint-length-prefixed UTF-8.
//
// Decoding checks the whole wire form: lengths, types, every varint minimal and safe, booleans 0
// or 1, ids valid UTF-8, nothing left over. What the values mean (terms under the ceiling, entries
// consecutive) is checked by the core's messageProblem() (src/shared/raft/message-check.ts) before
// any state changes, so the simulator and every host run the same check.
import { isUtf8 } from 'node:buffer';
import type { Entry, Membership, Message, MessageType, NodeId } from '../../shared/raft/types';
import { ByteReader, ByteWriter, checkUint, PeerCodecError } from './binary-io';

export { PeerCodecError, type PeerCodecErrorKind } from './binary-io';

/** Frames above this are refused, by the sender and the receiver. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** The length, id and type fields. */
export const FRAME_HEADER_BYTES = 9;
/** The length field alone; `length` counts what follows it. */
export const FRAME_LENGTH_BYTES = 4;
const MAX_NODE_ID_BYTES = 1024;
const MAX_MESSAGE_ID = 0xffffffff;
/** The most a varint can take; used to size the buffer in one pass. */
const VARINT_MAX_BYTES = 8;

/** Stable on the wire: never renumber, only append. */
const TYPE_CODES = {
  PreVote: 1,
  PreVoteResp: 2,
  Vote: 3,
  VoteResp: 4,
  App: 5,
  AppResp: 6,
  Heartbeat: 7,
  HeartbeatResp: 8,
  TimeoutNow: 9,
  ReadIndex: 10,
  ReadIndexResp: 11,
  Snap: 12,
} as const satisfies Record<MessageType, number>;

const TYPES_BY_CODE: readonly (MessageType | undefined)[] = (() => {
  const table: (MessageType | undefined)[] = [];
  for (const [type, code] of Object.entries(TYPE_CODES)) table[code] = type as MessageType;
  return table;
})();

const ENTRY_NORMAL = 0;
const ENTRY_NOOP = 1;
const ENTRY_CONFIG = 2;
const ENTRY_CODES = { normal: ENTRY_NORMAL, noop: ENTRY_NOOP, config: ENTRY_CONFIG } as const;
const ENTRY_TYPES = ['normal', 'noop', 'config'] as const;
/** A membership on the wire lists at most this many nodes (the core refuses more anyway). */
const MAX_MEMBERSHIP_IDS = 1024;

// Node ids repeat in every message; their UTF-8 form is cached (a handful of ids per cluster).
const idBytesCache = new Map<string, Buffer>();
function nodeIdBytes(id: string): Buffer {
  let bytes = idBytesCache.get(id);
  if (bytes === undefined) {
    bytes = Buffer.from(id, 'utf8');
    if (bytes.length === 0 || bytes.length > MAX_NODE_ID_BYTES) {
      throw new PeerCodecError('bad-value', `node id '${id}' is empty or too long`);
    }
    if (idBytesCache.size > 4096) idBytesCache.clear();
    idBytesCache.set(id, bytes);
  }
  return bytes;
}

/** An upper bound of the frame's size, so that one allocation suffices. */
function frameSizeBound(message: Message, from: Buffer, to: Buffer): number {
  // Header, two id lengths, the ids, the term, and up to five scalar fields.
  let size = FRAME_HEADER_BYTES + 2 * VARINT_MAX_BYTES + from.length + to.length + 6 * VARINT_MAX_BYTES;
  if (message.type === 'App') {
    size += VARINT_MAX_BYTES;
    for (const entry of message.entries) size += 3 * VARINT_MAX_BYTES + 1 + entry.data.length;
  }
  if (message.type === 'Snap') {
    const { voters, learners } = message.snapshot.membership;
    size += 2 * VARINT_MAX_BYTES;
    for (const id of [...voters, ...learners]) size += VARINT_MAX_BYTES + nodeIdBytes(id).length;
  }
  return size;
}

function writeEntries(writer: ByteWriter, entries: readonly Entry[]): void {
  writer.varint(entries.length);
  for (const entry of entries) {
    checkUint(entry.index, 'entry index');
    checkUint(entry.term, 'entry term');
    writer.varint(entry.index);
    writer.varint(entry.term);
    const code = ENTRY_CODES[entry.type];
    if (code === undefined) throw new PeerCodecError('bad-value', `entry type ${String(entry.type)}`);
    writer.u8(code);
    writer.varint(entry.data.length);
    writer.raw(entry.data);
  }
}

function writeBody(writer: ByteWriter, message: Message): void {
  switch (message.type) {
    case 'PreVote':
    case 'Vote':
      checkUint(message.lastLogIndex, 'lastLogIndex');
      checkUint(message.lastLogTerm, 'lastLogTerm');
      writer.varint(message.lastLogIndex);
      writer.varint(message.lastLogTerm);
      writer.u8(message.transfer ? 1 : 0);
      return;
    case 'PreVoteResp':
    case 'VoteResp':
      writer.u8(message.reject ? 1 : 0);
      return;
    case 'App':
      checkUint(message.prevLogIndex, 'prevLogIndex');
      checkUint(message.prevLogTerm, 'prevLogTerm');
      checkUint(message.commit, 'commit');
      writer.varint(message.prevLogIndex);
      writer.varint(message.prevLogTerm);
      writer.varint(message.commit);
      writeEntries(writer, message.entries);
      return;
    case 'AppResp':
      checkUint(message.index, 'index');
      checkUint(message.conflictTerm, 'conflictTerm');
      checkUint(message.conflictIndex, 'conflictIndex');
      writer.u8(message.reject ? 1 : 0);
      writer.varint(message.index);
      writer.varint(message.conflictTerm);
      writer.varint(message.conflictIndex);
      return;
    case 'Heartbeat':
      checkUint(message.commit, 'commit');
      checkUint(message.context, 'context');
      writer.varint(message.commit);
      writer.varint(message.context);
      return;
    case 'HeartbeatResp':
    case 'ReadIndex':
      checkUint(message.context, 'context');
      writer.varint(message.context);
      return;
    case 'TimeoutNow':
      return;
    case 'ReadIndexResp':
      checkUint(message.context, 'context');
      checkUint(message.index, 'index');
      writer.varint(message.context);
      writer.varint(message.index);
      writer.u8(message.reject ? 1 : 0);
      return;
    case 'Snap':
      checkUint(message.snapshot.index, 'snapshot index');
      checkUint(message.snapshot.term, 'snapshot term');
      writer.varint(message.snapshot.index);
      writer.varint(message.snapshot.term);
      writeIds(writer, message.snapshot.membership.voters);
      writeIds(writer, message.snapshot.membership.learners);
      return;
  }
}

function writeIds(writer: ByteWriter, ids: readonly NodeId[]): void {
  if (ids.length > MAX_MEMBERSHIP_IDS) throw new PeerCodecError('bad-value', `a membership of ${ids.length} nodes`);
  writer.varint(ids.length);
  for (const id of ids) {
    const bytes = nodeIdBytes(id);
    writer.varint(bytes.length);
    writer.raw(bytes);
  }
}

function readIds(reader: ByteReader, field: string): NodeId[] {
  const count = reader.varint(`${field} count`);
  // Every id takes at least 2 bytes: refuse an absurd count before allocating for it.
  if (count > MAX_MEMBERSHIP_IDS || count > reader.remaining / 2) {
    throw new PeerCodecError('bad-value', `${field} count ${count} is too large`);
  }
  const ids: NodeId[] = [];
  for (let i = 0; i < count; i++) ids.push(readNodeId(reader, field));
  return ids;
}

function readMembership(reader: ByteReader): Membership {
  const voters = readIds(reader, 'voter');
  return { voters, learners: readIds(reader, 'learner') };
}

/**
 * Encodes `message` as one frame carrying `id`. Throws PeerCodecError ('bad-value') for a field
 * that cannot be sent (a negative or fractional index, an id over u32) and ('frame-too-large')
 * above `maxFrameBytes`. The result may be a view into a slightly larger buffer.
 */
export function encodeFrame(message: Message, id: number, maxFrameBytes = MAX_FRAME_BYTES): Uint8Array {
  if (!Number.isInteger(id) || id < 0 || id > MAX_MESSAGE_ID) {
    throw new PeerCodecError('bad-value', `message id must be a u32, got ${id}`);
  }
  const code = TYPE_CODES[message.type];
  if (code === undefined) throw new PeerCodecError('unknown-type', `cannot encode message type ${message.type}`);
  checkUint(message.term, 'term');
  const from = nodeIdBytes(message.from);
  const to = nodeIdBytes(message.to);
  const writer = new ByteWriter(Buffer.allocUnsafe(frameSizeBound(message, from, to)));
  writer.offset = FRAME_LENGTH_BYTES;
  writer.u32(id);
  writer.u8(code);
  writer.varint(from.length);
  writer.raw(from);
  writer.varint(to.length);
  writer.raw(to);
  writer.varint(message.term);
  writeBody(writer, message);
  const size = writer.offset;
  if (size > maxFrameBytes) {
    throw new PeerCodecError('frame-too-large', `a ${message.type} frame of ${size} bytes exceeds ${maxFrameBytes}`);
  }
  writer.bytes.writeUInt32BE(size - FRAME_LENGTH_BYTES, 0);
  return writer.bytes.subarray(0, size);
}

export interface DecodedFrame {
  readonly id: number;
  readonly message: Message;
  /** The frame's size in bytes. */
  readonly size: number;
}

function readNodeId(reader: ByteReader, field: string): string {
  const length = reader.varint(field);
  if (length === 0 || length > MAX_NODE_ID_BYTES)
    throw new PeerCodecError('bad-value', `${field} has bad length ${length}`);
  const view = reader.view(length);
  // Invalid UTF-8 would decode to U+FFFD and could pass for another id: refuse it instead.
  if (!isUtf8(view)) throw new PeerCodecError('bad-value', `${field} is not UTF-8`);
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('utf8');
}

function readEntries(reader: ByteReader): Entry[] {
  const count = reader.varint('entry count');
  // Every entry takes at least 4 bytes: refuse an absurd count before allocating for it.
  if (count > reader.remaining / 4) throw new PeerCodecError('truncated', `entry count ${count} exceeds the payload`);
  const entries: Entry[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const index = reader.varint('entry index');
    const term = reader.varint('entry term');
    const kind = reader.u8();
    const type = ENTRY_TYPES[kind];
    if (type === undefined) throw new PeerCodecError('bad-value', `bad entry type ${kind}`);
    const length = reader.varint('entry data length');
    const data = reader.view(length);
    entries[i] = { index, term, type, data };
  }
  return entries;
}

function readMessage(reader: ByteReader, type: MessageType): Message {
  const from = readNodeId(reader, 'from');
  const to = readNodeId(reader, 'to');
  const term = reader.varint('term');
  switch (type) {
    case 'PreVote':
    case 'Vote': {
      const lastLogIndex = reader.varint('lastLogIndex');
      const lastLogTerm = reader.varint('lastLogTerm');
      return { type, from, to, term, lastLogIndex, lastLogTerm, transfer: reader.bool('transfer') };
    }
    case 'PreVoteResp':
    case 'VoteResp':
      return { type, from, to, term, reject: reader.bool('reject') };
    case 'App': {
      const prevLogIndex = reader.varint('prevLogIndex');
      const prevLogTerm = reader.varint('prevLogTerm');
      const commit = reader.varint('commit');
      return { type, from, to, term, prevLogIndex, prevLogTerm, commit, entries: readEntries(reader) };
    }
    case 'AppResp': {
      const reject = reader.bool('reject');
      const index = reader.varint('index');
      const conflictTerm = reader.varint('conflictTerm');
      const conflictIndex = reader.varint('conflictIndex');
      return { type, from, to, term, reject, index, conflictTerm, conflictIndex };
    }
    case 'Heartbeat': {
      const commit = reader.varint('commit');
      return { type, from, to, term, commit, context: reader.varint('context') };
    }
    case 'HeartbeatResp':
    case 'ReadIndex':
      return { type, from, to, term, context: reader.varint('context') };
    case 'TimeoutNow':
      return { type, from, to, term };
    case 'ReadIndexResp': {
      const context = reader.varint('context');
      const index = reader.varint('index');
      return { type, from, to, term, context, index, reject: reader.bool('reject') };
    }
    case 'Snap': {
      const index = reader.varint('snapshot index');
      const snapTerm = reader.varint('snapshot term');
      return { type, from, to, term, snapshot: { index, term: snapTerm, membership: readMembership(reader) } };
    }
  }
}

/** The frame length a 4-byte length field announces (the whole frame, length field included). */
export function announcedFrameSize(header: Uint8Array, offset = 0): number {
  const length =
    ((header[offset]! << 24) | (header[offset + 1]! << 16) | (header[offset + 2]! << 8) | header[offset + 3]!) >>> 0;
  return length + FRAME_LENGTH_BYTES;
}

/**
 * Decodes one complete frame (length field included). Throws PeerCodecError for a length that
 * disagrees with the bytes, an unknown type, a truncated payload, bytes left over, or a bad value.
 */
export function decodeFrame(frame: Uint8Array, maxFrameBytes = MAX_FRAME_BYTES): DecodedFrame {
  if (frame.length < FRAME_HEADER_BYTES) throw new PeerCodecError('bad-length', `a frame of ${frame.length} bytes`);
  const size = announcedFrameSize(frame);
  if (size > maxFrameBytes)
    throw new PeerCodecError('frame-too-large', `a frame of ${size} bytes exceeds ${maxFrameBytes}`);
  if (size !== frame.length) {
    throw new PeerCodecError('bad-length', `the length field says ${size} bytes, the frame has ${frame.length}`);
  }
  const id = ((frame[4]! << 24) | (frame[5]! << 16) | (frame[6]! << 8) | frame[7]!) >>> 0;
  const code = frame[8]!;
  const type = TYPES_BY_CODE[code];
  if (type === undefined) throw new PeerCodecError('unknown-type', `unknown message type ${code}`);
  // Entry data are views of one private copy of the frame: one allocation per message rather than
  // one per entry, and a log entry never pins the (shared, larger) receive buffer it arrived in.
  const bytes = type === 'App' ? new Uint8Array(frame) : frame;
  const reader = new ByteReader(bytes, FRAME_HEADER_BYTES, frame.length);
  const message = readMessage(reader, type);
  if (reader.remaining !== 0) {
    throw new PeerCodecError('trailing-bytes', `${reader.remaining} bytes after a ${type} message`);
  }
  return { id, message, size };
}
