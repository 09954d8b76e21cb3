// The snapshot stream's two ends against each other, over an in-memory wire the test controls
// (delay, reorder, tamper, drop), with real files in a temp folder and a manual clock.
// The same ends over real TCP and the authenticated peer link: snapshot-transport.test.ts.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { InstallSnapshot, NodeId, SnapshotMeta } from '../../shared/raft/types';
import type { SnapshotSink, SnapshotSource } from '../host/snapshot-ports';
import { PeerCodecError } from './binary-io';
import { encodeFrame } from './peer-codec';
import {
  decodeStreamFrame,
  encodeStreamFrame,
  isStreamFrame,
  MAX_CHUNK_BYTES,
  type ReceiverBound,
  type StreamFrame,
} from './snapshot-codec';
import { SnapshotReceiver } from './snapshot-receiver';
import { routeStreamFrame } from './snapshot-routing';
import { SnapshotSender } from './snapshot-sender';
import type { SnapshotStreamEvent, SnapshotStreamFailure, SnapshotStreamLimits, StreamPort } from './snapshot-stream';
import { ManualClock } from './testing/clocks';

const LEADER = '127.0.0.1:7001';
const FOLLOWER = '127.0.0.1:7002';
const META: SnapshotMeta = { index: 120, term: 3, membership: { voters: [LEADER, FOLLOWER], learners: [] } };
const SMALL: Partial<SnapshotStreamLimits> = { chunkBytes: 64 * 1024, window: 4, stallTimeoutMs: 1000 };

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'snapship-'));
  folders.push(folder);
  return folder;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Waits (in event-loop turns, at most ~5 s) for `condition`; file I/O makes the ends asynchronous. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 5000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface InFlight {
  readonly to: NodeId;
  frame: StreamFrame;
  readonly id: number;
  readonly onDropped: (reason: string) => void;
}

/** Both directions of a link, delivering each frame one turn later unless held; everything recorded. */
class Wire {
  readonly log: StreamFrame[] = [];
  private readonly inFlight: InFlight[] = [];
  private nextId = 1;
  /** Return null to lose a frame in transit, or another frame to deliver instead. */
  tamper: (frame: StreamFrame) => StreamFrame | null = (frame) => frame;
  /** While true, frames to this node wait in `held`. */
  readonly holding = new Set<NodeId>();
  readonly held: InFlight[] = [];
  /** Checked at every send: throws out of the test if an invariant breaks. */
  onSend: (frame: StreamFrame) => void = () => {};
  /** Called for each frame as it arrives at its node. */
  onDeliver: (frame: StreamFrame) => void = () => {};
  private readonly routes = new Map<NodeId, (frame: StreamFrame, id: number) => void>();

  route(node: NodeId, deliver: (frame: StreamFrame, id: number) => void): void {
    this.routes.set(node, deliver);
  }

  port(): StreamPort {
    return {
      sendFrame: (to, bytes, onDropped) => {
        const id = this.nextId++;
        const frame = decodeStreamFrame(bytes);
        this.log.push(frame);
        this.onSend(frame);
        this.inFlight.push({ to, frame, id, onDropped });
        setImmediate(() => this.pump());
        return id;
      },
    };
  }

  release(to: NodeId): void {
    this.holding.delete(to);
    const released = this.held.splice(0);
    for (const item of released) this.deliver(item);
  }

  /** Lets the oldest held frame go. */
  releaseOne(): void {
    const item = this.held.shift();
    if (item !== undefined) this.deliver(item);
  }

  private pump(): void {
    for (const item of this.inFlight.splice(0)) {
      if (this.holding.has(item.to)) this.held.push(item);
      else this.deliver(item);
    }
  }

  private deliver(item: InFlight): void {
    const frame = this.tamper(item.frame);
    if (frame === null) return;
    this.onDeliver(frame);
    // Through the codec again, as the real link does: what arrives is what the bytes say.
    this.routes.get(item.to)?.(decodeStreamFrame(encodeStreamFrame(frame)), item.id);
  }

  count(type: StreamFrame['type']): number {
    return this.log.filter((frame) => frame.type === type).length;
  }
}

interface Ends {
  readonly wire: Wire;
  readonly clock: ManualClock;
  readonly sender: SnapshotSender;
  readonly receiver: SnapshotReceiver;
  readonly reports: { to: NodeId; ok: boolean }[];
  readonly offers: { from: NodeId; term: number; meta: SnapshotMeta; path: string }[];
  readonly events: SnapshotStreamEvent[];
  readonly failures: SnapshotStreamFailure[];
  readonly incoming: string;
  readonly source: { path: string; bytes: Buffer };
  leaderTerm: number;
  followerTerm: number;
}

