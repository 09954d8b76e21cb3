import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { blockingFileOps, type FileOps, nodeFileOps } from './file-ops';
import { decodeHardState } from './hardstate-file';
import { instrumentedOps, makeEntries, makeTempDir, removeDir, segmentFile, segmentFiles } from './test-kit';
import { StorageCorruptError } from './types';
import { WalStorage } from './wal';

const dirs: string[] = [];
function tempDir(): string {
  const dir = makeTempDir('wal');
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) removeDir(dir);
});

async function reopen(dir: string, segmentMaxBytes?: number) {
  const storage = new WalStorage(dir, segmentMaxBytes === undefined ? {} : { segmentMaxBytes });
  const state = await storage.load();
  await storage.close();
  return state;
}

describe('WAL round trip', () => {
  it('a fresh folder loads as an empty log with a zero hard state and gets a hardstate file', async () => {
    const dir = tempDir();
    const state = await reopen(path.join(dir, 'node-a'));
    expect(state).toEqual({
      hardState: { term: 0, vote: '', commit: 0 },
      snapshot: { index: 0, term: 0 },
      entries: [],
      recovery: { truncatedBytes: 0, truncatedRecords: 0, message: null },
    });
    expect(fs.existsSync(path.join(dir, 'node-a', 'hardstate'))).toBe(true);
    expect(fs.statSync(path.join(dir, 'node-a', 'wal')).isDirectory()).toBe(true);
  });

  it('entries and hard state saved over several calls load back identical after close', async () => {
    const dir = tempDir();
    const storage = new WalStorage(dir);
    await storage.load();
    const all = [...makeEntries(1, 3, 1, 0), ...makeEntries(4, 5, 1, 200), ...makeEntries(9, 1, 2, 70000)];
    await storage.save({ hardState: { term: 1, vote: 'n1', commit: 0 }, entries: all.slice(0, 3) });
    await storage.save({ hardState: { term: 1, vote: 'n1', commit: 3 }, entries: all.slice(3, 8) });
    await storage.save({ hardState: { term: 2, vote: '', commit: 8 }, entries: all.slice(8) });
    await storage.close();

    const state = await reopen(dir);
    expect(state.hardState).toEqual({ term: 2, vote: '', commit: 8 });
    expect(state.entries).toEqual(all);
    expect(state.entries[8]!.data).toBeInstanceOf(Uint8Array);
    expect(state.recovery.message).toBeNull();
  });

  it('noop entries and every byte value survive unchanged', async () => {
    const dir = tempDir();
    const storage = new WalStorage(dir);
    await storage.load();
    const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);
    const entries = [
      { index: 1, term: 3, type: 'noop' as const, data: new Uint8Array(0) },
      { index: 2, term: 3, type: 'normal' as const, data: everyByte },
    ];
    await storage.save({ hardState: { term: 3, vote: 'ünïcode:1', commit: 0 }, entries });
    await storage.close();
    const state = await reopen(dir);
    expect(state.entries).toEqual(entries);
    expect(state.hardState.vote).toBe('ünïcode:1');
  });

  it('entries starting at or below the last index replace the stored suffix', async () => {
    const dir = tempDir();
    const storage = new WalStorage(dir);
    await storage.load();
    await storage.save({ hardState: { term: 1, vote: 'a', commit: 0 }, entries: makeEntries(1, 10, 1) });
    const replacement = makeEntries(6, 2, 2, 40);
    await storage.save({ hardState: { term: 2, vote: 'b', commit: 0 }, entries: replacement });
    await storage.save({ hardState: null, entries: makeEntries(8, 1, 2) });
    // Replacing from the very first index too.
    await storage.close();
    let state = await reopen(dir);
    expect(state.entries).toEqual([...makeEntries(1, 5, 1), ...replacement, ...makeEntries(8, 1, 2)]);

    const again = new WalStorage(dir);
    await again.load();
    await again.save({ hardState: { term: 3, vote: 'c', commit: 0 }, entries: makeEntries(1, 2, 3) });
    await again.close();
    state = await reopen(dir);
    expect(state.entries).toEqual(makeEntries(1, 2, 3));
  });

  it('segments rotate at the configured size and load back in order', async () => {
    const dir = tempDir();
    const storage = new WalStorage(dir, { segmentMaxBytes: 4096 });
    await storage.load();
    await storage.save({ hardState: { term: 1, vote: 'a', commit: 0 }, entries: [] });
    const all = makeEntries(1, 200, 1, 150);
    for (let i = 0; i < all.length; i += 5) {
      await storage.save({ hardState: { term: 1, vote: 'a', commit: i }, entries: all.slice(i, i + 5) });
    }
    await storage.close();

    const names = segmentFiles(dir);
    expect(names.length).toBeGreaterThan(5);
    expect(names[0]).toBe('00000001.wal');
    for (const name of names.slice(0, -1)) {
      expect(fs.statSync(path.join(dir, 'wal', name)).size).toBeLessThanOrEqual(4096);
    }
    const state = await reopen(dir, 4096);
    expect(state.entries).toEqual(all);
    expect(state.hardState.commit).toBe(195);
  });

  it('a save larger than a whole segment gets a segment of its own', async () => {
    const dir = tempDir();
    const storage = new WalStorage(dir, { segmentMaxBytes: 4096 });
    await storage.load();
    await storage.save({ hardState: null, entries: makeEntries(1, 1, 0, 100) });
    await storage.save({ hardState: null, entries: makeEntries(2, 1, 0, 10000) });
    await storage.save({ hardState: null, entries: makeEntries(3, 1, 0, 100) });
    await storage.close();
    expect(segmentFiles(dir)).toEqual(['00000001.wal', '00000002.wal', '00000003.wal']);
    expect((await reopen(dir, 4096)).entries).toEqual([
      ...makeEntries(1, 1, 0, 100),
      ...makeEntries(2, 1, 0, 10000),
      ...makeEntries(3, 1, 0, 100),
    ]);
  });

  it('saving after a reload continues the last segment', async () => {
    const dir = tempDir();
    const first = new WalStorage(dir);
    await first.load();
    await first.save({ hardState: null, entries: makeEntries(1, 2, 0) });
    await first.close();
    const second = new WalStorage(dir);
    await second.load();
    await second.save({ hardState: null, entries: makeEntries(3, 2, 0) });
    await second.close();
    expect(segmentFiles(dir)).toEqual(['00000001.wal']);
    expect((await reopen(dir)).entries).toEqual(makeEntries(1, 4, 0));
  });

  it('a second load() on the same instance re-reads the disk and saving continues after it', async () => {
    const dir = tempDir();
    const storage = new WalStorage(dir);
    await storage.load();
    await storage.save({ hardState: { term: 1, vote: 'a', commit: 1 }, entries: makeEntries(1, 2, 1) });
    const again = await storage.load();
    expect(again.entries).toEqual(makeEntries(1, 2, 1));
    expect(again.hardState).toEqual({ term: 1, vote: 'a', commit: 1 });
    await storage.save({ hardState: null, entries: makeEntries(3, 1, 1) });
    await storage.close();
    expect((await reopen(dir)).entries).toEqual(makeEntries(1, 3, 1));
  });

  it('a save before load() recovers first and then appends', async () => {
    const dir = tempDir();
    const first = new WalStorage(dir);
    await first.save({ hardState: null, entries: makeEntries(1, 2, 0) });
    await first.close();
    const second = new WalStorage(dir);
    await second.save({ hardState: null, entries: makeEntries(3, 1, 0) });
    await second.close();
    expect((await reopen(dir)).entries).toEqual(makeEntries(1, 3, 0));
  });
});

