// The durable storage of one node: a write-ahead log plus a small hardstate file, in one folder:
//
//   <dir>/hardstate           term, vote, commit; replaced atomically (hardstate-file.ts)
//   <dir>/wal/00000001.wal    append-only segments of CRC-framed records (wal-format.ts)
//
// Why the split. The host persists one Ready per loop turn and a leader cannot acknowledge anything
// until that Ready is durable, so the hot path must cost exactly one write and one fdatasync. A
// Ready's entries, its truncate marker and its commit index are therefore encoded into ONE buffer
// and written as ONE record (group commit). Replacing the hardstate file atomically costs about
// four syncs (temp file, rename, folder), so it happens only when term or vote changes, which is
// once per election. A commit that merely advances rides in the WAL record instead. Recovery takes
// commit = max(hardstate.commit, highest WAL commit mark), never beyond the last recovered index.
//
// Ordering, when a save changes term or vote: the hardstate file first, then the WAL record. A
// crash in between leaves a new term or vote with an older log, which Raft allows; the reverse
// order could leave entries of a term the node does not durably know. The commit written into
// the hardstate file is the one the WAL had already made durable before this save, never the new
// one, so `hardstate.commit > last recovered index` can only mean the disk lost acknowledged
// entries, and load() refuses to start in that case instead of clamping.
//
// Compaction (issue 12): every segment starts with a base record (wal-format.ts), the log position
// it starts after. compact(i) deletes whole segments, oldest first, whose every entry is at or before
// i (a snapshot holds them), never the open one, and only up to a segment that has a base record, so
// the first segment left always says where the log starts. installSnapshot(meta) starts a new
// segment whose base record is a reset (the log now starts after meta.index), makes it durable, and
// only then deletes the older segments: a crash in between leaves segments the reset supersedes.
//
// Failures: a failed write is undone with ftruncate back to the last durable offset and the save
// rejects; if that undo fails, or any fsync fails (the kernel may already have dropped the dirty
// pages), the instance is failed and every later call rejects with the original error. The host
// then restarts the node from disk, where only durable data was ever acknowledged.
import * as path from 'node:path';
import type { HardState } from '../../shared/raft/types';
import { CallGate } from './call-gate';
import { prepareDataDir } from './data-dir';
import { errorCode, type FileOps, fsyncFolder, nodeFileOps, writeFully } from './file-ops';
import { acquireFolderLock } from './folder-lock';
import { HARDSTATE_FILE, readHardStateFile, removeStrayTempFile, writeHardStateFile } from './hardstate-file';
import { ioFailure, StorageIoError } from './io-error';
import { planSave, type SaveOptions, type SaveUpdate, ZERO_HARD_STATE } from './save-plan';
import { DEFAULT_SEGMENT_MAX_BYTES, listSegments, segmentName } from './segments';
import { type LoadedState, type LogPosition, type RaftStorage, StorageCorruptError } from './types';
import {
  BASE_RECORD_BYTES,
  checkFrame,
  decodeRecord,
  encodeBaseRecord,
  encodeSaveRecord,
  encodeSegmentHeader,
  FRAME_HEADER_BYTES,
  MAX_PAYLOAD_BYTES,
  SEGMENT_HEADER_RECORD_BYTES,
  saveRecordBytes,
} from './wal-format';
import { CLEAN_RECOVERY, cutTornTail, recoverLog, type SegmentSpan } from './wal-recovery';

export const WAL_FOLDER = 'wal';

/** Saves up to this size reuse one encode buffer; a rare bigger one gets its own, not kept. */
const SCRATCH_MAX_BYTES = 1024 * 1024;

export interface WalStorageOptions {
  /** A segment is closed and the next one started when a record would take it past this size. */
  readonly segmentMaxBytes?: number;
  /** The file-system calls; tests inject failures here. */
  readonly fileOps?: FileOps;
}

interface OpenSegment {
  readonly number: number;
  readonly name: string;
  readonly fd: number;
  /** Durable length: everything before it has been fdatasync'ed. */
  bytes: number;
  /** A new file's folder entry is durable only once the folder itself is fsync'ed. */
  folderSyncPending: boolean;
}

