// The follower's end of InstallSnapshot: takes a leader's SnapBegin/SnapChunk/SnapEnd, writes the
// bytes to SnapshotSink.incomingPath in order, acknowledges each chunk once written, and when the
// length and CRC match, fsyncs the file and offers it (the Ready loop steps Snap into the core and
// installs it, or deletes it if the core declines).
//
// It holds one transfer at a time (a follower has one leader): a Begin of a newer term replaces the
// one in progress, a Begin of an older term than this node's is refused. Anything that does not fit
// the transfer (a chunk out of order, beyond the announced length, past the window, for another
// transfer, a wrong CRC or length at the end, a disk error, silence for stallTimeoutMs) aborts it:
// the temp file is deleted, the sender is told (SnapAbort), and nothing reaches the core. Frames
// only get here after the link's MAC and sender checks (peer-inbound.ts), so a stranger's bytes
// never touch the disk.
import { type FileHandle, open, unlink } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import type { NodeId, SnapshotMeta } from '../../shared/raft/types';
import type { SnapshotSink } from '../host/snapshot-ports';
import { encodeStreamFrame, type ReceiverBound, type SnapBegin } from './snapshot-codec';
import {
  DEFAULT_SNAPSHOT_STREAM_LIMITS,
  type SnapshotStreamEvent,
  type SnapshotStreamFailure,
  type SnapshotStreamLimits,
  type StreamPort,
} from './snapshot-stream';
import type { HostClock, TimerHandle } from './types';

export interface SnapshotReceiverOptions {
  readonly self: NodeId;
  readonly sink: SnapshotSink;
  readonly port: StreamPort;
  readonly clock: HostClock;
  /** This node's current term: a transfer of an older one is refused or abandoned. */
  readonly currentTerm: () => number;
  /** The file was offered to the core; `id` is the SnapBegin's frame id (a view pairs it with the send). */
  readonly onOffered?: (event: SnapshotStreamEvent, meta: SnapshotMeta, term: number, id: number) => void;
  readonly onFailure?: (failure: SnapshotStreamFailure) => void;
  readonly limits?: Partial<SnapshotStreamLimits>;
}

interface Incoming {
  readonly from: NodeId;
  readonly term: number;
  readonly number: number;
  readonly meta: SnapshotMeta;
  readonly bytes: number;
  readonly path: string;
  readonly beginId: number;
  /** Opened at Begin; every write and the final sync chain on it, in order. */
  readonly file: Promise<FileHandle>;
  chain: Promise<void>;
  /** Bytes received (the next chunk's offset), and bytes on disk. */
  received: number;
  written: number;
  crc: number;
  /** Chunks received and not yet written. */
  pending: number;
  stall: TimerHandle | null;
  over: boolean;
}

export class SnapshotReceiver {
  private current: Incoming | null = null;
  private readonly limits: SnapshotStreamLimits;
  private closed = false;

  constructor(private readonly options: SnapshotReceiverOptions) {
    this.limits = { ...DEFAULT_SNAPSHOT_STREAM_LIMITS, ...options.limits };
  }

  /** The transfer in progress, if any (for tests and the view). */
  get receiving(): { readonly from: NodeId; readonly index: number; readonly received: number } | null {
    const current = this.current;
    return current === null ? null : { from: current.from, index: current.meta.index, received: current.received };
  }

  /** A frame from a leader (SnapBegin, SnapChunk, SnapEnd, SnapCancel). Never throws. */
  receive(frame: ReceiverBound, id: number): void {
    if (this.closed) return;
    if (frame.type === 'SnapBegin') {
      this.begin(frame, id);
      return;
    }
    const current = this.current;
    if (
      current === null ||
      current.from !== frame.from ||
      current.number !== frame.transfer ||
      current.term !== frame.term
    ) {
      // A late frame of a transfer already over; tell a sender that still waits for us, once per chunk.
      if (frame.type !== 'SnapCancel') this.refuse(frame, 'no such transfer');
      return;
    }
    if (frame.type === 'SnapCancel') {
      this.abandon(current, `the leader gave up: ${frame.reason}`, false);
      return;
    }
    if (this.options.currentTerm() > current.term) {
      this.abandon(current, `this node is in a newer term than ${current.term}`, true);
      return;
    }
    this.armStall(current);
    if (frame.type === 'SnapChunk') {
      if (frame.offset !== current.received) {
        this.abandon(current, `a chunk at offset ${frame.offset}, expected ${current.received}`, true);
      } else if (frame.offset + frame.data.length > current.bytes) {
        this.abandon(current, `a chunk past the announced ${current.bytes} bytes`, true);
      } else if (current.pending >= this.limits.window) {
        this.abandon(current, `more than ${this.limits.window} chunks unacknowledged`, true);
      } else {
        this.write(current, frame.offset, frame.data);
      }
      return;
    }
    if (frame.bytes !== current.bytes || current.received !== current.bytes) {
      this.abandon(current, `the end says ${frame.bytes} bytes, ${current.received} of ${current.bytes} came`, true);
    } else if (frame.crc !== current.crc) {
      this.abandon(current, `CRC mismatch: the end says ${frame.crc}, the bytes give ${current.crc}`, true);
    } else {
      this.complete(current);
    }
  }

  /** The node stops: the transfer in progress is abandoned and its file deleted. */
  close(): void {
    this.closed = true;
    if (this.current !== null) this.abandon(this.current, 'the node stopped', false);
  }

