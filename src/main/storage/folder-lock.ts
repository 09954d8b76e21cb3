// One process at a time in a node's data folder. A second one (the same node started twice, or
// two clusters on one --data-dir) would recover the log while the first still writes it, cut what
// looks like a torn tail but is a write in progress, and then interleave its records with the
// first's. Recovery runs before the port is bound, so the port clash would come too late.
//
// The lock is a listening unix-domain socket, never a pid in a file. The kernel closes a process's
// sockets the moment it exits, however it exits (kill -9, a crash, power lost), before its parent
// reaps it; so a zombie holds nothing, and a pid reused by an unrelated process proves nothing
// because no pid is ever checked. Node offers no flock() without a native addon; a listening
// socket is the one kernel-held, exit-released object it can take.
//
// Where the socket lives (`lockAddress`):
// - Linux: the abstract namespace ("\0raftlab-lock/<hash of the folder's real path>"). It has no
//   file at all, so there is never a stale socket to clean up, and two processes taking a free
//   folder at the same moment cannot both win: bind() is the whole test. It also sidesteps the
//   108-byte limit of socket paths, which a deep --data-dir would exceed.
// - Windows: a named pipe of the same name, likewise kernel-held and file-less.
// - Elsewhere (macOS): a socket file `LOCK` in the folder, or in the temp folder when that path is
//   too long for sun_path. A socket file outlives its process; connecting to a dead one is
//   refused (ECONNREFUSED), so it is unlinked and bound afresh. Two processes doing that at the
//   same instant could both succeed; that narrow race is the price of a platform without either
//   namespace.
//
// A live holder answers a connection with its pid, so a refusal can name the process to stop. A
// process killed with SIGKILL shows as a zombie a moment before its last thread has closed its
// files; its lock accepts a connection but never answers, so an opener that meets that silence
// asks again for a few seconds instead of refusing.
// A lock held by this very process is taken over: only this process's own host can have left it,
// restarting a node in place (or a test abandoning a "crashed" storage).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ioFailure } from './io-error';

/** The socket file's name in the folder, where a platform needs a file (and the old pid file's name). */
export const LOCK_FILE = 'LOCK';

/** sun_path holds 108 bytes on Linux and 104 on macOS, including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 103;

/** How long an opener waits for the holder to say its pid. */
const HOLDER_REPLY_TIMEOUT_MS = 1000;

/** A holder that does not answer is asked again this often, this many times, before giving up. */
const BUSY_RETRY_MS = 100;
const BUSY_ATTEMPTS = 20;

/** The folder belongs to another live process. */
export class FolderInUseError extends Error {
  override readonly name = 'FolderInUseError';
}

export type LockKind = 'abstract' | 'pipe' | 'file';

export interface LockAddress {
  readonly kind: LockKind;
  /** What `listen` and `connect` take: "\0..." for abstract, "\\.\pipe\..." for a pipe, else a path. */
  readonly address: string;
}

/** Where the lock of `realDir` (a real path, symlinks resolved) lives; `kind` forces one, for tests. */
export function lockAddress(realDir: string, kind: LockKind = defaultKind()): LockAddress {
  const hash = createHash('sha256').update(realDir).digest('hex').slice(0, 32);
  if (kind === 'abstract') return { kind, address: `\0raftlab-lock/${hash}` };
  if (kind === 'pipe') return { kind, address: `\\\\.\\pipe\\raftlab-lock-${hash}` };
  const inFolder = path.join(realDir, LOCK_FILE);
  const address =
    Buffer.byteLength(inFolder) <= MAX_SOCKET_PATH_BYTES ? inFolder : path.join(os.tmpdir(), `raftlab-lock-${hash}`);
  return { kind, address };
}

function defaultKind(): LockKind {
  if (process.platform === 'linux') return 'abstract';
  if (process.platform === 'win32') return 'pipe';
  return 'file';
}

export interface FolderLockOptions {
  /** The platform's kind by default; tests force 'file' to run that path on Linux too. */
  readonly kind?: LockKind;
}

interface HeldLock {
  readonly server: Server;
  /** The release function that currently owns it; an earlier one taken over does nothing. */
  owner: object;
}

/** Locks this process holds, by address. */
const heldHere = new Map<string, HeldLock>();

