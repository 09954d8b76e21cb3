// The leader's end of InstallSnapshot: the core says `Snap` to a follower, the host sends that
// follower the newest durable snapshot file in chunks, at most `window` unacknowledged, and tells
// the core how it ended (reportSnapshot). One transfer per follower at a time; a second Snap for a
// follower whose transfer is running is ignored (the core resends after a report), unless it comes
// from a newer term, which replaces it.
//
// Every way it can end is a report, never an exception: the follower's SnapAbort, a frame the link
// dropped, no ack for stallTimeoutMs (a dead link), this node no longer leading the transfer's
// term, a file that cannot be read. The file is read one chunk at a time into a fresh frame, so
// what it holds is bounded by window x chunk, whatever the snapshot's size.
import { type FileHandle, open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import type { InstallSnapshot, NodeId, SnapshotMeta } from '../../shared/raft/types';
import type { SnapshotSource } from '../host/snapshot-ports';
import { encodeStreamFrame, type SenderBound, type StreamFrame } from './snapshot-codec';
import {
  DEFAULT_SNAPSHOT_STREAM_LIMITS,
  type SnapshotStreamEvent,
  type SnapshotStreamFailure,
  type SnapshotStreamLimits,
  type StreamPort,
} from './snapshot-stream';
import type { HostClock, TimerHandle } from './types';

export interface SnapshotSenderOptions {
  readonly self: NodeId;
  readonly source: SnapshotSource;
  readonly port: StreamPort;
  readonly clock: HostClock;
  /** True while this node still leads `term`; a transfer of an older term is abandoned. */
  readonly leads: (term: number) => boolean;
  /** The transfer to `to` ended (the core's reportSnapshot). */
  readonly report: (to: NodeId, ok: boolean) => void;
  /** The first frame left: the Snap message, the file's meta and the frame id (a view pairs it with the delivery). */
  readonly onStart?: (message: InstallSnapshot, id: number, bytes: number) => void;
  readonly onSent?: (event: SnapshotStreamEvent) => void;
  readonly onFailure?: (failure: SnapshotStreamFailure) => void;
  readonly limits?: Partial<SnapshotStreamLimits>;
}

interface Transfer {
  readonly to: NodeId;
  readonly term: number;
  readonly number: number;
  meta: SnapshotMeta | null;
  file: FileHandle | null;
  bytes: number;
  /** Bytes read from the file and handed to the link. */
  sent: number;
  /** Bytes the follower says it has written. */
  acked: number;
  crc: number;
  reading: boolean;
  endSent: boolean;
  stall: TimerHandle | null;
  over: boolean;
}

export class SnapshotSender {
  private readonly transfers = new Map<NodeId, Transfer>();
  private readonly limits: SnapshotStreamLimits;
  private nextNumber = 1;
  private closed = false;

  constructor(private readonly options: SnapshotSenderOptions) {
    this.limits = { ...DEFAULT_SNAPSHOT_STREAM_LIMITS, ...options.limits };
  }

  /** Transfers under way (for tests and the view). */
  get active(): number {
    return this.transfers.size;
  }

  /** The core asked to send a snapshot. Never throws. */
  send(message: InstallSnapshot): void {
    if (this.closed) return;
    const running = this.transfers.get(message.to);
    if (running !== undefined) {
      if (running.term >= message.term) return;
      this.cancel(running, 'a newer term started another transfer');
    }
    const transfer: Transfer = {
      to: message.to,
      term: message.term,
      number: this.nextNumber++,
      meta: null,
      file: null,
      bytes: 0,
      sent: 0,
      acked: 0,
      crc: 0,
      reading: false,
      endSent: false,
      stall: null,
      over: false,
    };
    this.transfers.set(message.to, transfer);
    this.armStall(transfer);
    this.begin(transfer, message).catch((error: unknown) =>
      this.cancel(transfer, `cannot read the snapshot: ${text(error)}`),
    );
  }

  /** An answer from a follower (SnapAck, SnapAbort). Never throws. */
  receive(frame: SenderBound): void {
    const transfer = this.transfers.get(frame.from);
    if (transfer === undefined || transfer.number !== frame.transfer || transfer.term !== frame.term) return;
    if (frame.type === 'SnapAbort') {
      this.end(transfer, false, `the follower gave up: ${frame.reason}`);
      return;
    }
    if (
      frame.offset > transfer.sent ||
      frame.offset < transfer.acked ||
      (frame.done && frame.offset !== transfer.bytes)
    ) {
      this.cancel(transfer, `an ack for offset ${frame.offset} with ${transfer.sent} sent`);
      return;
    }
    if (!this.options.leads(transfer.term)) {
      this.cancel(transfer, `no longer the leader of term ${transfer.term}`);
      return;
    }
    transfer.acked = frame.offset;
    this.armStall(transfer);
    if (frame.done) {
      if (!transfer.endSent) {
        this.cancel(transfer, 'done before the end was sent');
        return;
      }
      this.options.onSent?.({
        phase: 'sent',
        node: this.options.self,
        peer: transfer.to,
        index: transfer.meta!.index,
        bytes: transfer.bytes,
      });
      this.end(transfer, true, '');
      return;
    }
    this.pump(transfer);
  }

  /** The node stops: every transfer ends, unreported (the core goes with it). */
  close(): void {
    this.closed = true;
    for (const transfer of [...this.transfers.values()]) this.finish(transfer);
  }

  private async begin(transfer: Transfer, message: InstallSnapshot): Promise<void> {
    const info = await this.options.source.snapshotFor(message.snapshot.index);
    if (transfer.over) return;
    if (info.meta.index < message.snapshot.index) {
      throw new Error(`the source gave snapshot ${info.meta.index}, below the ${message.snapshot.index} asked for`);
    }
    const file = await open(info.path, 'r');
    if (transfer.over) {
      await file.close();
      return;
    }
    transfer.file = file;
    // The file's own size, not what we were told: the stream and its CRC are over what is read.
    const { size } = await file.stat();
    if (transfer.over) return;
    if (size !== info.bytes) throw new Error(`${info.path} has ${size} bytes, its store says ${info.bytes}`);
    transfer.meta = info.meta;
    transfer.bytes = size;
    const begin: StreamFrame = {
      type: 'SnapBegin',
      ...this.base(transfer),
      meta: info.meta,
      bytes: size,
    };
    const id = this.emit(transfer, begin);
    if (id === null) return;
    this.options.onStart?.({ ...message, snapshot: info.meta }, id, size);
    this.pump(transfer);
  }

  /** Reads and sends chunks while the window has room, then the end. One read at a time. */
  private pump(transfer: Transfer): void {
    if (transfer.over || transfer.reading || transfer.meta === null) return;
    const { chunkBytes, window } = this.limits;
    if (transfer.sent < transfer.bytes) {
      if (transfer.sent - transfer.acked >= window * chunkBytes) return;
      transfer.reading = true;
      this.readChunk(transfer).then(
        () => {
          transfer.reading = false;
          this.pump(transfer);
        },
        (error: unknown) => {
          transfer.reading = false;
          this.cancel(transfer, `reading the snapshot failed: ${text(error)}`);
        },
      );
      return;
    }
    if (!transfer.endSent) {
      transfer.endSent = true;
      this.emit(transfer, { type: 'SnapEnd', ...this.base(transfer), bytes: transfer.bytes, crc: transfer.crc });
    }
  }

  private async readChunk(transfer: Transfer): Promise<void> {
    const length = Math.min(this.limits.chunkBytes, transfer.bytes - transfer.sent);
    const data = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await transfer.file!.read(data, filled, length - filled, transfer.sent + filled);
      if (transfer.over) return;
      if (bytesRead === 0) throw new Error(`the file ended at ${transfer.sent + filled} of ${transfer.bytes} bytes`);
      filled += bytesRead;
    }
    const offset = transfer.sent;
    transfer.crc = crc32(data, transfer.crc);
    transfer.sent += length;
    this.emit(transfer, { type: 'SnapChunk', ...this.base(transfer), offset, data });
  }

  /** Hands a frame to the link; a drop (now or later) cancels the transfer. */
  private emit(transfer: Transfer, frame: StreamFrame): number | null {
    const id = this.options.port.sendFrame(transfer.to, encodeStreamFrame(frame), (reason) =>
      this.cancel(transfer, `the link dropped a frame (${reason})`),
    );
    if (id === null) this.cancel(transfer, 'the link to the follower has no room');
    return id;
  }

  private base(transfer: Transfer): { from: NodeId; to: NodeId; term: number; transfer: number } {
    return { from: this.options.self, to: transfer.to, term: transfer.term, transfer: transfer.number };
  }

  private armStall(transfer: Transfer): void {
    const clock = this.options.clock;
    if (transfer.stall !== null) clock.clearTimeout(transfer.stall);
    transfer.stall = clock.setTimeout(() => {
      transfer.stall = null;
      this.cancel(transfer, `no progress for ${this.limits.stallTimeoutMs} ms`);
    }, this.limits.stallTimeoutMs);
  }

  /** This side gives up: tell the follower (best effort) so it frees its temp file, then report. */
  private cancel(transfer: Transfer, reason: string): void {
    if (transfer.over) return;
    if (!this.closed) {
      const frame = encodeStreamFrame({ type: 'SnapCancel', ...this.base(transfer), reason });
      this.options.port.sendFrame(transfer.to, frame, () => {});
    }
    this.end(transfer, false, reason);
  }

  private end(transfer: Transfer, ok: boolean, reason: string): void {
    if (transfer.over) return;
    this.finish(transfer);
    if (!ok) {
      this.options.onFailure?.({
        direction: 'send',
        peer: transfer.to,
        index: transfer.meta?.index ?? 0,
        reason,
      });
    }
    if (!this.closed) this.options.report(transfer.to, ok);
  }

  private finish(transfer: Transfer): void {
    transfer.over = true;
    if (transfer.stall !== null) this.options.clock.clearTimeout(transfer.stall);
    transfer.stall = null;
    if (this.transfers.get(transfer.to) === transfer) this.transfers.delete(transfer.to);
    const file = transfer.file;
    transfer.file = null;
    // A read in flight finishes on the closed handle with an error that the transfer, now over, ignores.
    file?.close().catch(() => {});
  }
}

function text(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