function makeEnds(size: number, limits: Partial<SnapshotStreamLimits> = SMALL): Ends {
  const folder = tempFolder();
  const sourcePath = join(folder, 'snap-source.snap');
  const bytes = randomBytes(size);
  writeFileSync(sourcePath, bytes);
  const incoming = join(folder, 'incoming');
  const wire = new Wire();
  const clock = new ManualClock();
  const source: SnapshotSource = { snapshotFor: async () => ({ meta: META, path: sourcePath, bytes: size }) };
  const offers: Ends['offers'] = [];
  const sink: SnapshotSink = {
    incomingPath: (from, meta) => `${incoming}-${meta.index}-${from.replace(/[^0-9]/g, '')}.part`,
    offer: (from, term, meta, path) => offers.push({ from, term, meta, path }),
  };
  const ends = {
    wire,
    clock,
    reports: [],
    offers,
    events: [],
    failures: [],
    incoming: folder,
    source: { path: sourcePath, bytes },
    leaderTerm: 3,
    followerTerm: 3,
  } as unknown as Ends;
  const sender = new SnapshotSender({
    self: LEADER,
    source,
    port: wire.port(),
    clock,
    leads: (term) => term === ends.leaderTerm,
    report: (to, ok) => ends.reports.push({ to, ok }),
    onSent: (event) => ends.events.push(event),
    onFailure: (failure) => ends.failures.push(failure),
    limits,
  });
  const receiver = new SnapshotReceiver({
    self: FOLLOWER,
    sink,
    port: wire.port(),
    clock,
    currentTerm: () => ends.followerTerm,
    onOffered: (event) => ends.events.push(event),
    onFailure: (failure) => ends.failures.push(failure),
    limits,
  });
  wire.route(LEADER, (frame, id) => routeStreamFrame(frame, id, sender, receiver));
  wire.route(FOLLOWER, (frame, id) => routeStreamFrame(frame, id, sender, receiver));
  Object.assign(ends, { sender, receiver });
  return ends;
}

const snap = (term = 3, index = META.index): InstallSnapshot => ({
  type: 'Snap',
  from: LEADER,
  to: FOLLOWER,
  term,
  snapshot: { ...META, index },
});

/** Files the receiver left in the folder besides the source. */
const leftovers = (ends: Ends): string[] => readdirSync(ends.incoming).filter((name) => name.endsWith('.part'));

describe('snapshot codec', () => {
  const base = { from: LEADER, to: FOLLOWER, term: 7, transfer: 2 };
  const frames: StreamFrame[] = [
    {
      type: 'SnapBegin',
      ...base,
      meta: { index: 9, term: 4, membership: { voters: ['a:1', 'b:2'], learners: ['c:3'] } },
      bytes: 1234,
    },
    { type: 'SnapChunk', ...base, offset: 262144, data: new Uint8Array([1, 2, 3, 250]) },
    { type: 'SnapEnd', ...base, bytes: 1234, crc: 0xdeadbeef },
    { type: 'SnapAck', ...base, offset: 99, done: true },
    { type: 'SnapAbort', ...base, reason: 'CRC mismatch ✓' },
    { type: 'SnapCancel', ...base, reason: '' },
  ];

  it('round-trips every stream frame type and marks them apart from Raft frames', () => {
    for (const frame of frames) {
      const bytes = encodeStreamFrame(frame);
      expect(isStreamFrame(bytes)).toBe(true);
      expect(decodeStreamFrame(bytes)).toEqual(frame);
    }
    const heartbeat = encodeFrame({ type: 'Heartbeat', from: LEADER, to: FOLLOWER, term: 1, commit: 0, context: 0 }, 1);
    expect(isStreamFrame(heartbeat)).toBe(false);
  });

  it('refuses garbage with a PeerCodecError: truncated, trailing bytes, an oversized chunk, bad UTF-8, a bad length', () => {
    const begin = Buffer.from(encodeStreamFrame(frames[0]!));
    const garbage: Uint8Array[] = [];
    // Truncated (length field fixed up so only the payload is short).
    const truncated = Buffer.from(begin.subarray(0, begin.length - 2));
    truncated.writeUInt32BE(truncated.length - 4, 0);
    garbage.push(truncated);
    // One byte too many.
    const trailing = Buffer.concat([begin, Buffer.from([0])]);
    trailing.writeUInt32BE(trailing.length - 4, 0);
    garbage.push(trailing);
    // A length field that disagrees with the bytes.
    const lying = Buffer.from(begin);
    lying.writeUInt32BE(begin.length, 0);
    garbage.push(lying);
    // A chunk announcing more than MAX_CHUNK_BYTES.
    const chunk = Buffer.from(encodeStreamFrame({ type: 'SnapChunk', ...base, offset: 0, data: new Uint8Array(1) }));
    const big = Buffer.concat([chunk.subarray(0, chunk.length - 2), Buffer.from([0x81, 0x80, 0x10]), Buffer.from([0])]);
    big.writeUInt32BE(big.length - 4, 0);
    garbage.push(big);
    // The sender id's bytes are not UTF-8.
    const badId = Buffer.from(begin);
    badId[10] = 0xff;
    garbage.push(badId);
    // An ack whose done flag is 2.
    const ack = Buffer.from(encodeStreamFrame(frames[3]!));
    ack[ack.length - 1] = 2;
    garbage.push(ack);
    for (const bytes of garbage) expect(() => decodeStreamFrame(bytes)).toThrow(PeerCodecError);
    expect(() =>
      encodeStreamFrame({
        ...(frames[1] as StreamFrame & { type: 'SnapChunk' }),
        data: new Uint8Array(MAX_CHUNK_BYTES + 1),
      }),
    ).toThrow(PeerCodecError);
  });
});

