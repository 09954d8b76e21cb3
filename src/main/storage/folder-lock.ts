// One process at a time in a node's data folder. A second one (the same node started twice, or
// two clusters on one --data-dir) would recover the log while the first still writes it, cut what
// looks like a torn tail but is a write in progress, and then interleave its records with the
// first's. Recovery runs before the port is bound, so the port clash would come too late.
//
// The lock is a file holding the owner's pid, created with O_EXCL. A lock whose process is gone
// (killed, crashed, power lost) is stale and taken over. A lock held by this very process is taken
// over too: only this process's own host can have left it, restarting a node in place.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ioFailure } from './io-error';

export const LOCK_FILE = 'LOCK';

/** The folder belongs to another live process. */
export class FolderInUseError extends Error {
  override readonly name = 'FolderInUseError';
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface FolderLockOptions {
  readonly pid?: number;
  readonly isAlive?: (pid: number) => boolean;
}

/**
 * Takes the folder's lock, or throws FolderInUseError naming the process that holds it. Returns
 * the release function, which removes the file only while it still names this process.
 */
export function acquireFolderLock(dir: string, options: FolderLockOptions = {}): () => void {
  const pid = options.pid ?? process.pid;
  const isAlive = options.isAlive ?? processIsAlive;
  const file = path.join(dir, LOCK_FILE);
  // Two rounds: a stale lock is removed, then created afresh; losing that race to another process
  // taking over the same stale lock means it is now live, and the second round says so.
  for (let round = 0; round < 2; round++) {
    if (tryCreate(file, pid)) return () => release(file, pid);
    const holder = readHolder(file);
    if (holder === pid) {
      fs.writeFileSync(file, `${pid}\n`);
      return () => release(file, pid);
    }
    if (holder !== null && isAlive(holder)) {
      throw new FolderInUseError(
        `storage: the data folder ${dir} is in use by process ${holder} (see its ${LOCK_FILE} file); ` +
          `stop that process first, or delete ${file} if no raftlab process runs on this folder`,
      );
    }
    // Stale: its process is gone, or it died before writing its pid.
    try {
      fs.unlinkSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw ioFailure('storage', `removing the stale lock ${file}`, error, false);
      }
    }
  }
  const holder = readHolder(file);
  throw new FolderInUseError(`storage: the data folder ${dir} was just taken by process ${holder ?? 'unknown'}`);
}

function tryCreate(file: string, pid: number): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw ioFailure('storage', `creating the lock ${file}`, error, false);
  }
  try {
    fs.writeSync(fd, `${pid}\n`);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/** The pid in the lock file; null when the file is gone, empty or not a pid. */
function readHolder(file: string): number | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw ioFailure('storage', `reading the lock ${file}`, error, false);
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

function release(file: string, pid: number): void {
  try {
    if (readHolder(file) === pid) fs.unlinkSync(file);
  } catch {
    // Best effort: a lock left behind is stale once this process exits, and is taken over then.
  }
}