export class WalStorage implements RaftStorage {
  readonly dir: string;
  private readonly walDir: string;
  private readonly ops: FileOps;
  private readonly segmentMaxBytes: number;
  private readonly gate = new CallGate('wal');
  private loaded = false;
  /** Term and vote as in the hardstate file; commit as the highest durable commit anywhere. */
  private durable: HardState = ZERO_HARD_STATE;
  private lastIndex = 0;
  /** The term of the entry at lastIndex (the base's term when the log after the base is empty). */
  private lastTerm = 0;
  /** Where the log starts: entries at or before it are in a snapshot. */
  private base: LogPosition = { index: 0, term: 0 };
  /** Every segment on disk, oldest first, the open one last. */
  private spans: SegmentSpan[] = [];
  private segment: OpenSegment | null = null;
  private scratch: Buffer = Buffer.alloc(0);
  /** Releases the folder lock (folder-lock.ts); set from the first load until close. */
  private unlock: (() => void) | null = null;

  /** Creates `dir` when missing; throws at once when it cannot be created or written. */
  constructor(dir: string, options: WalStorageOptions = {}) {
    const segmentMaxBytes = options.segmentMaxBytes ?? DEFAULT_SEGMENT_MAX_BYTES;
    if (!Number.isSafeInteger(segmentMaxBytes) || segmentMaxBytes < 1024) {
      throw new RangeError(`wal: segmentMaxBytes must be an integer of at least 1024, got ${segmentMaxBytes}`);
    }
    this.dir = prepareDataDir(dir);
    this.walDir = path.join(this.dir, WAL_FOLDER);
    this.ops = options.fileOps ?? nodeFileOps;
    this.segmentMaxBytes = segmentMaxBytes;
  }

  load(): Promise<LoadedState> {
    return this.gate.run('load', () => this.recover());
  }

  save(update: SaveUpdate, options: SaveOptions = {}): Promise<void> {
    return this.gate.run('save', async () => {
      if (!this.loaded) await this.recover();
      let notified = false;
      const whileSyncing = () => {
        if (notified) return;
        notified = true;
        options.whileSyncing?.();
      };
      await this.persist(update, options.inBackground === true, whileSyncing);
      // A save with nothing to sync (no entries, no new commit) still keeps the promise.
      whileSyncing();
    });
  }

  close(): Promise<void> {
    return this.gate.close(async () => {
      try {
        await this.closeSegment();
      } finally {
        this.unlock?.();
        this.unlock = null;
      }
    });
  }

  compact(throughIndex: number): Promise<number> {
    // Alongside a save: it deletes only closed segments, which no save writes, and the spans it
    // drops are never the last (the open segment's), which a save updates.
    return this.gate.runAlongside('compact', async () => {
      if (!this.loaded) throw new Error('wal: compact() before load()');
      if (!Number.isSafeInteger(throughIndex) || throughIndex < 0) {
        throw new RangeError(`wal: compact(${throughIndex}): not a log index`);
      }
      let count = 0;
      // Oldest first, never the open segment, and only while the next one can start the log.
      const spans = this.spans;
      while (spans.length > 1 && this.spans === spans) {
        const [oldest, next] = [spans[0]!, spans[1]!];
        if (oldest.maxIndex > throughIndex || !next.hasBase) break;
        await this.deleteSegment(oldest.segment);
        if (this.spans !== spans) break; // installSnapshot replaced the log meanwhile
        spans.shift();
        count++;
      }
      if (count > 0 && this.spans === spans) {
        const first = spans[0]!;
        await this.syncOrFail(fsyncFolder(this.ops, this.walDir), `syncing the folder ${this.walDir}`);
        // The first segment left starts the log after its base, which recover() reads back.
        const base = await this.readBase(first.segment);
        if (this.spans === spans) this.base = base;
      }
      return count;
    });
  }

