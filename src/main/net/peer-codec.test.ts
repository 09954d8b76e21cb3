import { describe, expect, it } from 'vitest';
import type { Message } from '../../shared/raft/types';
import { FrameReader } from './frame-reader';
import { decodeFrame, encodeFrame, PeerCodecError, type PeerCodecErrorKind } from './peer-codec';

const A = '127.0.0.1:5001';
const B = '127.0.0.1:5002';
const BIG = Number.MAX_SAFE_INTEGER;

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

/** One of every message variant, with values at the edges of their ranges. */
const EVERY_VARIANT: Message[] = [
  { type: 'PreVote', from: A, to: B, term: 7, lastLogIndex: 0, lastLogTerm: 0, transfer: false },
  { type: 'Vote', from: A, to: B, term: BIG, lastLogIndex: BIG, lastLogTerm: 300, transfer: true },
  { type: 'PreVoteResp', from: B, to: A, term: 1, reject: true },
  { type: 'VoteResp', from: B, to: A, term: 128, reject: false },
  {
    type: 'App',
    from: A,
    to: B,
    term: 5,
    prevLogIndex: 16_384,
    prevLogTerm: 4,
    commit: 2 ** 32,
    entries: [
      { index: 16_385, term: 5, type: 'noop', data: new Uint8Array(0) },
      { index: 16_386, term: 5, type: 'normal', data: bytes(0, 13, 10, 255, 0x24) },
      { index: 16_387, term: 5, type: 'normal', data: new Uint8Array(3000).fill(7) },
      { index: 16_388, term: 5, type: 'config', data: bytes(1, 1, 0x61) },
    ],
  },
  { type: 'App', from: A, to: B, term: 5, prevLogIndex: 3, prevLogTerm: 2, commit: 3, entries: [] },
  { type: 'AppResp', from: B, to: A, term: 5, reject: true, index: 12, conflictTerm: 3, conflictIndex: 9 },
  { type: 'AppResp', from: B, to: A, term: 5, reject: false, index: 16_387, conflictTerm: 0, conflictIndex: 0 },
  { type: 'Heartbeat', from: A, to: B, term: 9, commit: 44, context: 0 },
  { type: 'HeartbeatResp', from: B, to: A, term: 9, context: 12_345_678 },
  { type: 'TimeoutNow', from: A, to: B, term: 10 },
  { type: 'ReadIndex', from: B, to: A, term: 10, context: 3 },
  { type: 'ReadIndexResp', from: A, to: B, term: 10, context: 3, index: 99, reject: false },
  { type: 'ReadIndexResp', from: A, to: B, term: 10, context: 4, index: 0, reject: true },
  { type: 'Heartbeat', from: '[::1]:5001', to: 'nœud-é:1', term: 1, commit: 0, context: 0 },
  {
    type: 'Snap',
    from: A,
    to: B,
    term: 11,
    snapshot: { index: BIG, term: 11, membership: { voters: [A, B, 'nœud-é:1'], learners: ['[::1]:5004'] } },
  },
  { type: 'Snap', from: A, to: B, term: 2, snapshot: { index: 1, term: 1, membership: { voters: [A], learners: [] } } },
];

/** Re-encodes `frame`'s length field after editing it, so only the intended defect remains. */
function withLength(frame: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(frame);
  new DataView(copy.buffer).setUint32(0, copy.length - 4);
  return copy;
}

function decodeError(frame: Uint8Array): PeerCodecErrorKind {
  try {
    decodeFrame(frame);
  } catch (error) {
    if (error instanceof PeerCodecError) return error.kind;
    throw error;
  }
  throw new Error('decoded garbage without complaint');
}

describe('peer codec: round trip', () => {
  it.each(EVERY_VARIANT.map((message) => [message.type, message] as const))('round-trips %s', (_type, message) => {
    const frame = encodeFrame(message, 0xfffffffe);
    const decoded = decodeFrame(frame);
    expect(decoded.message).toEqual(message);
    expect(decoded.id).toBe(0xfffffffe);
    expect(decoded.size).toBe(frame.length);
  });

  it('keeps a small heartbeat small', () => {
    expect(encodeFrame(EVERY_VARIANT[8]!, 1).length).toBeLessThan(48);
  });

  it('decodes entry data that does not alias the frame', () => {
    const frame = Uint8Array.from(encodeFrame(EVERY_VARIANT[4]!, 1));
    const decoded = decodeFrame(frame);
    frame.fill(0);
    expect(decoded.message).toEqual(EVERY_VARIANT[4]);
  });
});

describe('peer codec: refuses what it cannot send', () => {
  const cases: [string, Message][] = [
    ['a negative term', { type: 'TimeoutNow', from: A, to: B, term: -1 }],
    [
      'a fractional index',
      { type: 'AppResp', from: B, to: A, term: 1, reject: false, index: 1.5, conflictTerm: 0, conflictIndex: 0 },
    ],
    ['an unsafe integer', { type: 'Heartbeat', from: A, to: B, term: 1, commit: 2 ** 60, context: 0 }],
    ['an empty node id', { type: 'TimeoutNow', from: A, to: '', term: 1 }],
  ];
  for (const [name, message] of cases) {
    it(`refuses ${name}`, () => {
      expect(() => encodeFrame(message, 1)).toThrow(PeerCodecError);
    });
  }

  it('refuses a frame over the maximum size when encoding', () => {
    expect(() => encodeFrame(EVERY_VARIANT[4]!, 1, 1000)).toThrow(expect.objectContaining({ kind: 'frame-too-large' }));
  });
});

