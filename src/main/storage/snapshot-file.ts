// One snapshot file: the state machine's serialised form at a log index, with the meta the core
// needs to start its log after it. Layout:
//
//   magic "RLSN" u32 | version u8 | metaLength u32 | meta | bodyLength u64 | bodyCrc u32 | headerCrc u32 | body
//   meta = index u64 | term u64 | voterCount u16 | voters | learnerCount u16 | learners
//          (each id: length u16 | UTF-8 bytes)
//
// The header CRC covers every header byte before it, the body CRC the whole body, so a flipped bit
// anywhere is caught before the body reaches the state machine. The body is opaque here.
//
// Written as a temp file, fsynced, renamed into place, and the folder fsynced: a crash leaves the old
// snapshot set or the new one, never a half file under a snapshot's name. A reader reads the body in
// bounded chunks, so a large table never has to sit in memory twice.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import type { Membership, SnapshotMeta } from '../../shared/raft/types';
import { readU64, writeU64 } from './bytes';
import { type FileOps, fsyncFolder, writeFully } from './file-ops';
import { ioFailure } from './io-error';
import { StorageCorruptError } from './types';

const MAGIC = 0x4e534c52; // "RLSN" read little-endian
const VERSION = 1;
/** magic, version, metaLength. */
const PREFIX_BYTES = 4 + 1 + 4;
/** bodyLength, bodyCrc, headerCrc. */
const SUFFIX_BYTES = 8 + 4 + 4;
/** A meta longer than this is not a snapshot header (ids are short; groups are small). */
const MAX_META_BYTES = 1024 * 1024;
export const READ_CHUNK_BYTES = 256 * 1024;

export const SNAPSHOT_SUFFIX = '.snap';

/** `snap-<index, 16 digits>.snap`: names sort in index order. */
export function snapshotFileName(index: number): string {
  return `snap-${String(index).padStart(16, '0')}${SNAPSHOT_SUFFIX}`;
}

/** The index a snapshot file's name carries, or null for any other file. */
export function parseSnapshotFileName(name: string): number | null {
  const match = /^snap-(\d{16})\.snap$/.exec(name);
  if (!match?.[1]) return null;
  const index = Number(match[1]);
  return Number.isSafeInteger(index) ? index : null;
}

function encodeIds(ids: readonly string[], parts: Buffer[]): void {
  if (ids.length > 0xffff) throw new RangeError(`snapshot: ${ids.length} member ids do not fit the header`);
  const count = Buffer.alloc(2);
  count.writeUInt16LE(ids.length, 0);
  parts.push(count);
  for (const id of ids) {
    const bytes = Buffer.from(id, 'utf8');
    if (bytes.length > 0xffff) throw new RangeError(`snapshot: member id of ${bytes.length} bytes is too long`);
    const length = Buffer.alloc(2);
    length.writeUInt16LE(bytes.length, 0);
    parts.push(length, bytes);
  }
}

export function encodeMeta(meta: SnapshotMeta): Buffer {
  const fixed = Buffer.alloc(16);
  writeU64(fixed, 0, meta.index);
  writeU64(fixed, 8, meta.term);
  const parts: Buffer[] = [fixed];
  encodeIds(meta.membership.voters, parts);
  encodeIds(meta.membership.learners, parts);
  return Buffer.concat(parts);
}

/** The whole header for a body of `bodyBytes` with CRC `bodyCrc`. */
export function encodeHeader(meta: SnapshotMeta, bodyBytes: number, bodyCrc: number): Buffer {
  const encodedMeta = encodeMeta(meta);
  const header = Buffer.alloc(PREFIX_BYTES + encodedMeta.length + SUFFIX_BYTES);
  header.writeUInt32LE(MAGIC, 0);
  header[4] = VERSION;
  header.writeUInt32LE(encodedMeta.length, 5);
  encodedMeta.copy(header, PREFIX_BYTES);
  let p = PREFIX_BYTES + encodedMeta.length;
  writeU64(header, p, bodyBytes);
  header.writeUInt32LE(bodyCrc >>> 0, p + 8);
  p += 12;
  header.writeUInt32LE(crc32(header.subarray(0, p)), p);
  return header;
}

