// The bytes of a WAL segment. Every record is framed as
//
//   crc32 u32 | payloadLength u32 | payload
//
// with the CRC taken over the length AND the payload, so that a flipped length bit is caught instead
// of silently re-framing the rest of the segment. A payload starts with its kind:
//
//   segment header: kind=1 | magic "RLWL" | version u8 | segment number u64
//   base:           kind=3 | flags u8 | index u64 | term u64
//   save:           kind=2 | flags u8 | [commit u64] | entryCount u32 | [firstIndex u64]
//                   | entryCount x (term u64 | type u8 | dataLength u32 | data)
//
// One save() is one save record: its truncate marker (flag bit 0: "the entries replace every stored
// entry from firstIndex on"), its entries and its commit mark (flag bit 1) share one CRC. A crash in
// the middle of a save therefore loses that whole save and nothing else, and a torn tail is always
// exactly one record. A commit-only save is a 22-byte record.
//
// A base record follows the header of every segment this version starts: the log position (index
// and term of the last entry) the segment starts after. Once compaction has deleted the segments
// before it, it is where the log starts. With flag bit 0 ("reset") it is an installed snapshot: every
// entry before it is gone and the log starts after it. Segments written before compaction existed
// have no base record; they can only follow segment 1 or another segment, so replay needs none.
import { crc32 } from 'node:zlib';
import type { Entry, EntryType } from '../../shared/raft/types';
import { readU64, writeU64 } from './bytes';

export const FRAME_HEADER_BYTES = 8;
/** A save larger than this is refused: it would not fit comfortably in one Buffer on recovery. */
export const MAX_PAYLOAD_BYTES = 512 * 1024 * 1024;

export const KIND_SEGMENT_HEADER = 1;
export const KIND_SAVE = 2;
export const KIND_BASE = 3;

const FLAG_TRUNCATE = 1;
const FLAG_COMMIT = 2;
const KNOWN_FLAGS = FLAG_TRUNCATE | FLAG_COMMIT;

const FLAG_RESET = 1;

const SEGMENT_MAGIC = 0x4c574c52; // "RLWL" read little-endian
const FORMAT_VERSION = 1;
export const SEGMENT_HEADER_RECORD_BYTES = FRAME_HEADER_BYTES + 1 + 4 + 1 + 8;
export const BASE_RECORD_BYTES = FRAME_HEADER_BYTES + 1 + 1 + 8 + 8;
/** A segment starts with its header and its base record, written together. */
export const SEGMENT_START_BYTES = SEGMENT_HEADER_RECORD_BYTES + BASE_RECORD_BYTES;

const ENTRY_FIXED_BYTES = 8 + 1 + 4;
const ENTRY_TYPE_CODES: Readonly<Record<EntryType, number>> = { normal: 0, noop: 1, config: 2 };
const ENTRY_TYPES: readonly EntryType[] = ['normal', 'noop', 'config'];

export interface SegmentHeaderRecord {
  readonly kind: 'segment-header';
  readonly segment: number;
}

export interface SaveRecord {
  readonly kind: 'save';
  /** The entries replace every stored entry from firstIndex on (a conflicting suffix). */
  readonly truncate: boolean;
  readonly commit: number | null;
  readonly entries: Entry[];
}

export interface BaseRecord {
  readonly kind: 'base';
  /** True for an installed snapshot: the log starts after (index, term), whatever came before. */
  readonly reset: boolean;
  readonly index: number;
  readonly term: number;
}

export type WalRecord = SegmentHeaderRecord | SaveRecord | BaseRecord;

/** A record whose CRC is right but whose contents make no sense: a bug or a foreign file, never a torn write. */
export class MalformedRecordError extends Error {}