  installSnapshot(snapshot: LogPosition): Promise<void> {
    return this.gate.run('installSnapshot', async () => {
      if (!this.loaded) await this.recover();
      if (!Number.isSafeInteger(snapshot.index) || snapshot.index < 1 || !Number.isSafeInteger(snapshot.term)) {
        throw new RangeError(
          `wal: installSnapshot at index ${snapshot.index} term ${snapshot.term}: not a log position`,
        );
      }
      // A new segment holding only its header and the reset: durable before anything is deleted.
      const current = this.segment;
      const number = current ? current.number + 1 : (this.spans.at(-1)?.segment ?? 0) + 1;
      const name = segmentName(number);
      const fd = await this.guard(this.ops.openNew(path.join(this.walDir, name)), `creating ${name}`);
      if (current) await this.ops.close(current.fd).catch(() => {});
      this.segment = { number, name, fd, bytes: 0, folderSyncPending: true };
      const buffer = Buffer.alloc(SEGMENT_HEADER_RECORD_BYTES + BASE_RECORD_BYTES);
      const end = encodeBaseRecord(buffer, encodeSegmentHeader(buffer, 0, number), snapshot.index, snapshot.term, true);
      try {
        await writeFully(this.ops, fd, buffer, end, 0);
      } catch (error) {
        // A reset that never became durable must not be found later: fail the instance.
        const failure = ioFailure('wal', `writing ${name}`, error, true);
        this.gate.fail(failure);
        throw failure;
      }
      await this.syncOrFail(this.ops.fdatasync(fd), `syncing ${name}`);
      await this.syncOrFail(fsyncFolder(this.ops, this.walDir), `syncing the folder ${this.walDir}`);
      this.segment.bytes = end;
      this.segment.folderSyncPending = false;
      const older = this.spans;
      this.spans = [{ segment: number, maxIndex: snapshot.index, hasBase: true }];
      this.base = { index: snapshot.index, term: snapshot.term };
      this.lastIndex = snapshot.index;
      this.lastTerm = snapshot.term;
      if (snapshot.index > this.durable.commit) this.durable = { ...this.durable, commit: snapshot.index };
      // Superseded by the reset: what is left of them after a crash is ignored by replay.
      for (const span of older) await this.deleteSegment(span.segment);
      if (older.length > 0)
        await this.syncOrFail(fsyncFolder(this.ops, this.walDir), `syncing the folder ${this.walDir}`);
    });
  }

  /** Where the log starts now: the base of the first segment, or (0, 0). */
  get logStart(): LogPosition {
    return this.base;
  }

  private async deleteSegment(segment: number): Promise<void> {
    const file = path.join(this.walDir, segmentName(segment));
    try {
      await this.ops.unlink(file);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw ioFailure('wal', `deleting ${segmentName(segment)}`, error, false);
    }
  }

  /** The base record of a segment on disk (its second record). */
  private async readBase(segment: number): Promise<LogPosition> {
    const name = segmentName(segment);
    const buffer = await this.guard(this.ops.readFile(path.join(this.walDir, name)), `reading ${name}`);
    const header = checkFrame(buffer, 0);
    const base = header.ok ? checkFrame(buffer, header.end) : header;
    if (!header.ok || !base.ok) throw new StorageCorruptError(`wal: ${name} has no readable base record`);
    const record = decodeRecord(buffer, header.end, base.end);
    if (record.kind !== 'base') throw new StorageCorruptError(`wal: ${name} does not start with a base record`);
    return { index: record.index, term: record.term };
  }

