// Compaction and snapshot installation in the WAL, checked against what a reload returns: only whole
// segments at or before the snapshot go, never the open one, nothing after the snapshot is lost, and
// a crash or a failure in the middle leaves a log that loads.
import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeFileOps } from './file-ops';
import { MemoryDisk, MemoryStorage } from './memory';
import {
  errnoError,
  instrumentedOps,
  makeEntries,
  makeTempDir,
  removeDir,
  segmentFile,
  segmentFiles,
} from './test-kit';
import type { RaftStorage } from './types';
import { WalStorage } from './wal';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) removeDir(dir);
});

function tempDir(): string {
  const dir = makeTempDir('compact');
  dirs.push(dir);
  return dir;
}

/** 60 entries of 100 bytes in saves of 3, committed as they go (up to `maxCommit`), over 1 KiB segments. */
async function filledWal(dir: string, maxCommit = 60): Promise<WalStorage> {
  const wal = new WalStorage(dir, { segmentMaxBytes: 1024 });
  await wal.load();
  for (let index = 1; index <= 60; index += 3) {
    const commit = Math.min(index - 1, maxCommit);
    await wal.save({ hardState: { term: 1, vote: 'a', commit }, entries: makeEntries(index, 3, 1, 100) });
  }
  return wal;
}

async function reload(dir: string) {
  const wal = new WalStorage(dir, { segmentMaxBytes: 1024 });
  const state = await wal.load();
  await wal.close();
  return state;
}

/** The numbers of the segment files on disk, ascending. */
function segmentNumbers(dir: string): number[] {
  return segmentFiles(dir).map((name) => Number(name.slice(0, 8)));
}