describe('snapshot stream: a whole transfer', () => {
  it('moves the file byte for byte, offers it once, reports success and says sent and installed', async () => {
    const size = 5 * 64 * 1024 + 12345; // six chunks, the last one short
    const ends = makeEnds(size);
    ends.sender.send(snap());
    await until(() => ends.reports.length > 0, 'the report');
    expect(ends.reports).toEqual([{ to: FOLLOWER, ok: true }]);
    expect(ends.offers).toHaveLength(1);
    const offer = ends.offers[0]!;
    expect(offer).toMatchObject({ from: LEADER, term: 3, meta: META });
    expect(readFileSync(offer.path).equals(ends.source.bytes)).toBe(true);
    expect(ends.wire.count('SnapChunk')).toBe(6);
    expect(ends.events.map((event) => [event.phase, event.node, event.index, event.bytes]).sort()).toEqual([
      ['installed', FOLLOWER, META.index, size],
      ['sent', LEADER, META.index, size],
    ]);
    expect(ends.failures).toEqual([]);
    expect(ends.sender.active).toBe(0);
    expect(ends.receiver.receiving).toBeNull();
  });

  it('never has more than `window` chunks unacknowledged, however late the acks come', async () => {
    const ends = makeEnds(20 * 64 * 1024);
    let sent = 0;
    let acked = 0;
    let most = 0;
    // What the sender has handed to the link, against what it has been told is written.
    ends.wire.onSend = (frame) => {
      if (frame.type === 'SnapChunk') sent = frame.offset + frame.data.length;
      most = Math.max(most, sent - acked);
    };
    ends.wire.onDeliver = (frame) => {
      if (frame.type === 'SnapAck') acked = Math.max(acked, frame.offset);
    };
    // Acks reach the leader in bursts: held, then all let go every few turns.
    ends.wire.holding.add(LEADER);
    ends.sender.send(snap());
    while (ends.reports.length === 0) {
      await until(() => ends.wire.held.length > 0 || ends.reports.length > 0, 'an ack');
      for (let i = 0; i < 3; i++) await nextTurn();
      ends.wire.release(LEADER);
      ends.wire.holding.add(LEADER);
    }
    expect(ends.reports).toEqual([{ to: FOLLOWER, ok: true }]);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(4 * 64 * 1024);
  });

  it('ignores a second Snap for a follower whose transfer runs, and lets one of a newer term replace it', async () => {
    const ends = makeEnds(8 * 64 * 1024);
    ends.wire.holding.add(LEADER);
    ends.sender.send(snap());
    await until(() => ends.wire.count('SnapBegin') === 1, 'the first begin');
    ends.sender.send(snap());
    await nextTurn();
    expect(ends.wire.count('SnapBegin')).toBe(1);
    expect(ends.sender.active).toBe(1);
    ends.leaderTerm = 4;
    ends.followerTerm = 4;
    ends.sender.send(snap(4));
    ends.wire.release(LEADER);
    await until(() => ends.reports.some((report) => report.ok), 'the newer transfer');
    expect(ends.wire.count('SnapBegin')).toBe(2);
    expect(ends.wire.count('SnapCancel')).toBe(1);
    expect(ends.offers.map((offer) => offer.term)).toEqual([4]);
    expect(ends.reports).toEqual([
      { to: FOLLOWER, ok: false },
      { to: FOLLOWER, ok: true },
    ]);
  });
});