/** Bytes of the whole framed save record, so the caller can size one buffer for the whole call. */
export function saveRecordBytes(entries: readonly Entry[], hasCommit: boolean): number {
  let bytes = FRAME_HEADER_BYTES + 1 + 1 + (hasCommit ? 8 : 0) + 4 + (entries.length > 0 ? 8 : 0);
  for (let i = 0; i < entries.length; i++) bytes += ENTRY_FIXED_BYTES + entries[i]!.data.byteLength;
  return bytes;
}

/** Writes the framed record at `offset`; returns the offset just after it. */
export function encodeSaveRecord(
  buffer: Buffer,
  offset: number,
  entries: readonly Entry[],
  truncate: boolean,
  commit: number | null,
): number {
  let p = offset + FRAME_HEADER_BYTES;
  buffer[p++] = KIND_SAVE;
  buffer[p++] = (truncate ? FLAG_TRUNCATE : 0) | (commit !== null ? FLAG_COMMIT : 0);
  if (commit !== null) {
    writeU64(buffer, p, commit);
    p += 8;
  }
  buffer.writeUInt32LE(entries.length, p);
  p += 4;
  if (entries.length > 0) {
    writeU64(buffer, p, entries[0]!.index);
    p += 8;
  }
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    writeU64(buffer, p, entry.term);
    buffer[p + 8] = ENTRY_TYPE_CODES[entry.type];
    buffer.writeUInt32LE(entry.data.byteLength, p + 9);
    p += ENTRY_FIXED_BYTES;
    buffer.set(entry.data, p);
    p += entry.data.byteLength;
  }
  return seal(buffer, offset, p);
}

export function encodeSegmentHeader(buffer: Buffer, offset: number, segment: number): number {
  let p = offset + FRAME_HEADER_BYTES;
  buffer[p++] = KIND_SEGMENT_HEADER;
  buffer.writeUInt32LE(SEGMENT_MAGIC, p);
  p += 4;
  buffer[p++] = FORMAT_VERSION;
  writeU64(buffer, p, segment);
  p += 8;
  return seal(buffer, offset, p);
}

export function encodeBaseRecord(buffer: Buffer, offset: number, index: number, term: number, reset: boolean): number {
  let p = offset + FRAME_HEADER_BYTES;
  buffer[p++] = KIND_BASE;
  buffer[p++] = reset ? FLAG_RESET : 0;
  writeU64(buffer, p, index);
  writeU64(buffer, p + 8, term);
  return seal(buffer, offset, p + 16);
}

function seal(buffer: Buffer, offset: number, end: number): number {
  buffer.writeUInt32LE(end - offset - FRAME_HEADER_BYTES, offset + 4);
  buffer.writeUInt32LE(crc32(buffer.subarray(offset + 4, end)), offset);
  return end;
}

export type FrameCheck = { readonly ok: true; readonly end: number } | { readonly ok: false; readonly reason: string };

/** Checks the frame starting at `offset`: that it is complete and its CRC matches. Does not decode. */
export function checkFrame(buffer: Buffer, offset: number): FrameCheck {
  const available = buffer.length - offset;
  if (available < FRAME_HEADER_BYTES) {
    return { ok: false, reason: `incomplete record header (${available} of ${FRAME_HEADER_BYTES} bytes)` };
  }
  const payloadBytes = buffer.readUInt32LE(offset + 4);
  if (payloadBytes === 0 || payloadBytes > MAX_PAYLOAD_BYTES) {
    return { ok: false, reason: `impossible record length ${payloadBytes}` };
  }
  const end = offset + FRAME_HEADER_BYTES + payloadBytes;
  if (end > buffer.length) {
    return { ok: false, reason: `incomplete record (${available} of ${FRAME_HEADER_BYTES + payloadBytes} bytes)` };
  }
  if (crc32(buffer.subarray(offset + 4, end)) !== buffer.readUInt32LE(offset)) {
    return { ok: false, reason: 'checksum mismatch' };
  }
  return { ok: true, end };
}

