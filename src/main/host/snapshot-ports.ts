// The two ports through which snapshot files travel between nodes (issue 12, InstallSnapshot §7).
// The Ready loop implements both: the sending side hands out its newest durable snapshot file, the
// receiving side says where an incoming one is written and takes it once it is whole. The code that
// moves the bytes over the peer link (src/main/net/snapshot-*.ts) knows only these two interfaces,
// so it never reaches into storage or the core.

import type { NodeId, SnapshotMeta } from '../../shared/raft/types';

/** A snapshot file on disk, complete, checksummed and fsynced. */
export interface SnapshotFileInfo {
  readonly meta: SnapshotMeta;
  /** Absolute path of the file. */
  readonly path: string;
  /** The file's whole size in bytes (header and body), what a transfer sends. */
  readonly bytes: number;
}

/** The sending side (the leader's host). */
export interface SnapshotSource {
  /** The newest durable snapshot, taking one first if none covers `atLeastIndex`. */
  snapshotFor(atLeastIndex: number): Promise<SnapshotFileInfo>;
}

/** The receiving side (a follower's host). */
export interface SnapshotSink {
  /** Where to write an incoming snapshot (a temp path inside the node's folder). */
  incomingPath(from: NodeId, meta: SnapshotMeta): string;
  /**
   * The file at `path` is complete and fsynced: step Snap{from, term, meta} into the core. The loop
   * installs it on Ready.snapshot, or deletes it if the core declined.
   */
  offer(from: NodeId, term: number, meta: SnapshotMeta, path: string): void;
}