  private async recover(): Promise<LoadedState> {
    const { ops } = this;
    // Before reading anything: another process's write in progress would look like a torn tail.
    this.unlock ??= await acquireFolderLock(this.dir);
    await this.closeSegment();
    this.loaded = false;
    await removeStrayTempFile(ops, this.dir);
    await this.guard(ops.mkdir(this.walDir), `creating ${this.walDir}`);
    let hardState = await readHardStateFile(ops, this.dir);
    if (hardState === null) {
      if ((await listSegments(ops, this.walDir)).length > 0) {
        throw new StorageCorruptError(
          `hardstate: ${path.join(this.dir, HARDSTATE_FILE)} is missing but ${this.walDir} holds segments; ` +
            'refusing to start without the durable term and vote',
        );
      }
      // A fresh folder. The hardstate file is made before any segment, so that from now on segments
      // without it mean a lost file, not a new node. Its folder fsync also makes wal/ durable.
      await writeHardStateFile(ops, this.dir, ZERO_HARD_STATE);
      hardState = ZERO_HARD_STATE;
    }
    const log = await recoverLog(ops, this.walDir);
    const lastIndex = log.base.index + log.entries.length;
    if (hardState.commit > lastIndex) {
      throw new StorageCorruptError(
        `wal: ${path.join(this.dir, HARDSTATE_FILE)} says entries up to ${hardState.commit} are committed and durable, ` +
          `but ${this.walDir} holds entries only up to ${lastIndex}${log.torn ? ` (${log.torn.report.message})` : ''}; ` +
          'refusing to start rather than forget acknowledged entries',
      );
    }
    if (log.torn) await cutTornTail(ops, log.torn);
    if (log.tail) {
      const name = segmentName(log.tail.segment);
      const fd = await this.guard(ops.openReadWrite(path.join(this.walDir, name)), `opening ${name}`);
      this.segment = { number: log.tail.segment, name, fd, bytes: log.tail.bytes, folderSyncPending: false };
    }
    // Entries at or before the base are in a snapshot, so committed, whatever the marks say.
    const commit = Math.max(hardState.commit, log.walCommit, log.base.index);
    this.durable = { term: hardState.term, vote: hardState.vote, commit };
    this.lastIndex = lastIndex;
    this.lastTerm = log.entries.at(-1)?.term ?? log.base.term;
    this.base = log.base;
    this.spans = log.spans;
    this.loaded = true;
    return {
      hardState: { ...this.durable, commit: Math.min(this.durable.commit, lastIndex) },
      snapshot: log.base,
      entries: log.entries,
      recovery: log.torn?.report ?? CLEAN_RECOVERY,
    };
  }

  private async persist(update: SaveUpdate, inBackground: boolean, whileSyncing: () => void): Promise<void> {
    const plan = planSave(update, this.durable, this.lastIndex, this.base.index);
    if (plan.termVote) {
      const next = { ...plan.termVote, commit: Math.min(this.durable.commit, this.lastIndex) };
      try {
        await writeHardStateFile(this.ops, this.dir, next);
      } catch (error) {
        if (error instanceof StorageIoError && error.fatal) this.gate.fail(error);
        throw error;
      }
      this.durable = { ...this.durable, ...plan.termVote };
    }
    if (update.entries.length > 0 || plan.commit !== null) {
      await this.append(update, plan.truncate, plan.commit, inBackground, whileSyncing);
    }
    this.lastIndex = plan.lastIndexAfter;
    const last = update.entries.at(-1);
    if (last !== undefined) this.lastTerm = last.term;
    if (plan.commit !== null) this.durable = { ...this.durable, commit: plan.commit };
  }