/** True when a whole, CRC-valid record of a known kind starts at `offset`. */
export function isValidRecordAt(buffer: Buffer, offset: number): boolean {
  if (buffer.length - offset < FRAME_HEADER_BYTES + 1) return false;
  const kind = buffer[offset + FRAME_HEADER_BYTES];
  if (kind !== KIND_SAVE && kind !== KIND_SEGMENT_HEADER && kind !== KIND_BASE) return false;
  return checkFrame(buffer, offset).ok;
}

/** Decodes the payload of a frame that passed checkFrame. Entry data is copied out of `buffer`. */
export function decodeRecord(buffer: Buffer, offset: number, end: number): WalRecord {
  const reader = new PayloadReader(buffer, offset + FRAME_HEADER_BYTES, end);
  const kind = reader.u8();
  if (kind === KIND_SEGMENT_HEADER) return decodeSegmentHeader(reader);
  if (kind === KIND_SAVE) return decodeSave(reader);
  if (kind === KIND_BASE) return decodeBase(reader);
  throw new MalformedRecordError(`unknown record kind ${kind}`);
}

function decodeSegmentHeader(reader: PayloadReader): SegmentHeaderRecord {
  if (reader.u32() !== SEGMENT_MAGIC) throw new MalformedRecordError('bad segment magic');
  const version = reader.u8();
  if (version !== FORMAT_VERSION) throw new MalformedRecordError(`unsupported WAL format version ${version}`);
  const segment = reader.u64();
  reader.expectEnd();
  return { kind: 'segment-header', segment };
}

function decodeBase(reader: PayloadReader): BaseRecord {
  const flags = reader.u8();
  if ((flags & ~FLAG_RESET) !== 0) throw new MalformedRecordError(`unknown base flags ${flags}`);
  const index = reader.u64();
  const term = reader.u64();
  reader.expectEnd();
  return { kind: 'base', reset: (flags & FLAG_RESET) !== 0, index, term };
}

function decodeSave(reader: PayloadReader): SaveRecord {
  const flags = reader.u8();
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new MalformedRecordError(`unknown flags ${flags}`);
  const commit = flags & FLAG_COMMIT ? reader.u64() : null;
  const count = reader.u32();
  const truncate = (flags & FLAG_TRUNCATE) !== 0;
  if (truncate && count === 0) throw new MalformedRecordError('truncate marker without entries');
  const entries: Entry[] = new Array(count);
  const firstIndex = count > 0 ? reader.u64() : 0;
  if (count > 0 && firstIndex < 1) throw new MalformedRecordError(`first index ${firstIndex}`);
  for (let i = 0; i < count; i++) {
    const term = reader.u64();
    const type = ENTRY_TYPES[reader.u8()];
    if (type === undefined) throw new MalformedRecordError(`unknown entry type in entry ${firstIndex + i}`);
    const data = reader.bytes(reader.u32());
    entries[i] = { index: firstIndex + i, term, type, data };
  }
  reader.expectEnd();
  return { kind: 'save', truncate, commit, entries };
}

class PayloadReader {
  constructor(
    private readonly buffer: Buffer,
    private position: number,
    private readonly end: number,
  ) {}

  private take(bytes: number): number {
    if (this.position + bytes > this.end) throw new MalformedRecordError('payload shorter than its fields');
    const at = this.position;
    this.position += bytes;
    return at;
  }

  u8(): number {
    return this.buffer[this.take(1)]!;
  }

  u32(): number {
    return this.buffer.readUInt32LE(this.take(4));
  }

  u64(): number {
    const value = readU64(this.buffer, this.take(8));
    if (value < 0) throw new MalformedRecordError('integer beyond 2^53');
    return value;
  }

  bytes(length: number): Uint8Array {
    const at = this.take(length);
    const copy = new Uint8Array(length);
    copy.set(this.buffer.subarray(at, at + length));
    return copy;
  }

  expectEnd(): void {
    if (this.position !== this.end)
      throw new MalformedRecordError(`${this.end - this.position} stray bytes after fields`);
  }
}