describe('WAL hard state and commit', () => {
  it('a commit-only change costs one fdatasync and no hardstate rewrite', async () => {
    const dir = tempDir();
    const { ops, calls } = instrumentedOps(nodeFileOps);
    const storage = new WalStorage(dir, { fileOps: ops });
    await storage.load();
    await storage.save({ hardState: { term: 1, vote: 'a', commit: 0 }, entries: makeEntries(1, 4, 1) });
    calls.clear();
    await storage.save({ hardState: { term: 1, vote: 'a', commit: 3 }, entries: [] });
    expect(Object.fromEntries(calls)).toEqual({ write: 1, fdatasync: 1 });
    calls.clear();
    await storage.save({ hardState: { term: 1, vote: 'a', commit: 4 }, entries: makeEntries(5, 300, 1) });
    expect(Object.fromEntries(calls)).toEqual({ write: 1, fdatasync: 1 });
    await storage.close();
    expect((await reopen(dir)).hardState).toEqual({ term: 1, vote: 'a', commit: 4 });
  });

  it('an unchanged hard state and no entries touch nothing', async () => {
    const dir = tempDir();
    const { ops, calls } = instrumentedOps(nodeFileOps);
    const storage = new WalStorage(dir, { fileOps: ops });
    await storage.load();
    await storage.save({ hardState: { term: 1, vote: 'a', commit: 0 }, entries: [] });
    calls.clear();
    await storage.save({ hardState: { term: 1, vote: 'a', commit: 0 }, entries: [] });
    await storage.save({ hardState: null, entries: [] });
    expect(calls.size).toBe(0);
    await storage.close();
  });

  it('a term or vote change replaces the hardstate file by rename, fsyncing file and folder', async () => {
    const dir = tempDir();
    const { ops, calls } = instrumentedOps(nodeFileOps);
    const storage = new WalStorage(dir, { fileOps: ops });
    await storage.load();
    await storage.save({ hardState: { term: 1, vote: '', commit: 0 }, entries: makeEntries(1, 2, 1) });
    await storage.save({ hardState: { term: 1, vote: '', commit: 2 }, entries: [] });
    calls.clear();
    await storage.save({ hardState: { term: 2, vote: 'b', commit: 2 }, entries: [] });
    expect(calls.get('rename')).toBe(1);
    expect(calls.get('fsync')).toBe(2);
    expect(calls.get('fdatasync')).toBeUndefined();
    await storage.close();
    // The file holds the commit the WAL had already made durable.
    const file = path.join(dir, 'hardstate');
    expect(decodeHardState(fs.readFileSync(file), file)).toEqual({ term: 2, vote: 'b', commit: 2 });
    expect(fs.existsSync(path.join(dir, 'hardstate.tmp'))).toBe(false);
  });

  it('commit loads as the highest durable mark but never beyond the last recovered index', async () => {
    const dir = tempDir();
    const storage = new WalStorage(dir);
    await storage.load();
    await storage.save({ hardState: { term: 1, vote: 'a', commit: 0 }, entries: makeEntries(1, 3, 1) });
    await storage.save({ hardState: { term: 1, vote: 'a', commit: 7 }, entries: [] });
    await storage.close();
    expect((await reopen(dir)).hardState).toEqual({ term: 1, vote: 'a', commit: 3 });
  });

  it('a stray hardstate.tmp from a crash mid-replace is ignored and removed', async () => {
    const dir = tempDir();
    const storage = new WalStorage(dir);
    await storage.load();
    await storage.save({ hardState: { term: 4, vote: 'x', commit: 0 }, entries: [] });
    await storage.close();
    fs.writeFileSync(path.join(dir, 'hardstate.tmp'), 'half a hard sta');
    expect((await reopen(dir)).hardState).toEqual({ term: 4, vote: 'x', commit: 0 });
    expect(fs.existsSync(path.join(dir, 'hardstate.tmp'))).toBe(false);
  });

  it('segments without a hardstate file refuse to start', async () => {
    const dir = tempDir();
    const storage = new WalStorage(dir);
    await storage.load();
    await storage.save({ hardState: { term: 1, vote: 'a', commit: 0 }, entries: makeEntries(1, 1, 1) });
    await storage.close();
    fs.unlinkSync(path.join(dir, 'hardstate'));
    await expect(reopen(dir)).rejects.toThrow(StorageCorruptError);
    await expect(reopen(dir)).rejects.toThrow(/hardstate.*is missing/);
  });

  it('a hardstate commit beyond the recovered log refuses and leaves the files untouched', async () => {
    const dir = tempDir();
    const storage = new WalStorage(dir);
    await storage.load();
    await storage.save({ hardState: { term: 1, vote: 'a', commit: 0 }, entries: makeEntries(1, 3, 1) });
    await storage.save({ hardState: { term: 1, vote: 'a', commit: 3 }, entries: makeEntries(4, 2, 1) });
    await storage.save({ hardState: { term: 2, vote: 'b', commit: 3 }, entries: [] });
    await storage.close();
    // The disk "loses" acknowledged records: the hardstate still says 3 is committed.
    const file = segmentFile(dir, 1);
    fs.truncateSync(file, 40);
    await expect(reopen(dir)).rejects.toThrow(/entries up to 3 are committed.*only up to 0/);
    expect(fs.statSync(file).size).toBe(40);
  });
});

