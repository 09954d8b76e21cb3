import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryVolume, openStorage, WalStorage } from './index';
import { makeEntries, makeTempDir, removeDir } from './test-kit';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) removeDir(dir);
});

describe('openStorage', () => {
  it('an in-memory node opened again on the same folder finds what it saved, and no file is made', async () => {
    const memoryVolume = new MemoryVolume();
    const dir = path.join(makeTempDir('open'), 'never-created');
    dirs.push(path.dirname(dir));
    const first = openStorage({ dir, inMemory: true, memoryVolume });
    await first.load();
    await first.save({ hardState: { term: 3, vote: 'n2', commit: 1 }, entries: makeEntries(1, 2, 3) });
    await first.close();

    const restarted = await openStorage({ dir, inMemory: true, memoryVolume }).load();
    expect(restarted.hardState).toEqual({ term: 3, vote: 'n2', commit: 1 });
    expect(restarted.entries).toEqual(makeEntries(1, 2, 3));
    const other = await openStorage({ dir: `${dir}-other`, inMemory: true, memoryVolume }).load();
    expect(other.entries).toEqual([]);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('an on-disk node gets a WAL in its own folder, created when missing', async () => {
    const dir = path.join(makeTempDir('open'), 'data', '127.0.0.1_5001');
    dirs.push(path.dirname(path.dirname(dir)));
    const storage = openStorage({ dir, inMemory: false, segmentMaxBytes: 4096 });
    expect(storage).toBeInstanceOf(WalStorage);
    await storage.load();
    await storage.save({ hardState: null, entries: makeEntries(1, 1, 0) });
    await storage.close();
    expect(fs.readdirSync(dir).sort()).toEqual(['hardstate', 'wal']);
    expect(fs.readdirSync(path.join(dir, 'wal'))).toEqual(['00000001.wal']);
  });
});
