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
// Failures: a failed write is undone with ftruncate back to the last durable offset and the save
// rejects; if that undo fails, or any fsync fails (the kernel may already have dropped the dirty
// pages), the instance is failed and every later call rejects with the original error. The host
// then restarts the node from disk, where only durable data was ever acknowledged.
import * as path from 'node:path';
import { BOOTSTRAP_MEMBERSHIP, type HardState } from '../../shared/raft/types';
import { CallGate } from './call-gate';
import { prepareDataDir } from './data-dir';
import { type FileOps, fsyncFolder, nodeFileOps, writeFully } from './file-ops';
import { acquireFolderLock } from './folder-lock';
import { HARDSTATE_FILE, readHardStateFile, removeStrayTempFile, writeHardStateFile } from './hardstate-file';
import { ioFailure, StorageIoError } from './io-error';
import { planSave, type SaveOptions, type SaveUpdate, ZERO_HARD_STATE } from './save-plan';
import { DEFAULT_SEGMENT_MAX_BYTES, listSegments, segmentName } from './segments';
import { type LoadedState, type RaftStorage, StorageCorruptError } from './types';
import {
  encodeSaveRecord,
  encodeSegmentHeader,
  FRAME_HEADER_BYTES,
  MAX_PAYLOAD_BYTES,
  SEGMENT_HEADER_RECORD_BYTES,
  saveRecordBytes,
} from './wal-format';
import { CLEAN_RECOVERY, cutTornTail, recoverLog } from './wal-recovery';

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
    const lastIndex = log.entries.length;
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
    this.durable = { term: hardState.term, vote: hardState.vote, commit: Math.max(hardState.commit, log.walCommit) };
    this.lastIndex = lastIndex;
    this.loaded = true;
    return {
      hardState: { ...this.durable, commit: Math.min(this.durable.commit, lastIndex) },
      snapshot: { index: 0, term: 0, membership: BOOTSTRAP_MEMBERSHIP },
      entries: log.entries,
      recovery: log.torn?.report ?? CLEAN_RECOVERY,
    };
  }

  private async persist(update: SaveUpdate, inBackground: boolean, whileSyncing: () => void): Promise<void> {
    const plan = planSave(update, this.durable, this.lastIndex);
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
    const headerBytes = segment.bytes === 0 ? SEGMENT_HEADER_RECORD_BYTES : 0;
    const totalBytes = headerBytes + recordBytes;
    const buffer = this.encodeBuffer(totalBytes);
    const headerEnd = headerBytes > 0 ? encodeSegmentHeader(buffer, 0, segment.number) : 0;
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
