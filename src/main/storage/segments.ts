// WAL segment files: named by a sequence number from 1, rotated when full, and never renumbered, so
// a gap in the numbering means a lost file, never a tidy-up.
import { errorCode, type FileOps } from './file-ops';
import { StorageCorruptError } from './types';

/**
 * Compaction deletes whole segments only, so a node's WAL holds up to one segment beyond its last
 * snapshot, and a restart reads all of it: 4 MiB keeps a node's folder small (issue 12's target is
 * 64 MiB in all) and its restart quick (reading and replaying 8 MiB took 130-200 ms here), while a
 * rotation (one file created, one folder fsync) stays rare: about once per 30k SETs of 100 bytes.
 */
export const DEFAULT_SEGMENT_MAX_BYTES = 4 * 1024 * 1024;

export function segmentName(segment: number): string {
  return `${String(segment).padStart(8, '0')}.wal`;
}

/** The segment number of a file name, or null for any file that is not a segment. */
export function parseSegmentName(name: string): number | null {
  const match = /^(\d{8,})\.wal$/.exec(name);
  if (!match?.[1]) return null;
  const segment = Number(match[1]);
  return Number.isSafeInteger(segment) && segment >= 1 && segmentName(segment) === name ? segment : null;
}

/**
 * The segment numbers in `walDir`, ascending. Refuses a hole in the numbering. The first segment
 * need not be 1: compaction deletes the segments before a snapshot, and the first one left says
 * where the log starts (its base record); whether a snapshot covers that start is checked by the
 * caller (snapshot-store.ts), which refuses to start when none does.
 */
export async function listSegments(ops: FileOps, walDir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await ops.readdir(walDir);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return [];
    throw error;
  }
  const segments = names
    .map(parseSegmentName)
    .filter((segment): segment is number => segment !== null)
    .sort((a, b) => a - b);
  let expected = segments[0] ?? 1;
  for (const segment of segments) {
    if (segment !== expected) {
      throw new StorageCorruptError(
        `wal: segment ${segmentName(expected)} is missing in ${walDir} after ${segmentName(expected - 1)} ` +
          `(next is ${segmentName(segment)}); refusing to start rather than lose its entries`,
      );
    }
    expected++;
  }
  return segments;
}