describe('WAL compaction', () => {
  it('compact deletes only whole segments whose every entry is at or before the index, and never the open one', async () => {
    const dir = tempDir();
    const wal = await filledWal(dir);
    const before = segmentNumbers(dir);
    expect(before.length).toBeGreaterThanOrEqual(6);
    const all = (await reload(dir)).entries;
    const deleted = await wal.compact(30);
    const after = segmentNumbers(dir);
    expect(deleted).toBe(before.length - after.length);
    expect(deleted).toBeGreaterThan(0);
    await wal.close();

    const state = await reload(dir);
    // Every entry after 30 is still there, and the log starts at or before 30.
    expect(state.snapshot.index).toBeLessThanOrEqual(30);
    expect(state.snapshot.index).toBeGreaterThan(0);
    expect(state.entries).toEqual(all.slice(state.snapshot.index));
    expect(state.snapshot.term).toBe(1);
    // The segment holding entry 31 survived, and the one before the first left held nothing after 30.
    expect(state.entries[0]!.index).toBeLessThanOrEqual(31);
    expect(after[0]).toBe(before[0]! + deleted);
  });

  it('compact beyond the last entry keeps the open segment, and the log goes on from there', async () => {
    const dir = tempDir();
    const wal = await filledWal(dir);
    await wal.compact(1_000);
    expect(segmentNumbers(dir)).toHaveLength(1);
    await wal.save({ hardState: { term: 1, vote: 'a', commit: 60 }, entries: makeEntries(61, 2, 1, 100) });
    await wal.close();
    const state = await reload(dir);
    expect(state.entries.at(-1)!.index).toBe(62);
    expect(state.entries[0]!.index).toBe(state.snapshot.index + 1);
    expect(state.hardState.commit).toBe(60);
  });

  it('a save that would rewrite entries a compaction dropped is refused before anything is written', async () => {
    const dir = tempDir();
    const wal = await filledWal(dir);
    await wal.compact(40);
    const start = wal.logStart.index;
    const size = fs.statSync(segmentFile(dir, segmentNumbers(dir).at(-1)!)).size;
    await expect(wal.save({ hardState: null, entries: makeEntries(start, 1, 2, 10) })).rejects.toThrow(
      /inside the snapshot/,
    );
    expect(fs.statSync(segmentFile(dir, segmentNumbers(dir).at(-1)!)).size).toBe(size);
    await wal.close();
  });

  it('installSnapshot drops the whole log, durably, and later saves continue after it', async () => {
    const dir = tempDir();
    const wal = await filledWal(dir);
    await wal.installSnapshot({ index: 500, term: 4 });
    expect(segmentNumbers(dir)).toHaveLength(1);
    await wal.save({ hardState: { term: 4, vote: '', commit: 500 }, entries: makeEntries(501, 2, 4, 10) });
    // A crash: no close.
    const state = await reload(dir);
    expect(state.snapshot).toEqual({ index: 500, term: 4 });
    expect(state.entries).toEqual(makeEntries(501, 2, 4, 10));
    expect(state.hardState).toEqual({ term: 4, vote: '', commit: 500 });
  });

  it('installSnapshot behind a divergent tail: the reset wins over longer, older segments', async () => {
    const dir = tempDir();
    const wal = await filledWal(dir, 10);
    // The follower held 60 entries of term 1, 10 of them committed; the leader's snapshot is at 20, term 3.
    await wal.installSnapshot({ index: 20, term: 3 });
    await wal.save({ hardState: { term: 3, vote: '', commit: 20 }, entries: makeEntries(21, 1, 3, 10) });
    await wal.close();
    const state = await reload(dir);
    expect(state.snapshot).toEqual({ index: 20, term: 3 });
    expect(state.entries).toEqual(makeEntries(21, 1, 3, 10));
  });

  it('a crash after the reset segment is durable but before the old segments are deleted loads the reset', async () => {
    const dir = tempDir();
    const source = await filledWal(dir);
    await source.close();
    const oldSegments = segmentFiles(dir).map((name) => [name, fs.readFileSync(`${dir}/wal/${name}`)] as const);
    const wal = new WalStorage(dir, { segmentMaxBytes: 1024 });
    await wal.load();
    await wal.installSnapshot({ index: 45, term: 2 });
    await wal.close();
    // Put the old segments back, as if the deletes never happened.
    for (const [name, bytes] of oldSegments) fs.writeFileSync(`${dir}/wal/${name}`, bytes);
    const state = await reload(dir);
    expect(state.snapshot).toEqual({ index: 45, term: 2 });
    expect(state.entries).toEqual([]);
    expect(state.hardState.commit).toBe(45);
  });

  it('a failed write of the reset segment rejects, fails the instance, and the old log still loads whole', async () => {
    const dir = tempDir();
    const source = await filledWal(dir);
    await source.close();
    const whole = await reload(dir);
    let failWrites = false;
    const { ops } = instrumentedOps(nodeFileOps, (op) => {
      if (failWrites && op === 'write') throw errnoError('ENOSPC', 'no space left on device');
    });
    const wal = new WalStorage(dir, { segmentMaxBytes: 1024, fileOps: ops });
    await wal.load();
    failWrites = true;
    await expect(wal.installSnapshot({ index: 45, term: 2 })).rejects.toThrow(/disk full \(ENOSPC\)/);
    await expect(wal.save({ hardState: null, entries: makeEntries(61, 1, 1, 10) })).rejects.toThrow(/ENOSPC/);
    const state = await reload(dir);
    expect(state.entries).toEqual(whole.entries);
  });

  it('a truncate below the base of the first segment left (an uncommitted tail replaced) still loads', async () => {
    const dir = tempDir();
    const wal = new WalStorage(dir, { segmentMaxBytes: 1024 });
    await wal.load();
    for (let index = 1; index <= 30; index += 3) {
      await wal.save({ hardState: { term: 1, vote: 'a', commit: index - 1 }, entries: makeEntries(index, 3, 1, 100) });
    }
    // A new segment starts after 30; then a new leader replaces 28..30 and goes on.
    const segmentsBefore = segmentNumbers(dir).length;
    await wal.save({ hardState: { term: 2, vote: 'b', commit: 27 }, entries: makeEntries(28, 8, 2, 100) });
    await wal.save({ hardState: null, entries: makeEntries(36, 8, 2, 100) });
    expect(segmentNumbers(dir).length).toBeGreaterThan(segmentsBefore);
    const expected = (await reload(dir)).entries;
    await wal.save({ hardState: { term: 2, vote: 'b', commit: 43 }, entries: [] });
    await wal.compact(40);
    await wal.close();
    const state = await reload(dir);
    expect(state.entries).toEqual(expected.slice(state.snapshot.index));
    expect(state.entries.at(-1)!.index).toBe(43);
  });
});

describe.each([
  ['wal', () => new WalStorage(tempDir(), { segmentMaxBytes: 1024 })],
  ['memory', () => new MemoryStorage(new MemoryDisk())],
] as const)('%s storage after compact and installSnapshot', (_kind, open: () => RaftStorage) => {
  it('entries after the compaction point and the hard state survive; the log start never passes the index', async () => {
    const storage = open();
    await storage.load();
    const entries = makeEntries(1, 40, 1, 100);
    await storage.save({ hardState: { term: 1, vote: 'a', commit: 35 }, entries });
    await storage.save({ hardState: null, entries: makeEntries(41, 10, 1, 100) });
    await storage.compact(35);
    const state = await storage.load();
    expect(state.snapshot.index).toBeLessThanOrEqual(35);
    expect(state.entries.at(-1)!.index).toBe(50);
    expect(state.entries[0]!.index).toBe(state.snapshot.index + 1);
    expect(state.hardState.commit).toBe(35);
    await storage.installSnapshot({ index: 70, term: 3 });
    const reset = await storage.load();
    expect(reset.snapshot).toEqual({ index: 70, term: 3 });
    expect(reset.entries).toEqual([]);
    expect(reset.hardState.commit).toBe(70);
    await storage.close();
  });
});
