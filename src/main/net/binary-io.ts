// Byte-level writing and bounds-checked reading for the peer codec. Integers that can grow (terms,
// indexes) are unsigned LEB128 varints up to 2^53 - 1, so small values cost one or two bytes.
// Reading past the end or reading a malformed value throws PeerCodecError, never a RangeError.

export type PeerCodecErrorKind =
  | 'bad-length'
  | 'frame-too-large'
  | 'unknown-type'
  | 'truncated'
  | 'trailing-bytes'
  | 'bad-value'
  | 'bad-handshake';

/** Malformed peer input or an unencodable message. The connection that produced it is closed. */
export class PeerCodecError extends Error {
  override readonly name = 'PeerCodecError';
  constructor(
    readonly kind: PeerCodecErrorKind,
    message: string,
  ) {
    super(message);
  }
}

const TWO_POW_7 = 128;

export function varintSize(value: number): number {
  let size = 1;
  let rest = value;
  while (rest >= TWO_POW_7) {
    rest = Math.floor(rest / TWO_POW_7);
    size++;
  }
  return size;
}

export function checkUint(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new PeerCodecError('bad-value', `${field} must be a non-negative safe integer, got ${value}`);
  }
}

export class ByteWriter {
  offset = 0;
  constructor(readonly bytes: Buffer) {}

  u8(value: number): void {
    this.bytes[this.offset++] = value;
  }

  u32(value: number): void {
    this.bytes.writeUInt32BE(value, this.offset);
    this.offset += 4;
  }

  varint(value: number): void {
    let rest = value;
    while (rest >= TWO_POW_7) {
      this.bytes[this.offset++] = (rest % TWO_POW_7) | TWO_POW_7;
      rest = Math.floor(rest / TWO_POW_7);
    }
    this.bytes[this.offset++] = rest;
  }

  raw(value: Uint8Array): void {
    this.bytes.set(value, this.offset);
    this.offset += value.length;
  }
}

export class ByteReader {
  offset: number;
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.offset = start;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  u8(): number {
    if (this.offset >= this.end) throw truncated();
    return this.bytes[this.offset++]!;
  }

  bool(field: string): boolean {
    const value = this.u8();
    if (value > 1) throw new PeerCodecError('bad-value', `${field} must be 0 or 1, got ${value}`);
    return value === 1;
  }

  varint(field: string): number {
    let value = 0;
    let scale = 1;
    // 8 bytes of 7 bits cover 2^56, enough for any safe integer; longer is malformed.
    for (let i = 0; i < 8; i++) {
      const byte = this.u8();
      value += (byte & 0x7f) * scale;
      if (byte < TWO_POW_7) {
        // A final zero byte after others adds nothing: one value has one encoding, as the writer makes it.
        if (byte === 0 && i > 0) throw new PeerCodecError('bad-value', `${field} has a redundant zero byte`);
        if (value > Number.MAX_SAFE_INTEGER) throw new PeerCodecError('bad-value', `${field} is out of range`);
        return value;
      }
      scale *= TWO_POW_7;
    }
    throw new PeerCodecError('bad-value', `${field} is not a valid varint`);
  }

  /** A view of the next `length` bytes (not a copy). */
  view(length: number): Uint8Array {
    if (length > this.remaining) throw truncated();
    const start = this.offset;
    this.offset += length;
    return this.bytes.subarray(start, start + length);
  }
}

function truncated(): PeerCodecError {
  return new PeerCodecError('truncated', 'frame payload ends early');
}
