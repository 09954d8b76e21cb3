// Helpers for the storage tests: temp folders, entries with recognisable bytes, and FileOps wrappers
// that count calls or fail on cue. Not used by production code.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Entry, HardState } from '../../shared/raft/types';
import type { FileOps } from './file-ops';
import { MemoryStorage } from './memory';
import type { SaveUpdate } from './save-plan';
import { segmentName } from './segments';
import { WalStorage } from './wal';

export function makeTempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `raftlab-${label}-`));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export function segmentFile(dir: string, segment: number): string {
  return path.join(dir, 'wal', segmentName(segment));
}

export function segmentFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(dir, 'wal'))
    .filter((name) => name.endsWith('.wal'))
    .sort();
}

/** Data bytes derived from index, term and size, so a misplaced or mixed-up entry shows. */
export function entryData(index: number, term: number, size: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (index * 31 + term * 7 + i * 13) & 0xff;
  return data;
}

export function makeEntries(first: number, count: number, term: number, size = 16): Entry[] {
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    const index = first + i;
    entries.push({ index, term, type: 'normal', data: entryData(index, term, size) });
  }
  return entries;
}

export type FileOpName = keyof FileOps;

/** Wraps real FileOps, counting calls; `before` may throw to fail a call (an injected fault). */
export function instrumentedOps(
  inner: FileOps,
  before: (op: FileOpName, args: readonly unknown[]) => void = () => {},
): { ops: FileOps; calls: Map<FileOpName, number> } {
  const calls = new Map<FileOpName, number>();
  const ops = {} as Record<FileOpName, unknown>;
  for (const name of Object.keys(inner) as FileOpName[]) {
    const real = inner[name] as (...args: unknown[]) => Promise<unknown>;
    ops[name] = async (...args: unknown[]) => {
      calls.set(name, (calls.get(name) ?? 0) + 1);
      before(name, args);
      return real(...args);
    };
  }
  return { ops: ops as unknown as FileOps, calls };
}

export function errnoError(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

export interface Checkpoint {
  /** The last segment once this save was durable, and its length. */
  readonly segment: number;
  readonly bytes: number;
  readonly hardState: HardState;
  readonly entries: Entry[];
}

/**
 * Runs `saves` against a WAL in `dir` and against the in-memory twin as the model, recording after
 * each save where the log ends and what a load should return.
 */
export async function recordLog(dir: string, saves: readonly SaveUpdate[], segmentMaxBytes = 64 * 1024 * 1024) {
  const wal = new WalStorage(dir, { segmentMaxBytes });
  const model = new MemoryStorage();
  await wal.load();
  await model.load();
  const checkpoints: Checkpoint[] = [];
  for (const save of saves) {
    await wal.save(save);
    await model.save(save);
    const segment = segmentFiles(dir).length;
    const { hardState, entries } = await model.load();
    const bytes = segment === 0 ? 0 : fs.statSync(segmentFile(dir, segment)).size;
    checkpoints.push({ segment, bytes, hardState, entries });
  }
  await wal.close();
  return { checkpoints, lastSegment: segmentFiles(dir).length };
}

/** Flips one bit of the byte at `offset`, in place. */
export function flipBit(file: string, offset: number, bit = offset % 8): void {
  const bytes = fs.readFileSync(file);
  bytes[offset]! ^= 1 << bit;
  fs.writeFileSync(file, bytes);
}
