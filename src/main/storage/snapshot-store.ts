// The snapshot files of one node, in `<node folder>/snap/`: the newest valid one is where the log
// starts; one older is kept in case the newest turns out unreadable; incoming transfers are written
// here as temp files, so that adopting one is a rename within one file system.
//
// Trust: a snapshot replaces the WAL's prefix, so a corrupt newest one is dangerous to skip. It is
// skipped only when an older valid snapshot plus the log still cover every committed entry (the WAL
// starts at or before the older snapshot's index); otherwise the node refuses to start and the error
// names the file, as the WAL does for a corrupt segment.
import * as path from 'node:path';
import type { NodeId, SnapshotMeta } from '../../shared/raft/types';
import { errorCode, type FileOps, nodeFileOps } from './file-ops';
import { ioFailure } from './io-error';
import {
  parseSnapshotFileName,
  publishFile,
  SnapshotReader,
  snapshotFileName,
  writeSnapshotFile,
} from './snapshot-file';
import { StorageCorruptError } from './types';

export const SNAPSHOT_FOLDER = 'snap';
const TEMP_SUFFIX = '.tmp';

export interface StoredSnapshot {
  readonly meta: SnapshotMeta;
  /** Absolute path (a `memory:` name for the in-memory twin). */
  readonly path: string;
  /** The whole file's size. */
  readonly bytes: number;
}

/** A snapshot's body, read in bounded chunks; the iteration throws at its end if the body is corrupt. */
export interface SnapshotBody {
  readonly meta: SnapshotMeta;
  chunks(): AsyncIterable<Uint8Array>;
}

export interface SnapshotLoad {
  /** The snapshot the log starts after, or null when there is none and the log starts at 1. */
  readonly snapshot: StoredSnapshot | null;
  /** One line per corrupt file that was skipped because an older snapshot and the log cover it. */
  readonly skipped: readonly string[];
}

/** What the Ready loop and the snapshot transfer need; the disk store and its in-memory twin. */
export interface SnapshotStorage {
  /** The newest durable snapshot this store knows (after load or write), or null. */
  latest(): StoredSnapshot | null;
  /**
   * The newest valid snapshot. `logStartIndex` is where the WAL's log starts after (0 when it holds
   * the log from index 1): a corrupt newer snapshot may be skipped only if the WAL covers the gap.
   */
  load(logStartIndex: number): Promise<SnapshotLoad>;
  /** Writes a snapshot durably (temp, fsync, rename, fsync folder) and makes it the latest. */
  write(meta: SnapshotMeta, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<StoredSnapshot>;
  /** Where a transfer from `from` writes the snapshot `meta` (a temp file in the node's folder). */
  incomingPath(from: NodeId, meta: SnapshotMeta): string;
  /** Checks a received, fsynced file (header, CRC) and moves it into place as the latest. */
  adopt(receivedPath: string): Promise<StoredSnapshot>;
  /** Deletes a received file that will not be adopted. */
  discard(receivedPath: string): Promise<void>;
  /** Opens a stored snapshot for reading. */
  open(snapshotPath: string): Promise<SnapshotBody>;
  /** Deletes every snapshot but the latest and the one before it. */
  prune(): Promise<void>;
  /** A real file a transfer can read for `snapshot`: the file itself here, a private copy in memory. */
  forSending(snapshot: StoredSnapshot): Promise<StoredSnapshot>;
}

export class SnapshotStore implements SnapshotStorage {
  readonly folder: string;
  private current: StoredSnapshot | null = null;
  private incomingCount = 0;

  constructor(
    nodeDir: string,
    private readonly ops: FileOps = nodeFileOps,
  ) {
    this.folder = path.join(path.resolve(nodeDir), SNAPSHOT_FOLDER);
  }

  latest(): StoredSnapshot | null {
    return this.current;
  }