  private begin(frame: SnapBegin, id: number): void {
    const current = this.current;
    if (current !== null) {
      if (current.from === frame.from && current.term === frame.term && current.number === frame.transfer) return;
      if (current.term > frame.term) {
        this.refuse(frame, `a transfer of term ${current.term} is in progress`);
        return;
      }
      this.abandon(current, 'a newer transfer replaced it', true);
    }
    const problem = this.beginProblem(frame);
    if (problem !== null) {
      this.refuse(frame, problem);
      return;
    }
    let path: string;
    try {
      path = this.options.sink.incomingPath(frame.from, frame.meta);
    } catch (error) {
      this.refuse(frame, `no place for it: ${text(error)}`);
      return;
    }
    const incoming: Incoming = {
      from: frame.from,
      term: frame.term,
      number: frame.transfer,
      meta: frame.meta,
      bytes: frame.bytes,
      path,
      beginId: id,
      file: open(path, 'w', 0o600),
      chain: Promise.resolve(),
      received: 0,
      written: 0,
      crc: 0,
      pending: 0,
      stall: null,
      over: false,
    };
    // A failed open surfaces in the first write's chain; this keeps it from being unhandled meanwhile.
    incoming.file.catch(() => {});
    this.current = incoming;
    this.armStall(incoming);
  }

  /** What is wrong with a Begin on its face, before any file is made. */
  private beginProblem(frame: SnapBegin): string | null {
    if (frame.term < this.options.currentTerm()) return `term ${frame.term} is older than ours`;
    if (frame.meta.index < 1 || frame.meta.term < 1) return `a snapshot at ${frame.meta.index}/${frame.meta.term}`;
    if (frame.bytes < 1 || frame.bytes > this.limits.maxSnapshotBytes) {
      return `${frame.bytes} bytes is outside 1..${this.limits.maxSnapshotBytes}`;
    }
    return null;
  }

  private write(incoming: Incoming, offset: number, data: Uint8Array): void {
    incoming.received += data.length;
    incoming.crc = crc32(data, incoming.crc);
    incoming.pending++;
    this.afterQueued(incoming, async (file) => {
      let done = 0;
      while (done < data.length) {
        const { bytesWritten } = await file.write(data, done, data.length - done, offset + done);
        done += bytesWritten;
      }
      incoming.pending--;
      incoming.written = offset + data.length;
      this.answer(incoming, { type: 'SnapAck', offset: incoming.written, done: false });
    });
  }

  private complete(incoming: Incoming): void {
    this.afterQueued(incoming, async (file) => {
      await file.sync();
      await file.close();
      if (this.options.currentTerm() > incoming.term) {
        throw new Error(`this node moved past term ${incoming.term} while the file was synced`);
      }
      // Once offered the file is the loop's: it installs it or deletes it. (If offer throws, it is
      // still ours, and the catch below deletes it.)
      this.options.sink.offer(incoming.from, incoming.term, incoming.meta, incoming.path);
      incoming.over = true;
      this.clearStall(incoming);
      if (this.current === incoming) this.current = null;
      const event: SnapshotStreamEvent = {
        phase: 'installed',
        node: this.options.self,
        peer: incoming.from,
        index: incoming.meta.index,
        bytes: incoming.bytes,
      };
      this.options.onOffered?.(event, incoming.meta, incoming.term, incoming.beginId);
      this.answer(incoming, { type: 'SnapAck', offset: incoming.bytes, done: true });
    });
  }

  /** Runs `step` after everything queued on the file; a failure (disk full, EIO) abandons the transfer. */
  private afterQueued(incoming: Incoming, step: (file: FileHandle) => Promise<void>): void {
    incoming.chain = incoming.chain
      .then(async () => {
        if (incoming.over) return;
        const file = await incoming.file;
        if (incoming.over) return;
        await step(file);
      })
      .catch((error: unknown) => this.abandon(incoming, `writing ${incoming.path} failed: ${text(error)}`, true));
  }

  private abandon(incoming: Incoming, reason: string, tellSender: boolean): void {
    if (incoming.over) return;
    incoming.over = true;
    this.clearStall(incoming);
    if (this.current === incoming) this.current = null;
    if (tellSender) this.answer(incoming, { type: 'SnapAbort', reason });
    this.options.onFailure?.({ direction: 'receive', peer: incoming.from, index: incoming.meta.index, reason });
    // After the writes in flight: close, then delete what was written.
    incoming.chain = incoming.chain
      .then(() => incoming.file)
      .then((file) => file.close())
      .catch(() => {})
      .then(() => unlink(incoming.path))
      .catch(() => {});
  }

  private answer(
    incoming: Incoming,
    body: { type: 'SnapAck'; offset: number; done: boolean } | { type: 'SnapAbort'; reason: string },
  ): void {
    if (this.closed) return;
    const frame = encodeStreamFrame({
      ...body,
      from: this.options.self,
      to: incoming.from,
      term: incoming.term,
      transfer: incoming.number,
    });
    // A lost answer stalls the sender, which gives up on its own timer.
    this.options.port.sendFrame(incoming.from, frame, () => {});
  }

  private refuse(frame: { from: NodeId; term: number; transfer: number }, reason: string): void {
    if (this.closed) return;
    const abort = encodeStreamFrame({
      type: 'SnapAbort',
      from: this.options.self,
      to: frame.from,
      term: frame.term,
      transfer: frame.transfer,
      reason,
    });
    this.options.port.sendFrame(frame.from, abort, () => {});
  }

  private armStall(incoming: Incoming): void {
    this.clearStall(incoming);
    incoming.stall = this.options.clock.setTimeout(() => {
      incoming.stall = null;
      this.abandon(incoming, `nothing for ${this.limits.stallTimeoutMs} ms`, true);
    }, this.limits.stallTimeoutMs);
  }

  private clearStall(incoming: Incoming): void {
    if (incoming.stall !== null) this.options.clock.clearTimeout(incoming.stall);
    incoming.stall = null;
  }
}

function text(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
