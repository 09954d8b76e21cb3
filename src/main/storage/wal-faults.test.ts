// A full disk and failing syncs. The save must reject with a message that says what happened, and
// nothing that was durable before may be lost. A real full disk needs a small tmpfs, which needs
// root; where mounting is impossible those tests are reported as skipped, and the injected faults
// below still cover the same code paths.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FileOps, nodeFileOps } from './file-ops';
import { StorageIoError } from './io-error';
import { errnoError, makeEntries, makeTempDir, removeDir, segmentFile } from './test-kit';
import { WalStorage } from './wal';

function tryMountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const probe = makeTempDir('tmpfs-probe');
const canMountTmpfs = tryMountTmpfs(probe, '64k');
if (canMountTmpfs) execFileSync('umount', ['-l', probe]);
removeDir(probe);

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const result = await promise.then(
    () => null,
    (error: unknown) => error,
  );
  expect(result, 'expected the call to reject').toBeInstanceOf(Error);
  return result as Error;
}

async function reload(dir: string) {
  const storage = new WalStorage(dir);
  const state = await storage.load();
  await storage.close();
  return state;
}

describe.runIf(canMountTmpfs)('WAL on a real full disk (256 KiB tmpfs)', () => {
  let mount = '';
  beforeEach(() => {
    mount = makeTempDir('tmpfs');
    expect(tryMountTmpfs(mount, '256k')).toBe(true);
  });
  afterEach(() => {
    // Lazy, so that a failed test still holding a descriptor on the mount cannot leave it behind.
    execFileSync('umount', ['-l', mount]);
    removeDir(mount);
  });

  it('a save that does not fit rejects with "disk full" and every earlier save loads back', async () => {
    const dir = path.join(mount, 'node');
    const storage = new WalStorage(dir);
    await storage.load();
    await storage.save({ hardState: { term: 1, vote: 'a', commit: 0 }, entries: [] });
    let durableEntries = 0;
    let durableBytes = 0;
    let failure: Error | null = null;
    for (let index = 1; failure === null && index < 10_000; index += 8) {
      const entries = makeEntries(index, 8, 1, 1000);
      try {
        await storage.save({ hardState: { term: 1, vote: 'a', commit: index - 1 }, entries });
        durableEntries = index + 7;
        durableBytes = fs.statSync(segmentFile(dir, 1)).size;
      } catch (error) {
        failure = error as Error;
      }
    }
    expect(failure).toBeInstanceOf(StorageIoError);
    expect(failure!.message).toBe('wal: disk full (ENOSPC) writing 00000001.wal');
    expect(durableEntries).toBeGreaterThan(100);
    // The partial write was cut back to the last durable offset.
    expect(fs.statSync(segmentFile(dir, 1)).size).toBe(durableBytes);
    await storage.close();

    const state = await reload(dir);
    expect(state.entries).toEqual(makeEntries(1, durableEntries, 1, 1000));
    expect(state.hardState).toEqual({ term: 1, vote: 'a', commit: durableEntries - 8 });
    expect(state.recovery.truncatedBytes).toBe(0);
  });

  it('a term change on a full disk rejects, keeps the old hardstate, and works once space is freed', async () => {
    const dir = path.join(mount, 'node');
    const storage = new WalStorage(dir);
    await storage.load();
    await storage.save({ hardState: { term: 1, vote: 'a', commit: 0 }, entries: makeEntries(1, 3, 1) });
    const filler = path.join(mount, 'filler');
    expect(() => fs.writeFileSync(filler, Buffer.alloc(512 * 1024))).toThrow(/ENOSPC/);

    const error = await rejection(storage.save({ hardState: { term: 2, vote: 'b', commit: 0 }, entries: [] }));
    expect(error.message).toBe('hardstate: disk full (ENOSPC) writing hardstate.tmp');
    expect(fs.existsSync(path.join(dir, 'hardstate.tmp'))).toBe(false);
    expect((await reload(dir)).hardState).toEqual({ term: 1, vote: 'a', commit: 0 });

    fs.unlinkSync(filler);
    await storage.save({ hardState: { term: 2, vote: 'b', commit: 0 }, entries: makeEntries(4, 1, 2) });
    await storage.close();
    const state = await reload(dir);
    expect(state.hardState).toEqual({ term: 2, vote: 'b', commit: 0 });
    expect(state.entries).toEqual([...makeEntries(1, 3, 1), ...makeEntries(4, 1, 2)]);
  });
});