  /** One record, one write, one fdatasync (plus a folder fsync for a segment's first record). */
  private async append(
    update: SaveUpdate,
    truncate: boolean,
    commit: number | null,
    inBackground: boolean,
    whileSyncing: () => void,
  ): Promise<void> {
    const recordBytes = saveRecordBytes(update.entries, commit !== null);
    if (recordBytes - FRAME_HEADER_BYTES > MAX_PAYLOAD_BYTES) {
      throw new RangeError(`wal: a save of ${recordBytes} bytes exceeds the ${MAX_PAYLOAD_BYTES}-byte record limit`);
    }
    const segment = await this.segmentFor(recordBytes);
    const headerBytes = segment.bytes === 0 ? SEGMENT_HEADER_RECORD_BYTES + BASE_RECORD_BYTES : 0;
    const totalBytes = headerBytes + recordBytes;
    const buffer = this.encodeBuffer(totalBytes);
    const headerEnd = headerBytes > 0 ? this.encodeSegmentStart(buffer, segment.number, false) : 0;
    encodeSaveRecord(buffer, headerEnd, update.entries, truncate, commit);

    try {
      await writeFully(this.ops, segment.fd, buffer, totalBytes, segment.bytes);
    } catch (error) {
      const undone = await this.ops.ftruncate(segment.fd, segment.bytes).then(
        () => true,
        () => false,
      );
      const failure = ioFailure('wal', `writing ${segment.name}`, error, !undone);
      if (!undone) this.gate.fail(failure);
      throw failure;
    }
    await this.syncOrFail(this.startSync(segment.fd, inBackground, whileSyncing), `syncing ${segment.name}`);
    if (segment.folderSyncPending) {
      await this.syncOrFail(fsyncFolder(this.ops, this.walDir), `syncing the folder ${this.walDir}`);
      segment.folderSyncPending = false;
    }
    segment.bytes += totalBytes;
    const lastWritten = update.entries.at(-1)?.index ?? 0;
    const span = this.spans.at(-1);
    if (span && lastWritten > span.maxIndex) span.maxIndex = lastWritten;
  }

  /** A new segment's first two records: its header, and its base (the log's last entry now). */
  private encodeSegmentStart(buffer: Buffer, segment: number, reset: boolean): number {
    const end = encodeSegmentHeader(buffer, 0, segment);
    return encodeBaseRecord(buffer, end, this.lastIndex, this.lastTerm, reset);
  }

  /** The segment the next record goes to, rotating when it would grow past segmentMaxBytes. */
  private async segmentFor(recordBytes: number): Promise<OpenSegment> {
    const current = this.segment;
    if (current && (current.bytes === 0 || current.bytes + recordBytes <= this.segmentMaxBytes)) return current;
    const number = current ? current.number + 1 : 1;
    const name = segmentName(number);
    const fd = await this.guard(this.ops.openNew(path.join(this.walDir, name)), `creating ${name}`);
    // Everything in the old segment is already durable, so a failing close loses nothing.
    if (current) await this.ops.close(current.fd).catch(() => {});
    this.segment = { number, name, fd, bytes: 0, folderSyncPending: true };
    this.spans.push({ segment: number, maxIndex: this.lastIndex, hasBase: true });
    return this.segment;
  }

  private encodeBuffer(bytes: number): Buffer {
    if (bytes > SCRATCH_MAX_BYTES) return Buffer.allocUnsafe(bytes);
    if (this.scratch.length < bytes) this.scratch = Buffer.allocUnsafe(Math.min(SCRATCH_MAX_BYTES, bytes * 2));
    return this.scratch;
  }

  /** Starts the record's fdatasync and calls `whileSyncing` once it runs (or just before, if it blocks). */
  private startSync(fd: number, inBackground: boolean, whileSyncing: () => void): Promise<void> {
    const ops = this.ops;
    if (ops.fdatasyncInBackground === undefined || inBackground) {
      // Never blocks here: the sync is running by the time whileSyncing() does its work.
      const syncing = ops.fdatasyncInBackground ? ops.fdatasyncInBackground(fd) : ops.fdatasync(fd);
      whileSyncing();
      return syncing;
    }
    whileSyncing();
    return ops.fdatasync(fd);
  }

  private async syncOrFail(sync: Promise<void>, action: string): Promise<void> {
    try {
      await sync;
    } catch (error) {
      const failure = ioFailure('wal', action, error, true);
      this.gate.fail(failure);
      throw failure;
    }
  }

  private async guard<T>(work: Promise<T>, action: string): Promise<T> {
    try {
      return await work;
    } catch (error) {
      throw ioFailure('wal', action, error, false);
    }
  }

  private async closeSegment(): Promise<void> {
    const segment = this.segment;
    if (!segment) return;
    this.segment = null;
    await this.guard(this.ops.close(segment.fd), `closing ${segment.name}`);
  }
}
