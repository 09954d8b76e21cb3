// The durable state of one Raft node: its log and its hard state. Two implementations share this
// interface: the write-ahead log on disk (wal.ts) and the in-memory twin (memory.ts) used by tests
// and `--in-memory`.
import type { Entry, HardState, SnapshotMeta } from '../../shared/raft/types';
import type { SaveOptions } from './save-plan';

export type { SaveOptions } from './save-plan';

export interface RecoveryReport {
  /** Bytes cut from a torn or corrupt tail of the last segment; 0 when the log was clean. */
  readonly truncatedBytes: number;
  /** Records dropped with that tail. */
  readonly truncatedRecords: number;
  /** One readable line for the node's log, e.g. "wal: cut 37 bytes (1 torn record) from 00000001.wal". */
  readonly message: string | null;
}

export interface LoadedState {
  readonly hardState: HardState;
  readonly snapshot: SnapshotMeta;
  /** Every entry after snapshot.index, consecutive. */
  readonly entries: Entry[];
  readonly recovery: RecoveryReport;
}

export interface RaftStorage {
  /** Reads everything back. Refuses (throws StorageCorruptError) on corruption before the tail. */
  load(): Promise<LoadedState>;
  /**
   * Appends `entries` (first truncating any stored entries at or after entries[0].index) and
   * replaces the hard state, then makes both durable with one fsync. Resolves only when durable.
   * Calls must not overlap: the host awaits each before the next.
   */
  save(
    update: { readonly hardState: HardState | null; readonly entries: readonly Entry[] },
    options?: SaveOptions,
  ): Promise<void>;
  close(): Promise<void>;
}

export class StorageCorruptError extends Error {
  override readonly name = 'StorageCorruptError';
}