describe('WAL with injected faults', () => {
  let dir = '';
  beforeEach(() => {
    dir = makeTempDir('faults');
  });
  afterEach(() => removeDir(dir));

  /** Real operations, with hooks a test arms to fail the next call of one kind. */
  function faultyOps() {
    const armed: Partial<Record<keyof FileOps, Error | 'short'>> = {};
    const ops: FileOps = {
      ...nodeFileOps,
      write: async (fd, buffer, offset, length, position) => {
        const fault = armed.write;
        if (fault === 'short') {
          // Half the bytes land, then the disk is full: what a filling disk really does.
          armed.write = errnoError('ENOSPC', 'no space left on device');
          return nodeFileOps.write(fd, buffer, offset, Math.floor(length / 2), position);
        }
        if (fault) {
          delete armed.write;
          throw fault;
        }
        return nodeFileOps.write(fd, buffer, offset, length, position);
      },
    };
    for (const name of ['fdatasync', 'fsync', 'ftruncate'] as const) {
      const real = nodeFileOps[name] as (...args: never[]) => Promise<void>;
      ops[name] = (async (...args: never[]) => {
        const fault = armed[name];
        if (fault instanceof Error) {
          delete armed[name];
          throw fault;
        }
        return real(...args);
      }) as never;
    }
    return { ops, armed };
  }

  it('a failed write is cut back, rejects clearly, and the next save appends cleanly', async () => {
    const { ops, armed } = faultyOps();
    const storage = new WalStorage(dir, { fileOps: ops });
    await storage.load();
    await storage.save({ hardState: { term: 1, vote: 'a', commit: 0 }, entries: makeEntries(1, 5, 1, 100) });
    const durableBytes = fs.statSync(segmentFile(dir, 1)).size;

    armed.write = 'short';
    const error = await rejection(storage.save({ hardState: null, entries: makeEntries(6, 5, 1, 100) }));
    expect(error.message).toBe('wal: disk full (ENOSPC) writing 00000001.wal');
    expect((error as StorageIoError).fatal).toBe(false);
    expect(fs.statSync(segmentFile(dir, 1)).size).toBe(durableBytes);

    await storage.save({ hardState: { term: 1, vote: 'a', commit: 7 }, entries: makeEntries(6, 2, 1, 100) });
    await storage.close();
    const state = await reload(dir);
    expect(state.entries).toEqual(makeEntries(1, 7, 1, 100));
    expect(state.hardState.commit).toBe(7);
    expect(state.recovery.truncatedBytes).toBe(0);
  });

  it('a failed fdatasync fails the instance: every later call rejects with the original error', async () => {
    const { ops, armed } = faultyOps();
    const storage = new WalStorage(dir, { fileOps: ops });
    await storage.load();
    const durable = makeEntries(1, 4, 1, 50);
    await storage.save({ hardState: { term: 1, vote: 'a', commit: 0 }, entries: durable });

    armed.fdatasync = errnoError('EIO', 'i/o error');
    const error = await rejection(storage.save({ hardState: null, entries: makeEntries(5, 2, 1, 50) }));
    expect(error.message).toBe('wal: I/O error (EIO) syncing 00000001.wal');
    expect(await rejection(storage.save({ hardState: null, entries: makeEntries(5, 1, 1, 50) }))).toBe(error);
    expect(await rejection(storage.load())).toBe(error);
    await storage.close();

    // The bytes of the failed save may or may not have reached the disk; nothing before them is harmed.
    const state = await reload(dir);
    expect(state.entries.slice(0, 4)).toEqual(durable);
    expect([4, 6]).toContain(state.entries.length);
  });

  it('a failed write whose undo also fails fails the instance', async () => {
    const { ops, armed } = faultyOps();
    const storage = new WalStorage(dir, { fileOps: ops });
    await storage.load();
    await storage.save({ hardState: null, entries: makeEntries(1, 2, 0) });
    armed.write = errnoError('EIO', 'i/o error');
    armed.ftruncate = errnoError('EIO', 'i/o error');
    const error = await rejection(storage.save({ hardState: null, entries: makeEntries(3, 1, 0) }));
    expect(error.message).toBe('wal: I/O error (EIO) writing 00000001.wal');
    expect((error as StorageIoError).fatal).toBe(true);
    expect(await rejection(storage.save({ hardState: null, entries: makeEntries(3, 1, 0) }))).toBe(error);
    await storage.close();
    expect((await reload(dir)).entries).toEqual(makeEntries(1, 2, 0));
  });

  it('a failed hardstate fsync fails the instance and the old hard state stays in force', async () => {
    const { ops, armed } = faultyOps();
    const storage = new WalStorage(dir, { fileOps: ops });
    await storage.load();
    await storage.save({ hardState: { term: 3, vote: 'a', commit: 0 }, entries: makeEntries(1, 1, 3) });
    armed.fsync = errnoError('EIO', 'i/o error');
    const error = await rejection(storage.save({ hardState: { term: 4, vote: 'b', commit: 0 }, entries: [] }));
    expect(error.message).toBe('hardstate: I/O error (EIO) syncing hardstate.tmp');
    expect(await rejection(storage.save({ hardState: null, entries: [] }))).toBe(error);
    await storage.close();
    const state = await reload(dir);
    expect(state.hardState).toEqual({ term: 3, vote: 'a', commit: 0 });
    expect(fs.existsSync(path.join(dir, 'hardstate.tmp'))).toBe(false);
  });

  it('a WAL failure right after an election was recorded never makes the new commit durable', async () => {
    let writesUntilFailure = Number.POSITIVE_INFINITY;
    const ops: FileOps = {
      ...nodeFileOps,
      write: (...args) => {
        if (--writesUntilFailure === 0) return Promise.reject(errnoError('ENOSPC', 'no space left on device'));
        return nodeFileOps.write(...args);
      },
    };
    const storage = new WalStorage(dir, { fileOps: ops });
    await storage.load();
    await storage.save({ hardState: { term: 1, vote: 'a', commit: 2 }, entries: makeEntries(1, 5, 1) });
    // The hardstate file is replaced (write 1), then the WAL record replacing 4..5 fails (write 2).
    writesUntilFailure = 2;
    const replacing = makeEntries(4, 4, 2);
    await rejection(storage.save({ hardState: { term: 2, vote: 'b', commit: 7 }, entries: replacing }));
    await storage.close();
    // Term and vote are durable; the commit is the one the WAL had made durable before, so the old,
    // uncommitted entries 3..5 are not taken for committed ones.
    const state = await reload(dir);
    expect(state.hardState).toEqual({ term: 2, vote: 'b', commit: 2 });
    expect(state.entries).toEqual(makeEntries(1, 5, 1));
  });

  it('a failed folder fsync after starting a new segment fails the instance', async () => {
    const { ops, armed } = faultyOps();
    const storage = new WalStorage(dir, { fileOps: ops, segmentMaxBytes: 1024 });
    await storage.load();
    await storage.save({ hardState: null, entries: makeEntries(1, 1, 0, 900) });
    armed.fsync = errnoError('EIO', 'i/o error');
    const error = await rejection(storage.save({ hardState: null, entries: makeEntries(2, 1, 0, 900) }));
    expect(error.message).toBe(`wal: I/O error (EIO) syncing the folder ${path.join(dir, 'wal')}`);
    expect(await rejection(storage.save({ hardState: null, entries: [] }))).toBe(error);
    await storage.close();
    expect((await reload(dir)).entries.slice(0, 1)).toEqual(makeEntries(1, 1, 0, 900));
  });
});
