// The in-memory twin of SnapshotStore for `--in-memory` nodes: the same file bytes (header, CRC,
// body), kept in the node's MemoryDisk so that a restart in the same process finds them, as the WAL's
// twin keeps the log. Two things still touch the disk, briefly and privately (a 0700 temp folder):
// a snapshot being received (the transfer writes a file, adopt reads it into memory and deletes it)
// and a snapshot being sent (forSending writes one copy for the transfer to read, replaced by the next).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import type { NodeId, SnapshotMeta } from '../../shared/raft/types';
import type { MemoryDisk } from './memory';
import {
  encodeHeader,
  parseSnapshotFileName,
  READ_CHUNK_BYTES,
  readHeader,
  SnapshotReader,
  snapshotFileName,
} from './snapshot-file';
import type { SnapshotBody, SnapshotLoad, SnapshotStorage, StoredSnapshot } from './snapshot-store';
import { StorageCorruptError } from './types';

const MEMORY_PREFIX = 'memory:';

let scratchFolder: string | null = null;
/** One private folder per process for transfers in and out; made on first use, removed at exit. */
function scratch(): string {
  if (scratchFolder === null) {
    scratchFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'raftlab-snap-'));
    fs.chmodSync(scratchFolder, 0o700);
    const folder = scratchFolder;
    process.once('exit', () => fs.rmSync(folder, { recursive: true, force: true }));
  }
  return scratchFolder;
}

let scratchCount = 0;

export class MemorySnapshotStore implements SnapshotStorage {
  private current: StoredSnapshot | null = null;
  private sending: string | null = null;

  constructor(
    private readonly disk: MemoryDisk,
    /** Distinguishes this node's scratch files from other nodes' in the same process. */
    private readonly label: string,
  ) {}

  latest(): StoredSnapshot | null {
    return this.current;
  }

  async load(logStartIndex: number): Promise<SnapshotLoad> {
    const names = [...this.disk.snapshots.keys()]
      .filter((name) => parseSnapshotFileName(name) !== null)
      .sort((a, b) => parseSnapshotFileName(b)! - parseSnapshotFileName(a)!);
    const name = names[0];
    if (name === undefined) {
      if (logStartIndex > 0) {
        throw new StorageCorruptError(
          `snapshot: the log starts after index ${logStartIndex} but memory holds no snapshot; refusing to start`,
        );
      }
      this.current = null;
      return { snapshot: null, skipped: [] };
    }
    const bytes = this.disk.snapshots.get(name)!;
    const header = await headerOf(bytes, `${MEMORY_PREFIX}${name}`);
    this.current = { meta: header.meta, path: `${MEMORY_PREFIX}${name}`, bytes: bytes.length };
    return { snapshot: this.current, skipped: [] };
  }

  async write(meta: SnapshotMeta, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<StoredSnapshot> {
    const parts: Uint8Array[] = [];
    let crc = 0;
    let bodyBytes = 0;
    for await (const chunk of body) {
      parts.push(Buffer.from(chunk));
      crc = crc32(chunk, crc);
      bodyBytes += chunk.byteLength;
    }
    const file = Buffer.concat([encodeHeader(meta, bodyBytes, crc), ...parts]);
    return this.keep(meta, file);
  }

  incomingPath(from: NodeId, meta: SnapshotMeta): string {
    const safe = `${this.label}-${from}`.replace(/[^A-Za-z0-9.-]/g, '_');
    return path.join(scratch(), `incoming-${safe}-${meta.index}-${++scratchCount}.tmp`);
  }

  async adopt(receivedPath: string): Promise<StoredSnapshot> {
    const reader = await SnapshotReader.open(receivedPath);
    await reader.verify();
    const file = await fs.promises.readFile(receivedPath);
    await fs.promises.unlink(receivedPath).catch(() => {});
    return this.keep(reader.meta, file);
  }

  async discard(receivedPath: string): Promise<void> {
    if (receivedPath.startsWith(MEMORY_PREFIX)) return;
    await fs.promises.unlink(receivedPath).catch(() => {});
  }

  async open(snapshotPath: string): Promise<SnapshotBody> {
    if (!snapshotPath.startsWith(MEMORY_PREFIX)) {
      const reader = await SnapshotReader.open(snapshotPath);
      return { meta: reader.meta, chunks: () => reader.chunks() };
    }
    const bytes = this.disk.snapshots.get(snapshotPath.slice(MEMORY_PREFIX.length));
    if (bytes === undefined) throw new Error(`snapshot: ${snapshotPath} does not exist`);
    const header = await headerOf(bytes, snapshotPath);
    const body = bytes.subarray(header.headerBytes);
    return {
      meta: header.meta,
      async *chunks() {
        for (let offset = 0; offset < body.length; offset += READ_CHUNK_BYTES) {
          yield body.subarray(offset, Math.min(body.length, offset + READ_CHUNK_BYTES));
        }
      },
    };
  }

  async prune(): Promise<void> {
    const current = this.current;
    if (current === null) return;
    const older = [...this.disk.snapshots.keys()]
      .map((name) => ({ name, index: parseSnapshotFileName(name) ?? -1 }))
      .filter((file) => file.index < current.meta.index)
      .sort((a, b) => b.index - a.index);
    for (const file of older.slice(1)) this.disk.snapshots.delete(file.name);
  }

  /** A real file holding `snapshot`, for a transfer to read; replaces the previous one. */
  async forSending(snapshot: StoredSnapshot): Promise<StoredSnapshot> {
    const bytes = this.disk.snapshots.get(snapshot.path.slice(MEMORY_PREFIX.length));
    if (bytes === undefined) throw new Error(`snapshot: ${snapshot.path} no longer exists`);
    const file = path.join(scratch(), `sending-${this.label.replace(/[^A-Za-z0-9.-]/g, '_')}-${++scratchCount}.snap`);
    await fs.promises.writeFile(file, bytes, { mode: 0o600 });
    if (this.sending !== null) await fs.promises.unlink(this.sending).catch(() => {});
    this.sending = file;
    return { meta: snapshot.meta, path: file, bytes: bytes.length };
  }

  private keep(meta: SnapshotMeta, file: Buffer): StoredSnapshot {
    const name = snapshotFileName(meta.index);
    this.disk.snapshots.set(name, file);
    const snapshot = { meta, path: `${MEMORY_PREFIX}${name}`, bytes: file.length };
    if (this.current === null || meta.index >= this.current.meta.index) this.current = snapshot;
    return snapshot;
  }
}

async function headerOf(bytes: Uint8Array, name: string) {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = await readHeader(
    async (into, length, position) => buffer.copy(into, 0, position, position + length),
    name,
    buffer.length,
  );
  if (crc32(buffer.subarray(header.headerBytes)) >>> 0 !== header.bodyCrc) {
    throw new StorageCorruptError(`snapshot: body checksum mismatch in ${name}`);
  }
  return header;
}
