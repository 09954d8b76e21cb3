// Cuts a peer byte stream into frames. Chunks are queued as they come; a frame is assembled once,
// when all of its bytes are there (the length field says how many), so the cost is linear in the
// input whatever the chunking. A frame that lies inside one chunk is returned as a view of it.
// Each frame may be followed by a fixed-size trailer (its MAC), returned with it.
import { PeerCodecError } from './binary-io';
import { announcedFrameSize, FRAME_HEADER_BYTES, FRAME_LENGTH_BYTES, MAX_FRAME_BYTES } from './peer-codec';

export class FrameReader {
  private chunks: Uint8Array[] = [];
  private chunkHead = 0;
  private offset = 0;
  private buffered = 0;

  constructor(
    private readonly maxFrameBytes = MAX_FRAME_BYTES,
    private readonly trailerBytes = 0,
  ) {}

  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * The next whole frame (length field included, then its trailer), or null when more bytes are needed. Throws
   * PeerCodecError when the length field is impossible: the stream cannot be resynchronised then.
   */
  next(): Uint8Array | null {
    if (this.buffered < FRAME_LENGTH_BYTES) return null;
    const size = announcedFrameSize(this.peek(FRAME_LENGTH_BYTES));
    if (size < FRAME_HEADER_BYTES) throw new PeerCodecError('bad-length', `a frame length of ${size} bytes`);
    if (size > this.maxFrameBytes) {
      throw new PeerCodecError('frame-too-large', `a frame of ${size} bytes exceeds ${this.maxFrameBytes}`);
    }
    if (this.buffered < size + this.trailerBytes) return null;
    return this.take(size + this.trailerBytes);
  }

  /** The first `count` bytes without consuming them (copied only when they span chunks). */
  private peek(count: number): Uint8Array {
    const chunk = this.chunks[this.chunkHead]!;
    if (chunk.length - this.offset >= count) return chunk.subarray(this.offset, this.offset + count);
    const out = new Uint8Array(count);
    let filled = 0;
    let index = this.chunkHead;
    let offset = this.offset;
    while (filled < count) {
      const current = this.chunks[index]!;
      const n = Math.min(count - filled, current.length - offset);
      out.set(current.subarray(offset, offset + n), filled);
      filled += n;
      index++;
      offset = 0;
    }
    return out;
  }

  private take(count: number): Uint8Array {
    const first = this.chunks[this.chunkHead]!;
    let out: Uint8Array;
    if (first.length - this.offset >= count) {
      out = first.subarray(this.offset, this.offset + count);
      this.advance(count);
      return out;
    }
    out = new Uint8Array(count);
    let filled = 0;
    while (filled < count) {
      const chunk = this.chunks[this.chunkHead]!;
      const n = Math.min(count - filled, chunk.length - this.offset);
      out.set(chunk.subarray(this.offset, this.offset + n), filled);
      filled += n;
      this.advance(n);
    }
    return out;
  }

  private advance(count: number): void {
    this.offset += count;
    this.buffered -= count;
    const chunk = this.chunks[this.chunkHead]!;
    if (this.offset >= chunk.length) {
      this.chunkHead++;
      this.offset = 0;
      if (this.chunkHead === this.chunks.length) {
        this.chunks = [];
        this.chunkHead = 0;
      }
    }
  }
}
