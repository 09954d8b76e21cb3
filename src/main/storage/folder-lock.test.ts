// The data-folder lock, against real processes: a live one keeps a second opener out before it
// reads a byte; a dead one's lock is stale and taken over.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireFolderLock, FolderInUseError, LOCK_FILE } from './folder-lock';
import { makeEntries, makeTempDir, removeDir, segmentFile } from './test-kit';
import { WalStorage } from './wal';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) removeDir(dir);
});

function tempDir(): string {
  const dir = makeTempDir('lock');
  dirs.push(dir);
  return dir;
}

/** A real process that stays alive until killed. */
async function liveProcess(): Promise<ChildProcess & { pid: number }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  return child as ChildProcess & { pid: number };
}

async function killAndWait(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

describe('the data-folder lock', () => {
  it('refuses a folder a live process holds before touching the log, and takes it over once that process is gone', async () => {
    const dir = tempDir();
    const first = new WalStorage(dir);
    await first.load();
    await first.save({ hardState: { term: 1, vote: '', commit: 0 }, entries: makeEntries(1, 3, 1) });
    await first.close();
    // Another process holds the folder and is half-way through its next record.
    const owner = await liveProcess();
    fs.writeFileSync(path.join(dir, LOCK_FILE), `${owner.pid}\n`);
    const segment = segmentFile(dir, 1);
    fs.appendFileSync(segment, Buffer.from([1, 2, 3, 4, 5]));
    const size = fs.statSync(segment).size;

    const error = await new WalStorage(dir).load().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FolderInUseError);
    expect((error as Error).message).toContain(`in use by process ${owner.pid}`);
    expect((error as Error).message).toContain(dir);
    // Its write in progress was not mistaken for a torn tail and cut.
    expect(fs.statSync(segment).size).toBe(size);

    await killAndWait(owner);
    const after = new WalStorage(dir);
    const state = await after.load();
    expect(state.entries).toEqual(makeEntries(1, 3, 1));
    expect(state.recovery.truncatedBytes).toBe(5);
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    await after.close();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('takes over a lock of this same process, and an empty or garbled one', () => {
    const dir = tempDir();
    const file = path.join(dir, LOCK_FILE);
    const release = acquireFolderLock(dir);
    // A node restarted in place after a crash (in-process) finds its own pid.
    const again = acquireFolderLock(dir);
    again();
    expect(fs.existsSync(file)).toBe(false);
    release();
    for (const content of ['', 'not a pid\n', '-4\n']) {
      fs.writeFileSync(file, content);
      const take = acquireFolderLock(dir);
      expect(fs.readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
      take();
    }
  });

  it('release leaves a lock alone that another process has taken since', () => {
    const dir = tempDir();
    const file = path.join(dir, LOCK_FILE);
    const release = acquireFolderLock(dir, { pid: 111, isAlive: () => false });
    fs.writeFileSync(file, '222\n');
    release();
    expect(fs.readFileSync(file, 'utf8')).toBe('222\n');
    expect(() => acquireFolderLock(dir, { pid: 333, isAlive: (pid) => pid === 222 })).toThrow(/in use by process 222/);
  });
});
