// The one way the host opens a node's storage: the WAL in `dir`, or its in-memory twin.
import * as path from 'node:path';
import { blockingFileOps } from './file-ops';
import { MemoryStorage, MemoryVolume } from './memory';
import { MemorySnapshotStore } from './snapshot-memory';
import { type SnapshotStorage, SnapshotStore } from './snapshot-store';
import type { RaftStorage } from './types';
import { WalStorage } from './wal';

export { StorageIoError } from './io-error';
export { MemoryDisk, MemoryStorage, MemoryVolume } from './memory';
export { MemorySnapshotStore } from './snapshot-memory';
export { type SnapshotStorage, SnapshotStore, type StoredSnapshot } from './snapshot-store';
export type { LoadedState, RaftStorage, RecoveryReport } from './types';
export { StorageCorruptError } from './types';
export { WalStorage, type WalStorageOptions } from './wal';

export interface OpenStorageOptions {
  /** The node's own folder, e.g. `<data-dir>/127.0.0.1_5001`. With inMemory, only a key. */
  readonly dir: string;
  readonly inMemory: boolean;
  /** WAL segment rotation size; DEFAULT_SEGMENT_MAX_BYTES (4 MiB) by default. */
  readonly segmentMaxBytes?: number;
  /** Where in-memory nodes keep their state across a kill and restart; one per process by default. */
  readonly memoryVolume?: MemoryVolume;
  /**
   * Write and sync on the calling thread (`blockingFileOps`): for a process that hosts one node.
   * Off by default, so that a host of many nodes is never stalled by one node's disk.
   */
  readonly blockingIo?: boolean;
}

const processMemoryVolume = new MemoryVolume();

/**
 * Opens the storage of one node. Throws at once when the folder cannot be created or written. An
 * in-memory node restarted in the same process finds what it saved before, as it would on disk.
 */
export function openStorage(options: OpenStorageOptions): RaftStorage {
  if (options.inMemory) {
    return new MemoryStorage((options.memoryVolume ?? processMemoryVolume).disk(path.resolve(options.dir)));
  }
  return new WalStorage(options.dir, {
    ...(options.segmentMaxBytes === undefined ? {} : { segmentMaxBytes: options.segmentMaxBytes }),
    ...(options.blockingIo ? { fileOps: blockingFileOps } : {}),
  });
}

/**
 * The snapshot store beside a node's storage: `<dir>/snap/` for the WAL, the MemoryDisk for the
 * in-memory twin; null for any other RaftStorage (a test's wrapper), whose node then takes none.
 * Snapshot files are written with the thread-pool calls whatever the WAL uses: a large body must
 * never block the node's loop while it is written.
 */
export function openSnapshotStore(storage: RaftStorage, label: string): SnapshotStorage | null {
  if (storage instanceof WalStorage) return new SnapshotStore(storage.dir);
  if (storage instanceof MemoryStorage) return new MemorySnapshotStore(storage.disk, label);
  return null;
}

/**
 * RAFTLAB_WAL_SEGMENT_BYTES, for tests and benchmarks that need segments to rotate (and so to be
 * compacted) within a few thousand writes; undefined when unset. Not a user option: the default suits.
 */
export function segmentBytesFromEnvironment(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env.RAFTLAB_WAL_SEGMENT_BYTES;
  if (text === undefined || text === '') return undefined;
  const bytes = Number(text);
  if (!Number.isSafeInteger(bytes) || bytes < 1024) {
    throw new Error(`RAFTLAB_WAL_SEGMENT_BYTES must be an integer of at least 1024, got '${text}'`);
  }
  return bytes;
}