describe('snapshot stream: every failure aborts, deletes the partial file and reports, never throws', () => {
  async function expectAborted(ends: Ends, reason: RegExp): Promise<void> {
    await until(() => ends.reports.length > 0, 'the report');
    expect(ends.reports).toEqual([{ to: FOLLOWER, ok: false }]);
    expect(ends.offers).toEqual([]);
    expect(ends.failures.map((failure) => failure.reason).join('; ')).toMatch(reason);
    await until(() => leftovers(ends).length === 0, 'the partial file deleted');
    expect(ends.sender.active).toBe(0);
    expect(ends.receiver.receiving).toBeNull();
  }

  it('a chunk altered in transit: CRC mismatch at the end', async () => {
    const ends = makeEnds(3 * 64 * 1024);
    ends.wire.tamper = (frame) => {
      if (frame.type !== 'SnapChunk' || frame.offset !== 64 * 1024) return frame;
      const data = new Uint8Array(frame.data);
      data[100] = data[100]! ^ 1;
      return { ...frame, data };
    };
    ends.sender.send(snap());
    await expectAborted(ends, /CRC mismatch/);
    expect(ends.wire.count('SnapAbort')).toBe(1);
  });

  it('a chunk lost in transit: the next one is out of order', async () => {
    const ends = makeEnds(6 * 64 * 1024);
    ends.wire.tamper = (frame) => (frame.type === 'SnapChunk' && frame.offset === 0 ? null : frame);
    ends.sender.send(snap());
    await expectAborted(ends, /offset 65536, expected 0/);
  });

  it('an end whose length disagrees with the bytes that came', async () => {
    const ends = makeEnds(2 * 64 * 1024);
    ends.wire.tamper = (frame) => (frame.type === 'SnapEnd' ? { ...frame, bytes: frame.bytes + 1 } : frame);
    ends.sender.send(snap());
    await expectAborted(ends, /the end says 131073 bytes/);
  });

  it('an ack for bytes never sent (a confused or lying follower)', async () => {
    const ends = makeEnds(8 * 64 * 1024);
    let forged = false;
    ends.wire.tamper = (frame) => {
      if (frame.type !== 'SnapAck' || forged) return frame;
      forged = true;
      return { ...frame, offset: frame.offset + 10 * 64 * 1024 };
    };
    ends.sender.send(snap());
    await expectAborted(ends, /an ack for offset 720896 with \d+ sent/);
    expect(ends.wire.count('SnapCancel')).toBe(1);
    // Refused at that ack: nothing more left than the window it had already sent.
    expect(ends.wire.count('SnapChunk')).toBeLessThanOrEqual(4);
  });

  it('the follower moves to a newer term mid-transfer', async () => {
    const ends = makeEnds(8 * 64 * 1024);
    ends.wire.holding.add(FOLLOWER);
    ends.sender.send(snap());
    await until(() => ends.wire.held.length >= 2, 'the first chunk');
    ends.wire.releaseOne();
    expect(ends.receiver.receiving).not.toBeNull();
    ends.followerTerm = 4;
    ends.wire.release(FOLLOWER);
    await expectAborted(ends, /newer term/);
  });

  it('the leader loses its term mid-transfer', async () => {
    const ends = makeEnds(8 * 64 * 1024);
    ends.wire.holding.add(LEADER);
    ends.sender.send(snap());
    await until(() => ends.wire.held.length >= 1, 'the first ack');
    ends.leaderTerm = 4;
    ends.wire.release(LEADER);
    await expectAborted(ends, /no longer the leader of term 3/);
  });

  it('a dead link: no ack within the stall timeout, at either end', async () => {
    const ends = makeEnds(8 * 64 * 1024);
    ends.wire.tamper = (frame) => (frame.type === 'SnapChunk' && frame.offset >= 64 * 1024 ? null : frame);
    ends.sender.send(snap());
    await until(() => ends.wire.count('SnapAck') === 1 && ends.wire.count('SnapChunk') === 5, 'the window sent');
    expect(ends.reports).toEqual([]);
    ends.clock.advance(1000);
    await expectAborted(ends, /no progress for 1000 ms/);
    expect(ends.failures.map((failure) => [failure.direction, failure.reason]).sort()).toEqual([
      ['receive', 'nothing for 1000 ms'],
      ['send', 'no progress for 1000 ms'],
    ]);
  });

  it('the link drops a frame (queue full, a fault, the link closed)', async () => {
    const ends = makeEnds(8 * 64 * 1024);
    const port = ends.wire.port();
    let dropped = false;
    // The sender's port: its third frame is dropped by the link after it was queued.
    (ends.sender as unknown as { options: { port: StreamPort } }).options.port.sendFrame = (to, frame, onDropped) => {
      const id = port.sendFrame(to, frame, onDropped);
      if (ends.wire.count('SnapChunk') === 2 && !dropped) {
        dropped = true;
        setImmediate(() => onDropped('queue-full'));
      }
      return id;
    };
    ends.sender.send(snap());
    await expectAborted(ends, /the link dropped a frame \(queue-full\)/);
  });

  it('the snapshot cannot be read: the transfer is reported failed, nothing is sent', async () => {
    const ends = makeEnds(1000);
    rmSync(ends.source.path);
    ends.sender.send(snap());
    await until(() => ends.reports.length > 0, 'the report');
    expect(ends.reports).toEqual([{ to: FOLLOWER, ok: false }]);
    expect(ends.wire.count('SnapBegin')).toBe(0);
    expect(ends.failures[0]?.reason).toMatch(/cannot read the snapshot/);
  });
});

