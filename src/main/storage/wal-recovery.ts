// Reads every segment in order, checks every CRC and replays the records into the log. The one kind
// of damage it repairs is a torn tail: a bad record in the last segment with no valid record after
// it, which is what a crash during the last (never acknowledged) write leaves. It cuts that tail off
// with ftruncate. Any other damage would mean losing acknowledged data, so it refuses to start.
import * as path from 'node:path';
import type { Entry } from '../../shared/raft/types';
import type { FileOps } from './file-ops';
import { ioFailure } from './io-error';
import { listSegments, segmentName } from './segments';
import { type LogPosition, type RecoveryReport, StorageCorruptError } from './types';
import {
  checkFrame,
  decodeRecord,
  FRAME_HEADER_BYTES,
  isValidRecordAt,
  KIND_BASE,
  MalformedRecordError,
  SEGMENT_HEADER_RECORD_BYTES,
  type WalRecord,
} from './wal-format';

/** What replay learned about one segment, for compaction. */
export interface SegmentSpan {
  readonly segment: number;
  /** The highest index any record in it wrote (entries a later truncate replaced count too). */
  maxIndex: number;
  /** It starts with a base record, so the log can start at it once the segments before are gone. */
  readonly hasBase: boolean;
}

export interface RecoveredLog {
  /** Where the log starts: the first segment's base, or the last reset; entries follow it. */
  readonly base: LogPosition;
  /** entries[i] has index base.index + 1 + i. */
  readonly entries: Entry[];
  readonly spans: SegmentSpan[];
  /** The highest commit mark in the WAL; 0 when there is none. */
  readonly walCommit: number;
  /** The torn tail of the last segment, still on disk: call cutTornTail once the caller accepts the state. */
  readonly torn: TornTail | null;
  /** Where the next record goes: the last segment and its length once the torn tail is cut; null when none. */
  readonly tail: { readonly segment: number; readonly bytes: number } | null;
}

export interface TornTail {
  readonly file: string;
  readonly offset: number;
  readonly report: RecoveryReport;
}

export const CLEAN_RECOVERY: RecoveryReport = { truncatedBytes: 0, truncatedRecords: 0, message: null };

export async function recoverLog(ops: FileOps, walDir: string): Promise<RecoveredLog> {
  const segments = await listSegments(ops, walDir);
  const replay = new Replay();
  let tornTail: TornTail | null = null;
  let tail: RecoveredLog['tail'] = null;
  const spans: SegmentSpan[] = [];
  for (const [position, segment] of segments.entries()) {
    const name = segmentName(segment);
    const file = path.join(walDir, name);
    const isLast = position === segments.length - 1;
    let buffer: Buffer;
    try {
      buffer = await ops.readFile(file);
    } catch (error) {
      throw ioFailure('wal', `reading ${name}`, error, false);
    }
    const span = { segment, maxIndex: 0, hasBase: startsWithBase(buffer) };
    spans.push(span);
    replay.span = span;
    let torn = scanSegment(buffer, segment, file, isLast, replay);
    // A segment's header and base record are written as one; a last segment that holds the header
    // but no whole base record after it is a torn start, and is cut to nothing, so that the next
    // save writes both again (appending without a base would leave a segment compaction cannot use).
    if (isLast && buffer.length > 0 && (torn?.offset ?? buffer.length) === SEGMENT_HEADER_RECORD_BYTES) {
      torn = { offset: 0, reason: torn?.reason ?? 'a segment header without its base record' };
    }
    let bytes = buffer.length;
    if (torn) {
      const cutBytes = buffer.length - torn.offset;
      tornTail = {
        file,
        offset: torn.offset,
        report: {
          truncatedBytes: cutBytes,
          truncatedRecords: 1,
          message: `wal: cut ${cutBytes} bytes (1 torn record: ${torn.reason}) from ${name} at offset ${torn.offset}`,
        },
      };
      bytes = torn.offset;
    }
    tail = { segment, bytes };
  }
  return { base: replay.base, entries: replay.entries, spans, walCommit: replay.commit, torn: tornTail, tail };
}

/** True when the segment's second record is a whole base record. */
function startsWithBase(buffer: Buffer): boolean {
  const first = checkFrame(buffer, 0);
  if (!first.ok) return false;
  return isValidRecordAt(buffer, first.end) && buffer[first.end + FRAME_HEADER_BYTES] === KIND_BASE;
}

