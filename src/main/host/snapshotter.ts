// A node's snapshots as the Ready loop uses them: take one (capture the state machine at the core's
// applied index, write it durably, then delete the WAL segments it covers), install a received one
// (adopt the file, reset the log, restore the state machine), and, at start, load the newest valid
// one and compose the core's initial state from it and the WAL's tail.
//
// Order when taking: the snapshot file is durable BEFORE any segment is deleted, and the core is told
// (core.compact, by the loop) only after both; a crash anywhere leaves a snapshot plus a log that
// still covers every committed entry. Order when installing: the file is adopted (durable) before the
// WAL is reset, and the WAL is reset before the state machine is restored and the Ready's entries
// are saved on top of it.

import type { Entry, HardState, InitialState, NodeId, SnapshotMeta } from '../../shared/raft/types';
import { BOOTSTRAP_MEMBERSHIP } from '../../shared/raft/types';
import type { SnapshotStorage, StoredSnapshot } from '../storage/snapshot-store';
import type { LoadedState, RaftStorage } from '../storage/types';

/** What the snapshotter needs of a state machine (KvStateMachine has it). */
export interface SnapshottableMachine {
  readonly appliedIndex: number;
  readonly snapshotInProgress: boolean;
  beginSnapshot(
    yieldTurn: () => Promise<void>,
    now?: () => number,
  ): { readonly index: number; readonly chunks: AsyncIterable<Uint8Array>; readonly longestPauseMs: number };
  restore(index: number, chunks: AsyncIterable<Uint8Array>): Promise<void>;
}

/** The loop's view of snapshots (the ReadyLoop option `snapshots`). */
export interface LoopSnapshots {
  /** Take one automatically after this many entries were applied since the last. */
  readonly everyEntries: number;
  latest(): StoredSnapshot | null;
  /** Captures `machine` now (synchronously, at meta.index), writes it, compacts the storage. */
  take(machine: SnapshottableMachine, meta: SnapshotMeta): Promise<TakenSnapshot>;
  /** Adopts the received file, resets the storage's log to after meta, restores `machine` from it. */
  install(machine: SnapshottableMachine, meta: SnapshotMeta, receivedPath: string): Promise<StoredSnapshot>;
  incomingPath(from: NodeId, meta: SnapshotMeta): string;
  /** Deletes a received file nobody will install. */
  discard(receivedPath: string): void;
  /** A real file holding `snapshot` for a transfer to read (an in-memory node's is a private copy). */
  forSending(snapshot: StoredSnapshot): Promise<StoredSnapshot>;
}

export interface TakenSnapshot {
  readonly snapshot: StoredSnapshot;
  /** The longest stretch the capture kept the thread (ms): the pause the node's loop saw. */
  readonly longestPauseMs: number;
  /** WAL segments (or in-memory entries) deleted. */
  readonly compacted: number;
}

export interface SnapshotterOptions {
  readonly store: SnapshotStorage;
  readonly storage: RaftStorage;
  readonly everyEntries: number;
  /** How the capture hands the thread back between slices (setImmediate in production). */
  readonly yieldTurn: () => Promise<void>;
  /** Milliseconds, for measuring pauses only. */
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

export const DEFAULT_SNAPSHOT_ENTRIES = 10_000;

export class Snapshotter implements LoopSnapshots {
  readonly everyEntries: number;

  constructor(private readonly options: SnapshotterOptions) {
    if (!Number.isSafeInteger(options.everyEntries) || options.everyEntries < 1) {
      throw new RangeError(`snapshots: every ${options.everyEntries} entries is not a positive integer`);
    }
    this.everyEntries = options.everyEntries;
  }

  latest(): StoredSnapshot | null {
    return this.options.store.latest();
  }

  async take(machine: SnapshottableMachine, meta: SnapshotMeta): Promise<TakenSnapshot> {
    const { store, storage } = this.options;
    if (machine.appliedIndex !== meta.index) {
      throw new Error(`snapshots: the state machine applied ${machine.appliedIndex}, the meta says ${meta.index}`);
    }
    const capture = machine.beginSnapshot(this.options.yieldTurn, this.options.now);
    const snapshot = await store.write(meta, capture.chunks);
    // Only now that the snapshot is durable may the log before it go.
    const compacted = await storage.compact(meta.index);
    await store.prune();
    return { snapshot, longestPauseMs: capture.longestPauseMs, compacted };
  }

  async install(machine: SnapshottableMachine, meta: SnapshotMeta, receivedPath: string): Promise<StoredSnapshot> {
    const { store, storage } = this.options;
    const adopted = await store.adopt(receivedPath);
    if (adopted.meta.index !== meta.index || adopted.meta.term !== meta.term) {
      throw new Error(
        `snapshots: the received file holds index ${adopted.meta.index} term ${adopted.meta.term}, ` +
          `the core installed index ${meta.index} term ${meta.term}`,
      );
    }
    await storage.installSnapshot({ index: meta.index, term: meta.term });
    await machine.restore(meta.index, (await store.open(adopted.path)).chunks());
    await store.prune();
    return adopted;
  }

  incomingPath(from: NodeId, meta: SnapshotMeta): string {
    return this.options.store.incomingPath(from, meta);
  }

  forSending(snapshot: StoredSnapshot): Promise<StoredSnapshot> {
    return this.options.store.forSending(snapshot);
  }

  discard(receivedPath: string): void {
    this.options.store.discard(receivedPath).catch((error: unknown) => {
      this.options.log?.(`snapshots: could not delete ${receivedPath}: ${String(error)}`);
    });
  }
}

/**
 * The core's initial state from the WAL and the newest valid snapshot (already restored into the
 * state machine): the log starts after the snapshot, and the WAL's entries after it are kept only
 * if the WAL agrees with the snapshot at its index (a snapshot installed over a divergent log, with
 * a crash before the WAL was reset, leaves a tail that must not be kept).
 */
export function initialStateOf(loaded: LoadedState, snapshot: SnapshotMeta | null): InitialState {
  if (snapshot === null || snapshot.index === 0) {
    return {
      hardState: loaded.hardState,
      snapshot: { index: loaded.snapshot.index, term: loaded.snapshot.term, membership: BOOTSTRAP_MEMBERSHIP },
      entries: loaded.entries,
      applied: 0,
    };
  }
  const start = loaded.snapshot.index;
  if (start > snapshot.index) {
    // SnapshotStore.load refuses this; a second check costs nothing.
    throw new Error(`snapshots: the log starts after ${start}, beyond the snapshot at ${snapshot.index}`);
  }
  let entries: readonly Entry[] = loaded.entries.slice(snapshot.index - start);
  const atSnapshot = snapshot.index > start ? loaded.entries[snapshot.index - start - 1] : undefined;
  if (atSnapshot !== undefined && atSnapshot.term !== snapshot.term) entries = [];
  const hardState: HardState = { ...loaded.hardState, commit: Math.max(loaded.hardState.commit, snapshot.index) };
  return { hardState, snapshot, entries, applied: snapshot.index };
}