describe('snapshot receiver: input that does not fit is refused before anything reaches the disk', () => {
  const base = { from: LEADER, to: FOLLOWER, term: 3, transfer: 1 };
  const begin: ReceiverBound = { type: 'SnapBegin', ...base, meta: META, bytes: 10 * 64 * 1024 };

  it('a chunk or end of no transfer is answered SnapAbort and writes nothing', async () => {
    const ends = makeEnds(10);
    ends.receiver.receive({ type: 'SnapChunk', ...base, offset: 0, data: new Uint8Array(10) }, 1);
    ends.receiver.receive({ type: 'SnapEnd', ...base, bytes: 10, crc: 0 }, 2);
    await nextTurn();
    expect(ends.wire.log.map((frame) => frame.type)).toEqual(['SnapAbort', 'SnapAbort']);
    expect(leftovers(ends)).toEqual([]);
    expect(ends.offers).toEqual([]);
  });

  it('a begin of an older term, of absurd size or of index 0 is refused without a file', async () => {
    const ends = makeEnds(10);
    ends.followerTerm = 5;
    ends.receiver.receive(begin, 1);
    ends.followerTerm = 3;
    ends.receiver.receive({ ...begin, bytes: 0 }, 2);
    ends.receiver.receive({ ...begin, bytes: 5 * 1024 ** 4 }, 3);
    ends.receiver.receive({ ...begin, meta: { ...META, index: 0 } }, 4);
    await nextTurn();
    const aborts = ends.wire.log.map((frame) => (frame.type === 'SnapAbort' ? frame.reason : frame.type));
    expect(aborts).toEqual([
      'term 3 is older than ours',
      expect.stringMatching(/0 bytes is outside/),
      expect.stringMatching(/bytes is outside/),
      'a snapshot at 0/3',
    ]);
    expect(ends.receiver.receiving).toBeNull();
    expect(leftovers(ends)).toEqual([]);
  });

  it('a sender that ignores the window (more chunks than it may have unacknowledged) is cut off', async () => {
    const ends = makeEnds(10);
    ends.receiver.receive(begin, 1);
    for (let i = 0; i < 5; i++) {
      ends.receiver.receive({ type: 'SnapChunk', ...base, offset: i * 1000, data: new Uint8Array(1000) }, 2 + i);
    }
    await until(() => ends.failures.length > 0, 'the abort');
    expect(ends.failures[0]!.reason).toBe('more than 4 chunks unacknowledged');
    await until(() => leftovers(ends).length === 0, 'the partial file deleted');
    expect(ends.offers).toEqual([]);
  });

  it('a chunk past the announced length is refused', async () => {
    const ends = makeEnds(10);
    ends.receiver.receive({ ...begin, bytes: 100 }, 1);
    ends.receiver.receive({ type: 'SnapChunk', ...base, offset: 0, data: new Uint8Array(101) }, 2);
    await until(() => ends.failures.length > 0, 'the abort');
    expect(ends.failures[0]!.reason).toMatch(/past the announced 100 bytes/);
    await until(() => leftovers(ends).length === 0, 'the partial file deleted');
    expect(existsSync(join(ends.incoming, 'incoming-120-70017001.part'))).toBe(false);
  });
});