describe('peer codec: rejects garbage with a typed error', () => {
  const heartbeat = encodeFrame(EVERY_VARIANT[8]!, 1);
  const app = encodeFrame(EVERY_VARIANT[4]!, 1);

  it('rejects a frame shorter than its header', () => {
    expect(decodeError(bytes(0, 0, 0, 1, 0))).toBe('bad-length');
  });

  it('rejects a length field that disagrees with the frame', () => {
    const longer = Uint8Array.from(heartbeat);
    new DataView(longer.buffer).setUint32(0, heartbeat.length);
    expect(decodeError(longer)).toBe('bad-length');
  });

  it('rejects a length over the maximum frame size', () => {
    expect(decodeError(bytes(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 7))).toBe('frame-too-large');
  });

  it.each([0, 13, 255])('rejects message type %i', (code) => {
    const frame = Uint8Array.from(heartbeat);
    frame[8] = code;
    expect(decodeError(frame)).toBe('unknown-type');
  });

  it('rejects every truncation of a valid frame', () => {
    for (const frame of [heartbeat, app.subarray(0, 200)]) {
      const whole = frame === heartbeat ? frame : null;
      const limit = whole ? whole.length : 200;
      for (let cut = 9; cut < limit; cut++) {
        const kind = decodeError(withLength(frame.subarray(0, cut)));
        expect(['truncated', 'bad-value'], `cut at ${cut}`).toContain(kind);
      }
    }
  });

  it('rejects trailing bytes after a message', () => {
    expect(decodeError(withLength(Uint8Array.of(...heartbeat, 0)))).toBe('trailing-bytes');
  });

  it('rejects a boolean that is neither 0 nor 1', () => {
    const frame = Uint8Array.from(encodeFrame(EVERY_VARIANT[2]!, 1));
    frame[frame.length - 1] = 2;
    expect(decodeError(frame)).toBe('bad-value');
  });

  it('rejects a varint longer than any safe integer needs', () => {
    const head = Uint8Array.from(heartbeat.subarray(0, 9));
    const from = Buffer.from(A);
    const body = Uint8Array.of(
      from.length,
      ...from,
      from.length,
      ...from,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0x01,
    );
    expect(decodeError(withLength(Uint8Array.of(...head, ...body)))).toBe('bad-value');
  });

  it('rejects a varint with a redundant zero byte: one value, one encoding', () => {
    const frame = encodeFrame({ type: 'TimeoutNow', from: A, to: B, term: 5 }, 1);
    // The term is the last byte (5); write it as 0x85 0x00 instead.
    const padded = Uint8Array.of(...frame.subarray(0, frame.length - 1), 0x85, 0x00);
    expect(decodeError(withLength(padded))).toBe('bad-value');
  });

  it('rejects a node id that is not UTF-8', () => {
    const frame = Uint8Array.from(encodeFrame({ type: 'TimeoutNow', from: A, to: B, term: 5 }, 1));
    frame[10] = 0xff; // the first byte of the sender id
    expect(decodeError(frame)).toBe('bad-value');
  });

  it('rejects an entry count the payload cannot hold, before allocating for it', () => {
    const message: Message = {
      type: 'App',
      from: A,
      to: B,
      term: 1,
      prevLogIndex: 0,
      prevLogTerm: 0,
      commit: 0,
      entries: [],
    };
    const frame = Uint8Array.from(encodeFrame(message, 1));
    // The entry count is the last byte; make it 2^28 - 1 as a 4-byte varint.
    const forged = Uint8Array.of(...frame.subarray(0, frame.length - 1), 0xff, 0xff, 0xff, 0x7f);
    expect(decodeError(withLength(forged))).toBe('truncated');
  });

  it('rejects an entry of unknown type', () => {
    const message: Message = {
      type: 'App',
      from: A,
      to: B,
      term: 1,
      prevLogIndex: 0,
      prevLogTerm: 0,
      commit: 0,
      entries: [{ index: 1, term: 1, type: 'normal', data: new Uint8Array(0) }],
    };
    const frame = Uint8Array.from(encodeFrame(message, 1));
    frame[frame.length - 2] = 9; // index, term, then the type byte, then the data length 0
    expect(decodeError(frame)).toBe('bad-value');
  });
});

describe('frame reader', () => {
  const frames = EVERY_VARIANT.map((message, i) => encodeFrame(message, i));
  const stream = Buffer.concat(frames);

  function readAll(chunks: Uint8Array[]): Message[] {
    const reader = new FrameReader();
    const out: Message[] = [];
    for (const chunk of chunks) {
      reader.push(chunk);
      for (let frame = reader.next(); frame !== null; frame = reader.next()) out.push(decodeFrame(frame).message);
    }
    return out;
  }

  it('cuts a stream into its frames at any chunking', () => {
    expect(readAll([stream])).toEqual(EVERY_VARIANT);
    for (const cut of [1, 3, 4, 5, 9, 40, 1000, 3000, stream.length - 1]) {
      expect(readAll([stream.subarray(0, cut), stream.subarray(cut)]), `cut at ${cut}`).toEqual(EVERY_VARIANT);
    }
    const small: Uint8Array[] = [];
    for (let at = 0; at < stream.length; at += 7) small.push(stream.subarray(at, at + 7));
    expect(readAll(small)).toEqual(EVERY_VARIANT);
  });

  it('throws a typed error on an impossible length, as soon as the length field is in', () => {
    const reader = new FrameReader(1024);
    reader.push(bytes(0, 0, 0x10, 0));
    expect(() => reader.next()).toThrow(expect.objectContaining({ kind: 'frame-too-large' }));
    const tiny = new FrameReader();
    tiny.push(bytes(0, 0, 0, 4, 1, 1, 1, 1));
    expect(() => tiny.next()).toThrow(expect.objectContaining({ kind: 'bad-length' }));
  });
});