export interface SnapshotHeader {
  readonly meta: SnapshotMeta;
  readonly headerBytes: number;
  readonly bodyBytes: number;
  readonly bodyCrc: number;
}

/** Reads `length` bytes at `position` into `buffer` (the file is known to hold them). */
type ReadAt = (buffer: Buffer, length: number, position: number) => Promise<unknown>;

/** Reads and checks the header of a snapshot of `fileBytes` bytes; `file` names it in every error. */
export async function readHeader(read: ReadAt, file: string, fileBytes: number): Promise<SnapshotHeader> {
  const refuse = (why: string) => new StorageCorruptError(`snapshot: ${why} in ${file}`);
  if (fileBytes < PREFIX_BYTES + SUFFIX_BYTES) throw refuse(`file too short (${fileBytes} bytes)`);
  const prefix = Buffer.alloc(PREFIX_BYTES);
  await read(prefix, PREFIX_BYTES, 0);
  if (prefix.readUInt32LE(0) !== MAGIC) throw refuse('not a snapshot file (bad magic)');
  if (prefix[4] !== VERSION) throw refuse(`unsupported snapshot version ${prefix[4]}`);
  const metaBytes = prefix.readUInt32LE(5);
  const headerBytes = PREFIX_BYTES + metaBytes + SUFFIX_BYTES;
  if (metaBytes > MAX_META_BYTES || headerBytes > fileBytes) throw refuse(`impossible header length ${metaBytes}`);
  const header = Buffer.alloc(headerBytes);
  await read(header, headerBytes, 0);
  const crcAt = headerBytes - 4;
  if (crc32(header.subarray(0, crcAt)) !== header.readUInt32LE(crcAt)) throw refuse('header checksum mismatch');
  const meta = decodeMeta(header.subarray(PREFIX_BYTES, PREFIX_BYTES + metaBytes), refuse);
  const bodyBytes = readU64(header, PREFIX_BYTES + metaBytes);
  const bodyCrc = header.readUInt32LE(PREFIX_BYTES + metaBytes + 8);
  if (bodyBytes < 0 || headerBytes + bodyBytes !== fileBytes) {
    throw refuse(`the file holds ${fileBytes - headerBytes} body bytes, its header says ${bodyBytes}`);
  }
  return { meta, headerBytes, bodyBytes, bodyCrc };
}

function decodeMeta(bytes: Buffer, refuse: (why: string) => Error): SnapshotMeta {
  let p = 0;
  const need = (n: number) => {
    if (p + n > bytes.length) throw refuse('meta shorter than its fields');
  };
  need(16);
  const index = readU64(bytes, 0);
  const term = readU64(bytes, 8);
  if (index < 0 || term < 0) throw refuse('integer beyond 2^53');
  p = 16;
  const ids = (): string[] => {
    need(2);
    const count = bytes.readUInt16LE(p);
    p += 2;
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      need(2);
      const length = bytes.readUInt16LE(p);
      p += 2;
      need(length);
      out.push(bytes.toString('utf8', p, p + length));
      p += length;
    }
    return out;
  };
  const voters = ids();
  const learners = ids();
  if (p !== bytes.length) throw refuse(`${bytes.length - p} stray bytes after the meta`);
  const membership: Membership = { voters, learners };
  return { index, term, membership };
}

/** A snapshot file opened for reading: its header checked, its body still to be read. */
export class SnapshotReader {
  private constructor(
    readonly file: string,
    readonly header: SnapshotHeader,
    private readonly handle: fs.promises.FileHandle,
  ) {}

