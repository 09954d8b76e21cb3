// The durable state of one Raft node: its log and its hard state. Two implementations share this
// interface: the write-ahead log on disk (wal.ts) and the in-memory twin (memory.ts) used by tests
// and `--in-memory`.
import type { Entry, HardState } from '../../shared/raft/types';
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

/** A log position: the index and term of one entry; (0, 0) is before the first. */
export interface LogPosition {
  readonly index: number;
  readonly term: number;
}

export interface LoadedState {
  readonly hardState: HardState;
  /**
   * Where the stored log starts: the entries at or before it were compacted into a snapshot
   * (snapshot-store.ts holds it, with the membership). (0, 0) when the log starts at 1. Its term is
   * 0 when the WAL no longer knows it; the snapshot's meta is authoritative.
   */
  readonly snapshot: LogPosition;
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
  /**
   * Deletes what is stored at or before `throughIndex`, which a durable snapshot holds, as far as
   * the storage's units allow (the WAL deletes whole segments, never the open one). Resolves with
   * the number of units deleted. Entries after it stay; a later load may still return some before it.
   */
  compact(throughIndex: number): Promise<number>;
  /**
   * The log now starts after `snapshot` (a follower installed a snapshot): every stored entry is
   * dropped. Durable before it resolves; later saves continue from snapshot.index + 1.
   */
  installSnapshot(snapshot: LogPosition): Promise<void>;
  close(): Promise<void>;
}

export class StorageCorruptError extends Error {
  override readonly name = 'StorageCorruptError';
}