  async load(logStartIndex: number): Promise<SnapshotLoad> {
    await this.guard(this.ops.mkdir(this.folder), `creating ${this.folder}`);
    const names = await this.guard(this.ops.readdir(this.folder), `listing ${this.folder}`);
    // Temp files are half-written snapshots or transfers of an earlier life: never read, so dropped.
    for (const name of names) {
      if (name.endsWith(TEMP_SUFFIX)) await this.ops.unlink(path.join(this.folder, name)).catch(() => {});
    }
    const files = names
      .map((name) => ({ name, index: parseSnapshotFileName(name) }))
      .filter((file): file is { name: string; index: number } => file.index !== null)
      .sort((a, b) => b.index - a.index);
    const corrupt: { file: string; why: string }[] = [];
    for (const { name } of files) {
      const file = path.join(this.folder, name);
      let snapshot: StoredSnapshot;
      try {
        const reader = await SnapshotReader.open(file);
        await reader.verify();
        snapshot = { meta: reader.meta, path: file, bytes: reader.header.headerBytes + reader.header.bodyBytes };
      } catch (error) {
        if (!(error instanceof StorageCorruptError)) throw error;
        corrupt.push({ file, why: error.message });
        continue;
      }
      if (corrupt.length > 0 && snapshot.meta.index < logStartIndex) throw this.refuse(corrupt, logStartIndex);
      this.current = snapshot;
      return { snapshot, skipped: corrupt.map(describeSkip) };
    }
    if (logStartIndex > 0) {
      if (corrupt.length > 0) throw this.refuse(corrupt, logStartIndex);
      throw new StorageCorruptError(
        `snapshot: the log starts after index ${logStartIndex} but ${this.folder} holds no snapshot; ` +
          'refusing to start rather than lose the entries before it',
      );
    }
    this.current = null;
    return { snapshot: null, skipped: corrupt.map(describeSkip) };
  }

  async write(meta: SnapshotMeta, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<StoredSnapshot> {
    const finalPath = path.join(this.folder, snapshotFileName(meta.index));
    const bytes = await writeSnapshotFile(this.ops, `${finalPath}${TEMP_SUFFIX}`, finalPath, meta, body);
    const snapshot = { meta, path: finalPath, bytes };
    if (this.current === null || meta.index >= this.current.meta.index) this.current = snapshot;
    return snapshot;
  }

  incomingPath(from: NodeId, meta: SnapshotMeta): string {
    const safeFrom = from.replace(/[^A-Za-z0-9.-]/g, '_');
    this.incomingCount++;
    return path.join(this.folder, `incoming-${safeFrom}-${meta.index}-${this.incomingCount}${TEMP_SUFFIX}`);
  }

  async adopt(receivedPath: string): Promise<StoredSnapshot> {
    if (path.dirname(path.resolve(receivedPath)) !== this.folder) {
      throw new Error(`snapshot: ${receivedPath} is not in ${this.folder}; adopt only takes files from incomingPath()`);
    }
    const reader = await SnapshotReader.open(receivedPath);
    await reader.verify();
    const finalPath = path.join(this.folder, snapshotFileName(reader.meta.index));
    await publishFile(this.ops, receivedPath, finalPath);
    const snapshot = { meta: reader.meta, path: finalPath, bytes: reader.header.headerBytes + reader.header.bodyBytes };
    this.current = snapshot;
    return snapshot;
  }

  async discard(receivedPath: string): Promise<void> {
    await this.ops.unlink(receivedPath).catch((error: unknown) => {
      if (errorCode(error) !== 'ENOENT') throw ioFailure('snapshot', `deleting ${receivedPath}`, error, false);
    });
  }

  async open(snapshotPath: string): Promise<SnapshotBody> {
    const reader = await SnapshotReader.open(snapshotPath);
    return { meta: reader.meta, chunks: () => reader.chunks() };
  }

  async prune(): Promise<void> {
    const current = this.current;
    if (current === null) return;
    const names = await this.guard(this.ops.readdir(this.folder), `listing ${this.folder}`);
    const older = names
      .map(parseSnapshotFileName)
      .filter((index): index is number => index !== null && index !== current.meta.index)
      .sort((a, b) => b - a);
    // Keep the newest one older than the current (a fallback); anything newer than the current was
    // skipped as corrupt at load, and goes too.
    const keep = older.find((index) => index < current.meta.index);
    for (const index of older) {
      if (index === keep) continue;
      const file = path.join(this.folder, snapshotFileName(index));
      await this.ops.unlink(file).catch((error: unknown) => {
        if (errorCode(error) !== 'ENOENT') throw ioFailure('snapshot', `deleting ${file}`, error, false);
      });
    }
  }

  async forSending(snapshot: StoredSnapshot): Promise<StoredSnapshot> {
    return snapshot;
  }

  private refuse(corrupt: readonly { file: string; why: string }[], logStartIndex: number): StorageCorruptError {
    const newest = corrupt[0]!;
    return new StorageCorruptError(
      `snapshot: refusing to start: ${newest.file} is corrupt (${newest.why}) and no older valid snapshot ` +
        `with the log covers it (the log starts after index ${logStartIndex})`,
    );
  }

  private async guard<T>(work: Promise<T>, action: string): Promise<T> {
    try {
      return await work;
    } catch (error) {
      throw ioFailure('snapshot', action, error, false);
    }
  }
}

function describeSkip(corrupt: { file: string; why: string }): string {
  return `snapshot: skipped ${corrupt.file}: ${corrupt.why}; an older snapshot and the log cover it`;
}
