// What the two ends of a snapshot transfer share: the port frames leave by, the limits that keep
// memory bounded at both ends, and the events they report. The protocol (snapshot-codec.ts):
//
//   leader's host (SnapshotSender)                  follower's host (SnapshotReceiver)
//   SnapBegin{meta, bytes}           ------------>  opens SnapshotSink.incomingPath
//   SnapChunk{offset, data} x <= window ---------->  writes at offset, then
//                                    <------------  SnapAck{offset = bytes written}
//   ... (a new chunk for each acknowledged one)
//   SnapEnd{bytes, crc}              ------------>  checks length and CRC, fsyncs, offers to the core
//                                    <------------  SnapAck{offset = bytes, done}
//   either side gives up: SnapCancel (sender) / SnapAbort (receiver), and deletes what it holds.
//
// At most `window` chunks are unacknowledged, so the sender holds at most window x chunk bytes in
// the peer link's queue and socket, and the receiver at most that many waiting for its disk.
import type { NodeId, SnapshotMeta } from '../../shared/raft/types';
import { MAX_CHUNK_BYTES } from './snapshot-codec';

/** How stream frames leave: PeerTransport.sendFrame (same link, FIFO, faults and MACs as messages). */
export interface StreamPort {
  sendFrame(to: NodeId, frame: Uint8Array, onDropped: (reason: string) => void): number | null;
}

export interface SnapshotStreamLimits {
  /** Bytes of file per SnapChunk (at most MAX_CHUNK_BYTES). */
  readonly chunkBytes: number;
  /** Chunks sent and not yet acknowledged, at most. */
  readonly window: number;
  /** Host ms without progress (an ack at the sender, a frame at the receiver) before giving up. */
  readonly stallTimeoutMs: number;
  /** The largest snapshot a receiver accepts. */
  readonly maxSnapshotBytes: number;
}

export const DEFAULT_SNAPSHOT_STREAM_LIMITS: SnapshotStreamLimits = {
  chunkBytes: MAX_CHUNK_BYTES,
  window: 4,
  stallTimeoutMs: 10_000,
  maxSnapshotBytes: 4 * 1024 * 1024 * 1024,
};

/** 'sent': the follower has the whole file fsynced and offered; 'installed': this node offered one it received. */
export interface SnapshotStreamEvent {
  readonly phase: 'sent' | 'installed';
  /** The node that reports it. */
  readonly node: NodeId;
  /** The other end. */
  readonly peer: NodeId;
  readonly index: number;
  readonly bytes: number;
}

/** A transfer that ended without success, for the log. */
export interface SnapshotStreamFailure {
  readonly direction: 'send' | 'receive';
  readonly peer: NodeId;
  readonly index: number;
  readonly reason: string;
}

export function describeMeta(meta: SnapshotMeta): string {
  return `snapshot ${meta.index}/${meta.term}`;
}
