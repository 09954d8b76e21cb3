// The handful of file-system calls the storage makes, behind an interface so that a test can put a
// full disk or a failing fsync underneath the real code. Raw descriptors rather than FileHandles:
// a "crashed" instance in a test simply abandons its descriptor, and Node does not warn about it.
import * as fs from 'node:fs';

export interface FileOps {
  /** Rejects with code ENOENT when the file does not exist. */
  readFile(path: string): Promise<Buffer>;
  /** Rejects with code ENOENT when the folder does not exist. */
  readdir(path: string): Promise<string[]>;
  /** Creates the folder (and its parents); no error when it exists. */
  mkdir(path: string): Promise<void>;
  /** Read-write, creating the file when missing (never truncating it). */
  openReadWrite(path: string): Promise<number>;
  /** Read-write, failing with EEXIST when the file exists: new WAL segments and temp files. */
  openNew(path: string): Promise<number>;
  /** Read-only; what a folder must be opened with to fsync it. */
  openReadOnly(path: string): Promise<number>;
  /** May write fewer bytes than asked (a filling disk does); see writeFully. */
  write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  fdatasync(fd: number): Promise<void>;
  /**
   * Present only where `fdatasync` blocks the thread: the same sync on a worker thread, for a
   * caller with other work to do meanwhile (see SaveOptions.inBackground).
   */
  readonly fdatasyncInBackground?: (fd: number) => Promise<void>;
  fsync(fd: number): Promise<void>;
  ftruncate(fd: number, length: number): Promise<void>;
  close(fd: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Rejects with code ENOENT when the file does not exist. */
  unlink(path: string): Promise<void>;
}

// Private data (CONTRACTS.md §5): another local user must not read a value or a vote. A umask only
// takes bits away, so these hold under any umask that leaves the owner's own bits alone (0, 022, 077).
export const PRIVATE_FOLDER_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

function settle<T>(resolve: (value: T) => void, reject: (error: Error) => void) {
  return (error: Error | null, value: T) => (error ? reject(error) : resolve(value));
}

export const nodeFileOps: FileOps = {
  readFile: (path) => fs.promises.readFile(path),
  readdir: (path) => fs.promises.readdir(path),
  mkdir: async (path) => {
    await fs.promises.mkdir(path, { recursive: true, mode: PRIVATE_FOLDER_MODE });
  },
  openReadWrite: (path) =>
    new Promise((resolve, reject) =>
      fs.open(path, fs.constants.O_RDWR | fs.constants.O_CREAT, PRIVATE_FILE_MODE, settle(resolve, reject)),
    ),
  openNew: (path) =>
    new Promise((resolve, reject) =>
      fs.open(
        path,
        fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL,
        PRIVATE_FILE_MODE,
        settle(resolve, reject),
      ),
    ),
  openReadOnly: (path) =>
    new Promise((resolve, reject) => fs.open(path, fs.constants.O_RDONLY, settle(resolve, reject))),
  write: (fd, buffer, offset, length, position) =>
    new Promise((resolve, reject) =>
      fs.write(fd, buffer, offset, length, position, (error, written) => (error ? reject(error) : resolve(written))),
    ),
  fdatasync: (fd) => new Promise((resolve, reject) => fs.fdatasync(fd, (error) => (error ? reject(error) : resolve()))),
  fsync: (fd) => new Promise((resolve, reject) => fs.fsync(fd, (error) => (error ? reject(error) : resolve()))),
  ftruncate: (fd, length) =>
    new Promise((resolve, reject) => fs.ftruncate(fd, length, (error) => (error ? reject(error) : resolve()))),
  close: (fd) => new Promise((resolve, reject) => fs.close(fd, (error) => (error ? reject(error) : resolve()))),
  rename: (from, to) => fs.promises.rename(from, to),
  unlink: (path) => fs.promises.unlink(path),
};

/**
 * The same calls, but the two on every save (write and fdatasync) run on the calling thread. A
 * process that hosts one node has nothing else to do while its log syncs, and the thread-pool
 * round trip of the asynchronous calls (wake a worker, then wake the loop: four context switches
 * per call) cost more than the sync itself on a busy machine: about 40k context switches a second
 * per node at one client fell to 14k, and a follower's system CPU per write by a third. Redis with
 * appendfsync always blocks the same way. A process that hosts many nodes
 * (the cluster, the desktop app) keeps `nodeFileOps`, so one node's disk never stalls the others.
 */
export const blockingFileOps: FileOps = {
  ...nodeFileOps,
  write: (fd, buffer, offset, length, position) => {
    try {
      return Promise.resolve(fs.writeSync(fd, buffer, offset, length, position));
    } catch (error) {
      return Promise.reject(error);
    }
  },
  fdatasync: (fd) => {
    try {
      fs.fdatasyncSync(fd);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  },
  // A leader with a batch has clients to answer during its sync: it pays the thread hop then (64
  // clients: 19.0-20.0k -> 20.8-21.4k SET/s), and blocks when alone (1 client: 0.54 ms either way).
  fdatasyncInBackground: nodeFileOps.fdatasync,
};

/** Loops over short writes; a write that makes no progress is reported as a full disk. */
export async function writeFully(ops: FileOps, fd: number, buffer: Uint8Array, length: number, position: number) {
  let done = 0;
  while (done < length) {
    const written = await ops.write(fd, buffer, done, length - done, position + done);
    if (written <= 0) {
      throw Object.assign(new Error(`write made no progress after ${done} of ${length} bytes`), { code: 'ENOSPC' });
    }
    done += written;
  }
}

/** Makes a folder's entries (a created or renamed file) durable. */
export async function fsyncFolder(ops: FileOps, path: string) {
  const fd = await ops.openReadOnly(path);
  try {
    await ops.fsync(fd);
  } finally {
    await ops.close(fd);
  }
}

export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}
