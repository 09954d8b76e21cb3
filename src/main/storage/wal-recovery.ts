// Reads every segment in order, checks every CRC and replays the records into the log. The one kind
// of damage it repairs is a torn tail: a bad record in the last segment with no valid record after
// it, which is what a crash during the last (never acknowledged) write leaves. It cuts that tail off
// with ftruncate. Any other damage would mean losing acknowledged data, so it refuses to start.
import * as path from 'node:path';
import type { Entry } from '../../shared/raft/types';
import type { FileOps } from './file-ops';
import { ioFailure } from './io-error';
import { listSegments, segmentName } from './segments';
import { type RecoveryReport, StorageCorruptError } from './types';
import { checkFrame, decodeRecord, isValidRecordAt, MalformedRecordError, type WalRecord } from './wal-format';

export interface RecoveredLog {
  /** entries[i] has index i + 1. */
  readonly entries: Entry[];
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
    const torn = scanSegment(buffer, segment, file, isLast, replay);
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
  return { entries: replay.entries, walCommit: replay.commit, torn: tornTail, tail };
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
  readonly entries: Entry[] = [];
  commit = 0;

  /** `expectedHeader` is the segment number when the record is the first of its segment, else null. */
  apply(record: WalRecord, expectedHeader: number | null): string | null {
    if (record.kind === 'segment-header') {
      if (expectedHeader === null) return 'segment header in the middle of a segment';
      if (record.segment !== expectedHeader) return `header of segment ${record.segment}`;
      return null;
    }
    if (expectedHeader !== null) return 'missing segment header';
    const first = record.entries[0];
    if (first) {
      const last = this.entries.length;
      if (record.truncate ? first.index > last : first.index !== last + 1) {
        return `entries start at ${first.index} but the log ends at ${last}${record.truncate ? ' (truncate)' : ''}`;
      }
      this.entries.length = first.index - 1;
      for (const entry of record.entries) this.entries.push(entry);
    }
    if (record.commit !== null && record.commit > this.commit) this.commit = record.commit;
    return null;
  }
}