/** Replays the segment's records; returns the torn tail to cut, or throws on any other damage. */
function scanSegment(
  buffer: Buffer,
  segment: number,
  file: string,
  isLast: boolean,
  replay: Replay,
): { offset: number; reason: string } | null {
  if (buffer.length === 0 && !isLast) {
    throw new StorageCorruptError(`wal: ${file} is empty but is not the last segment; refusing to start`);
  }
  let offset = 0;
  while (offset < buffer.length) {
    const frame = checkFrame(buffer, offset);
    if (!frame.ok) {
      if (!isLast) {
        throw new StorageCorruptError(
          `wal: ${frame.reason} in ${file} at offset ${offset}, which is not the last segment; refusing to start`,
        );
      }
      const validAfter = findValidRecord(buffer, offset + 1);
      if (validAfter >= 0) {
        throw new StorageCorruptError(
          `wal: ${frame.reason} in ${file} at offset ${offset}, followed by a valid record at offset ` +
            `${validAfter}; refusing to start rather than drop the records after it`,
        );
      }
      return { offset, reason: frame.reason };
    }
    let record: WalRecord;
    try {
      record = decodeRecord(buffer, offset, frame.end);
    } catch (error) {
      if (!(error instanceof MalformedRecordError)) throw error;
      throw new StorageCorruptError(
        `wal: malformed record in ${file} at offset ${offset} (${error.message}) although its checksum is right; ` +
          'refusing to start',
      );
    }
    const problem = replay.apply(record, offset === 0 ? segment : null);
    if (problem) throw new StorageCorruptError(`wal: ${problem} in ${file} at offset ${offset}; refusing to start`);
    offset = frame.end;
  }
  return null;
}

function findValidRecord(buffer: Buffer, from: number): number {
  for (let offset = from; offset < buffer.length; offset++) {
    if (isValidRecordAt(buffer, offset)) return offset;
  }
  return -1;
}

export async function cutTornTail(ops: FileOps, torn: TornTail): Promise<void> {
  try {
    const fd = await ops.openReadWrite(torn.file);
    try {
      await ops.ftruncate(fd, torn.offset);
      await ops.fdatasync(fd);
    } finally {
      await ops.close(fd);
    }
  } catch (error) {
    throw ioFailure('wal', `cutting the torn tail of ${path.basename(torn.file)}`, error, true);
  }
}

/** The log as the records rebuild it; `apply` returns a description of an impossible record. */
class Replay {
  base: LogPosition = { index: 0, term: 0 };
  entries: Entry[] = [];
  commit = 0;
  /** The segment being read. */
  span: SegmentSpan = { segment: 0, maxIndex: 0, hasBase: false };
  /** Nothing read yet: the first base record read sets where the log starts. */
  private fresh = true;

  get lastIndex(): number {
    return this.base.index + this.entries.length;
  }

  private termAt(index: number): number {
    return index === this.base.index ? this.base.term : this.entries[index - this.base.index - 1]!.term;
  }

  /** `expectedHeader` is the segment number when the record is the first of its segment, else null. */
  apply(record: WalRecord, expectedHeader: number | null): string | null {
    if (record.kind === 'segment-header') {
      if (expectedHeader === null) return 'segment header in the middle of a segment';
      if (record.segment !== expectedHeader) return `header of segment ${record.segment}`;
      return null;
    }
    if (expectedHeader !== null) return 'missing segment header';
    if (record.kind === 'base') return this.applyBase(record.reset, { index: record.index, term: record.term });
    this.fresh = false;
    const first = record.entries[0];
    if (first) {
      const last = this.lastIndex;
      if (record.truncate ? first.index > last : first.index !== last + 1) {
        return `entries start at ${first.index} but the log ends at ${last}${record.truncate ? ' (truncate)' : ''}`;
      }
      if (first.index <= this.base.index) {
        // A truncate below the base of the first segment left: the segment began after an
        // uncommitted tail that this record replaced. Everything up to the base was compacted into a
        // snapshot, so the log now starts just before these entries; the term there is unknown (0)
        // and never used (the snapshot's meta is authoritative).
        this.base = { index: first.index - 1, term: 0 };
        this.entries = [];
      } else {
        this.entries.length = first.index - this.base.index - 1;
      }
      for (const entry of record.entries) this.entries.push(entry);
      const lastWritten = first.index + record.entries.length - 1;
      if (lastWritten > this.span.maxIndex) this.span.maxIndex = lastWritten;
    }
    if (record.commit !== null && record.commit > this.commit) this.commit = record.commit;
    return null;
  }

  private applyBase(reset: boolean, position: LogPosition): string | null {
    if (reset || this.fresh) {
      this.fresh = false;
      this.base = position;
      this.entries = [];
      if (position.index > this.span.maxIndex) this.span.maxIndex = position.index;
      return null;
    }
    // A segment's base continues the log: it must name the log's last entry exactly.
    if (position.index !== this.lastIndex) {
      return `segment base at index ${position.index} but the log ends at ${this.lastIndex}`;
    }
    // A base term of 0 after index 0 is one replay could not know (see apply): nothing to compare.
    const unknown = position.index === this.base.index && this.base.term === 0 && this.base.index > 0;
    if (!unknown && position.term !== this.termAt(position.index)) {
      return `segment base term ${position.term} at index ${position.index} but the log holds term ${this.termAt(position.index)}`;
    }
    if (position.index > this.span.maxIndex) this.span.maxIndex = position.index;
    return null;
  }
}
