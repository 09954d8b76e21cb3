// The data-folder lock, against real processes: a live holder keeps a second opener out before it
// reads a byte, and names itself; a holder that is gone holds nothing, however it went: killed
// with SIGKILL, exited and left a zombie its parent never reaps, or leaving a pid that an unrelated
// live process now has.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processState } from '../testing/process-state';
import { acquireFolderLock, FolderInUseError, LOCK_FILE, type LockKind, lockAddress } from './folder-lock';
import { makeEntries, makeTempDir, removeDir, segmentFile } from './test-kit';
import { WalStorage } from './wal';

const HOLDER = path.join(import.meta.dirname, 'test-lock-holder.ts');

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

function started(child: ChildProcess): ChildProcess & { pid: number } {
  children.push(child);
  return child as ChildProcess & { pid: number };
}

/** The first line a child prints (the holder's pid once it holds the lock). */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      errors += chunk.toString('utf8');
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const newline = text.indexOf('\n');
      if (newline >= 0) resolve(text.slice(0, newline));
    });
    child.once('exit', (code) => {
      if (!text.includes('\n')) reject(new Error(`the child exited (${code}) before printing a line: ${errors}`));
    });
  });
}

/** Another process that takes `dir`'s lock and keeps it until killed; resolves once it holds it. */
async function liveHolder(dir: string, kind?: LockKind): Promise<ChildProcess & { pid: number }> {
  const args = ['--import', 'tsx', HOLDER, dir, 'hold', ...(kind ? [kind] : [])];
  const child = started(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  expect(Number(await firstLine(child))).toBe(child.pid);
  return child;
}

/** Another process tries to take `dir`'s lock; resolves with what it printed once it was refused. */
async function refusedInAnotherProcess(dir: string, kind?: LockKind): Promise<string> {
  const args = ['--import', 'tsx', HOLDER, dir, 'hold', ...(kind ? [kind] : [])];
  const child = started(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  expect(code).not.toBe(0);
  expect(output).toContain(`in use by process ${process.pid}`);
  return output;
}

async function killAndWait(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

async function until(what: string, probe: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function refusal(work: Promise<unknown>): Promise<Error> {
  const outcome = await work.then(
    () => null,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(FolderInUseError);
  return outcome as Error;
}

describe('the data-folder lock', () => {
  it('refuses a folder a live process holds before touching the log, naming it, and takes it once that process is killed', async () => {
    const dir = tempDir();
    const first = new WalStorage(dir);
    await first.load();
    await first.save({ hardState: { term: 1, vote: '', commit: 0 }, entries: makeEntries(1, 3, 1) });
    await first.close();
    // Another process holds the folder and is half-way through its next record.
    const owner = await liveHolder(dir);
    const segment = segmentFile(dir, 1);
    fs.appendFileSync(segment, Buffer.from([1, 2, 3, 4, 5]));
    const size = fs.statSync(segment).size;

    const error = await refusal(new WalStorage(dir).load());
    expect(error.message).toContain(`in use by process ${owner.pid}`);
    expect(error.message).toContain(dir);
    // Its write in progress was not mistaken for a torn tail and cut.
    expect(fs.statSync(segment).size).toBe(size);

    await killAndWait(owner);
    const after = new WalStorage(dir);
    const state = await after.load();
    expect(state.entries).toEqual(makeEntries(1, 3, 1));
    expect(state.recovery.truncatedBytes).toBe(5);
    await after.close();
  });

  it('takes a folder whose holder exited and is a zombie its parent never reaped', async () => {
    const dir = tempDir();
    // sh starts the holder in the background, then becomes `sleep`, which never waits for it: once
    // the holder exits it stays a zombie, its pid still taken, for as long as the sleep runs.
    const script = `"$0" --import tsx "$1" "$2" exit & exec sleep 300`;
    const parent = started(
      spawn('sh', ['-c', script, process.execPath, HOLDER, dir], { stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    const holderPid = Number(await firstLine(parent));
    expect(holderPid).toBeGreaterThan(0);
    await until(`process ${holderPid} to be a zombie`, () => processState(holderPid) === 'Z');

    const release = await acquireFolderLock(dir);
    release();
    expect(processState(holderPid)).toBe('Z');
  });

  it('takes a folder whose old pid lock names a live process that has nothing to do with it (a reused pid)', async () => {
    const dir = tempDir();
    const stranger = started(spawn('sleep', ['300'], { stdio: 'ignore' }));
    await until('the stranger to run', () => processState(stranger.pid) !== null);
    fs.writeFileSync(path.join(dir, LOCK_FILE), `${stranger.pid}\n`);

    const storage = new WalStorage(dir);
    await storage.load();
    await storage.close();
  });

  it('is free again for another process once released, and this process may take over its own lock', async () => {
    const dir = tempDir();
    const release = await acquireFolderLock(dir);
    // A node restarted in place after an in-process crash finds its own lock and takes it over.
    const again = await acquireFolderLock(dir);
    release(); // the earlier owner's release no longer frees what the later one holds
    await refusedInAnotherProcess(dir);
    again();
    const other = await liveHolder(dir);
    const error = await refusal(acquireFolderLock(dir));
    expect(error.message).toContain(`in use by process ${other.pid}`);
  });

  it('with a socket file (platforms without an abstract namespace): a killed holder leaves a stale file that is taken over; a live one is refused', async () => {
    const dir = tempDir();
    const owner = await liveHolder(dir, 'file');
    const file = path.join(dir, LOCK_FILE);
    expect(fs.statSync(file).isSocket()).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const error = await refusal(acquireFolderLock(dir, { kind: 'file' }));
    expect(error.message).toContain(`in use by process ${owner.pid}`);

    await killAndWait(owner);
    expect(fs.statSync(file).isSocket()).toBe(true); // SIGKILL left the file behind
    const release = await acquireFolderLock(dir, { kind: 'file' });
    release();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('locks a folder whose path is too long for a socket path', async () => {
    let dir = tempDir();
    while (Buffer.byteLength(dir) < 200) dir = path.join(dir, 'a-rather-long-folder-name');
    fs.mkdirSync(dir, { recursive: true });
    expect(lockAddress(dir, 'file').address.startsWith(dir)).toBe(false);
    expect(lockAddress(dir, 'abstract').address.length).toBeLessThan(100);
    for (const kind of ['abstract', 'file'] as const) {
      const release = await acquireFolderLock(dir, { kind });
      await refusedInAnotherProcess(dir, kind);
      release();
    }
  });
});