/**
 * Takes the folder's lock, or rejects with FolderInUseError naming the process that holds it.
 * Resolves with the release function. The lock never keeps the process alive, and the kernel
 * drops it when the process ends, so a release that never runs loses nothing.
 */
export async function acquireFolderLock(dir: string, options: FolderLockOptions = {}): Promise<() => void> {
  let realDir: string;
  try {
    realDir = fs.realpathSync(dir);
  } catch (error) {
    throw ioFailure('storage', `resolving the data folder ${dir}`, error, false);
  }
  const lock = lockAddress(realDir, options.kind);
  const owner = {};
  const held = heldHere.get(lock.address);
  if (held) {
    held.owner = owner;
    return () => release(lock.address, owner);
  }
  // A pid file from before the socket lock proves nothing; leave no stale one to mislead a reader.
  if (lock.kind !== 'file') removeOldPidFile(realDir);
  for (let attempt = 0; attempt < BUSY_ATTEMPTS; attempt++) {
    const server = await tryListen(lock.address);
    if (server !== null) {
      if (lock.kind === 'file') restrictSocketFile(lock.address);
      heldHere.set(lock.address, { server, owner });
      return () => release(lock.address, owner);
    }
    const holder = await askHolder(lock.address);
    if (holder.pid !== null) {
      throw new FolderInUseError(
        `storage: the data folder ${dir} is in use by process ${holder.pid}; ` +
          'stop that process first (its lock is released the moment it exits, however it exits)',
      );
    }
    if (!holder.connected && lock.kind === 'file') {
      // Refused: a socket file whose process is gone. Remove it and bind afresh.
      removeStaleSocketFile(lock.address);
      continue;
    }
    // Held, but nobody says who: a process in the middle of exiting (its threads still closing
    // its files), or one too busy to answer. The first frees it within moments; wait a little.
    await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
  }
  throw new FolderInUseError(
    `storage: the data folder ${dir} is in use by another process that does not answer; ` +
      'stop the raftlab process running on this folder first',
  );
}

/** Listens at `address`; null when another socket holds it (EADDRINUSE). */
function tryListen(address: string): Promise<Server | null> {
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.end(`${process.pid}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(null);
      else reject(ioFailure('storage', `taking the folder lock ${printable(address)}`, error, false));
    });
    server.listen({ path: address, exclusive: true }, () => {
      server.removeAllListeners('error');
      server.on('error', () => {});
      // The lock must never be what keeps a finished process running.
      server.unref();
      resolve(server);
    });
  });
}

/** Whether anything accepts a connection at `address`, and the pid it says (a live holder says it at once). */
function askHolder(address: string): Promise<{ connected: boolean; pid: number | null }> {
  return new Promise((resolve) => {
    let text = '';
    let connected = false;
    const socket = connect({ path: address });
    socket.setTimeout(HOLDER_REPLY_TIMEOUT_MS, () => socket.destroy());
    socket.on('connect', () => {
      connected = true;
    });
    socket.on('data', (chunk: Buffer) => {
      if (text.length < 32) text += chunk.toString('latin1');
    });
    // ECONNREFUSED (a dead holder's file), ENOENT (gone meanwhile), ECONNRESET (exiting).
    socket.on('error', () => {});
    socket.on('close', () => {
      const pid = /^([0-9]+)\n/.exec(text) === null ? Number.NaN : Number(text.trim());
      resolve({ connected, pid: Number.isSafeInteger(pid) && pid > 0 ? pid : null });
    });
  });
}

function removeStaleSocketFile(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw ioFailure('storage', `removing the stale lock ${file}`, error, false);
    }
  }
}

function release(address: string, owner: object): void {
  const held = heldHere.get(address);
  if (held === undefined || held.owner !== owner) return;
  heldHere.delete(address);
  // Closes the listening socket at once (and unlinks a socket file), freeing the lock.
  held.server.close();
}

function restrictSocketFile(file: string): void {
  try {
    fs.chmodSync(file, 0o600);
  } catch {
    // Only its mode: the lock holds whatever the mode.
  }
}

function removeOldPidFile(realDir: string): void {
  const file = path.join(realDir, LOCK_FILE);
  try {
    if (fs.lstatSync(file).isFile()) fs.unlinkSync(file);
  } catch {
    // Absent, or not ours to remove: it decides nothing either way.
  }
}

function printable(address: string): string {
  return address.startsWith('\0') ? `@${address.slice(1)}` : address;
}
