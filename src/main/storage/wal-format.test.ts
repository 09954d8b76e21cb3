import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readU64, writeU64 } from './bytes';
import { makeEntries } from './test-kit';
import {
  checkFrame,
  decodeRecord,
  encodeSaveRecord,
  encodeSegmentHeader,
  FRAME_HEADER_BYTES,
  isValidRecordAt,
  MalformedRecordError,
  SEGMENT_HEADER_RECORD_BYTES,
  saveRecordBytes,
} from './wal-format';

function encode(entries = makeEntries(7, 3, 4, 50), truncate = true, commit: number | null = 9) {
  const bytes = saveRecordBytes(entries, commit !== null);
  const buffer = Buffer.alloc(bytes);
  expect(encodeSaveRecord(buffer, 0, entries, truncate, commit)).toBe(bytes);
  return buffer;
}

describe('WAL record format', () => {
  it('a save record decodes to the entries, truncate marker and commit it was encoded from', () => {
    const entries = [...makeEntries(7, 2, 4, 50), { index: 9, term: 4, type: 'noop' as const, data: new Uint8Array() }];
    const buffer = encode(entries, true, 9);
    const frame = checkFrame(buffer, 0);
    expect(frame).toEqual({ ok: true, end: buffer.length });
    expect(decodeRecord(buffer, 0, buffer.length)).toEqual({ kind: 'save', truncate: true, commit: 9, entries });
  });

  it('a commit-only record is 22 bytes', () => {
    const buffer = encode([], false, 123);
    expect(buffer.length).toBe(22);
    expect(decodeRecord(buffer, 0, buffer.length)).toEqual({ kind: 'save', truncate: false, commit: 123, entries: [] });
  });

  it('a segment header names its segment', () => {
    const buffer = Buffer.alloc(SEGMENT_HEADER_RECORD_BYTES);
    expect(encodeSegmentHeader(buffer, 0, 42)).toBe(SEGMENT_HEADER_RECORD_BYTES);
    expect(decodeRecord(buffer, 0, buffer.length)).toEqual({ kind: 'segment-header', segment: 42 });
  });

  it('the checksum covers the length, so a shortened length is caught, not re-framed', () => {
    const buffer = encode();
    buffer.writeUInt32LE(buffer.readUInt32LE(4) - 13, 4);
    expect(checkFrame(buffer, 0)).toEqual({ ok: false, reason: 'checksum mismatch' });
  });

  it('an incomplete header or body is reported as incomplete', () => {
    const buffer = encode();
    expect(checkFrame(buffer.subarray(0, 5), 0)).toEqual({
      ok: false,
      reason: 'incomplete record header (5 of 8 bytes)',
    });
    expect(checkFrame(buffer.subarray(0, 20), 0)).toMatchObject({ ok: false, reason: /^incomplete record \(20 of/ });
    expect(isValidRecordAt(buffer.subarray(0, buffer.length - 1), 0)).toBe(false);
    expect(isValidRecordAt(buffer, 0)).toBe(true);
  });

  it('zeros are never a record', () => {
    const zeros = Buffer.alloc(64);
    expect(checkFrame(zeros, 0)).toEqual({ ok: false, reason: 'impossible record length 0' });
    for (let offset = 0; offset < zeros.length; offset++) expect(isValidRecordAt(zeros, offset)).toBe(false);
  });

  it('a record with a right checksum but impossible contents is malformed, not torn', () => {
    const payload = Buffer.from([2, 0x80, 0, 0, 0, 0]); // a save with an unknown flag
    const buffer = Buffer.alloc(FRAME_HEADER_BYTES + payload.length);
    buffer.writeUInt32LE(payload.length, 4);
    payload.copy(buffer, FRAME_HEADER_BYTES);
    buffer.writeUInt32LE(crc32(buffer.subarray(4)), 0);
    expect(checkFrame(buffer, 0).ok).toBe(true);
    expect(() => decodeRecord(buffer, 0, buffer.length)).toThrow(MalformedRecordError);
  });

  it('integers round-trip up to 2^53 - 1 and larger ones read as invalid', () => {
    const buffer = Buffer.alloc(8);
    for (const value of [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER]) {
      writeU64(buffer, 0, value);
      expect(readU64(buffer, 0)).toBe(value);
    }
    buffer.writeUInt32LE(2 ** 21, 4);
    expect(readU64(buffer, 0)).toBe(-1);
  });
});