describe('WAL folder and call discipline', () => {
  it('a folder that cannot be created is named in the error', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a-file'), 'x');
    expect(() => new WalStorage(path.join(dir, 'a-file', 'node'))).toThrow(/cannot|not a folder|ENOTDIR/);
    expect(() => new WalStorage(path.join(dir, 'a-file', 'node'))).toThrow(path.join(dir, 'a-file', 'node'));
    expect(() => new WalStorage(path.join(dir, 'a-file'))).toThrow(/exists but is not a folder/);
  });

  it('overlapping calls are rejected instead of interleaving writes', async () => {
    const dir = tempDir();
    const storage = new WalStorage(dir);
    await storage.load();
    const first = storage.save({ hardState: null, entries: makeEntries(1, 1, 0) });
    await expect(storage.save({ hardState: null, entries: makeEntries(2, 1, 0) })).rejects.toThrow(/in flight/);
    await first;
    await storage.close();
    expect((await reopen(dir)).entries).toEqual(makeEntries(1, 1, 0));
  });

  it('close is idempotent, waits for the save in flight, and later saves reject', async () => {
    const dir = tempDir();
    const storage = new WalStorage(dir);
    await storage.load();
    const saving = storage.save({ hardState: null, entries: makeEntries(1, 1, 0) });
    const closing = storage.close();
    await saving;
    await closing;
    await storage.close();
    await expect(storage.save({ hardState: null, entries: makeEntries(2, 1, 0) })).rejects.toThrow(/after close/);
    expect((await reopen(dir)).entries).toEqual(makeEntries(1, 1, 0));
  });
});