  /** Opens `file` and checks its header; the body's CRC is checked as `chunks()` reads it. */
  static async open(file: string): Promise<SnapshotReader> {
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(file, 'r');
    } catch (error) {
      throw ioFailure('snapshot', `opening ${file}`, error, false);
    }
    try {
      const stat = await handle.stat();
      const read: ReadAt = (buffer, length, position) => handle.read(buffer, 0, length, position);
      return new SnapshotReader(file, await readHeader(read, file, stat.size), handle);
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
  }

  get meta(): SnapshotMeta {
    return this.header.meta;
  }

  /**
   * The body in chunks of at most READ_CHUNK_BYTES; throws StorageCorruptError (naming the file)
   * after the last chunk when the body's CRC is wrong, so a consumer must not trust what it built
   * until the iteration ends without an error. Closes the file at the end.
   */
  async *chunks(chunkBytes = READ_CHUNK_BYTES): AsyncGenerator<Uint8Array> {
    const { headerBytes, bodyBytes, bodyCrc } = this.header;
    try {
      let crc = 0;
      let offset = 0;
      while (offset < bodyBytes) {
        const length = Math.min(chunkBytes, bodyBytes - offset);
        const chunk = Buffer.allocUnsafe(length);
        const { bytesRead } = await this.handle.read(chunk, 0, length, headerBytes + offset);
        if (bytesRead !== length) throw new StorageCorruptError(`snapshot: ${this.file} ended early while reading`);
        crc = crc32(chunk, crc);
        offset += length;
        yield chunk;
      }
      if (crc >>> 0 !== bodyCrc) throw new StorageCorruptError(`snapshot: body checksum mismatch in ${this.file}`);
    } finally {
      await this.close();
    }
  }

  /** Reads the whole body to check its CRC, keeping none of it. */
  async verify(): Promise<void> {
    for await (const _chunk of this.chunks()) {
      // Only the CRC matters here.
    }
  }

  close(): Promise<void> {
    return this.handle.close().catch(() => {});
  }
}

/** Writes a snapshot to `tempPath`, fsynced, then renames it to `finalPath` and fsyncs the folder. */
export async function writeSnapshotFile(
  ops: FileOps,
  tempPath: string,
  finalPath: string,
  meta: SnapshotMeta,
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<number> {
  // The header is written twice: a placeholder first (the body's length and CRC are known only at
  // the end), then the real one. A crash before the rename leaves only a temp file, which is never read.
  const placeholder = encodeHeader(meta, 0, 0);
  await ops.unlink(tempPath).catch(() => {});
  const fd = await guard(ops.openNew(tempPath), `creating ${tempPath}`);
  let bodyBytes = 0;
  try {
    let crc = 0;
    await guard(writeFully(ops, fd, placeholder, placeholder.length, 0), `writing ${tempPath}`);
    for await (const chunk of body) {
      if (chunk.byteLength === 0) continue;
      await guard(writeFully(ops, fd, chunk, chunk.byteLength, placeholder.length + bodyBytes), `writing ${tempPath}`);
      crc = crc32(chunk, crc);
      bodyBytes += chunk.byteLength;
    }
    const header = encodeHeader(meta, bodyBytes, crc);
    await guard(writeFully(ops, fd, header, header.length, 0), `writing ${tempPath}`);
    await guard(ops.fsync(fd), `syncing ${tempPath}`);
  } catch (error) {
    await ops.close(fd).catch(() => {});
    await ops.unlink(tempPath).catch(() => {});
    throw error;
  }
  await guard(ops.close(fd), `closing ${tempPath}`);
  await publishFile(ops, tempPath, finalPath);
  return placeholder.length + bodyBytes;
}

/** Renames a complete, fsynced file into place and makes the rename durable. */
export async function publishFile(ops: FileOps, from: string, to: string): Promise<void> {
  await guard(ops.rename(from, to), `renaming ${from} to ${path.basename(to)}`);
  await guard(fsyncFolder(ops, path.dirname(to)), `syncing the folder ${path.dirname(to)}`);
}

async function guard<T>(work: Promise<T>, action: string): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof StorageCorruptError) throw error;
    throw ioFailure('snapshot', action, error, false);
  }
}