describe('WAL sync placement (blockingFileOps)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) removeDir(dir);
  });

  /** blockingFileOps, with every sync call and every whileSyncing recorded in order. */
  function recordingOps(events: string[]): FileOps {
    return {
      ...blockingFileOps,
      fdatasync: (fd) => {
        events.push('blocking sync');
        return blockingFileOps.fdatasync(fd);
      },
      fdatasyncInBackground: (fd) => {
        events.push('background sync started');
        return blockingFileOps.fdatasyncInBackground!(fd);
      },
    };
  }

  it('a foreground save calls whileSyncing before the blocking sync; a background one after starting it on a worker', async () => {
    const dir = makeTempDir('wal-sync');
    dirs.push(dir);
    const events: string[] = [];
    const storage = new WalStorage(dir, { fileOps: recordingOps(events) });
    await storage.load();
    events.length = 0;
    await storage.save(
      { hardState: null, entries: makeEntries(1, 1, 1) },
      { whileSyncing: () => events.push('while') },
    );
    await storage.save(
      { hardState: null, entries: makeEntries(2, 3, 1) },
      { inBackground: true, whileSyncing: () => events.push('while') },
    );
    await storage.close();
    // The first record of a new segment also syncs the folder (fsync, not fdatasync): not listed.
    expect(events).toEqual(['while', 'blocking sync', 'background sync started', 'while']);
    expect((await new WalStorage(dir).load()).entries).toEqual(makeEntries(1, 4, 1));
  });
});
