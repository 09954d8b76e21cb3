// The in-memory twin of the WAL: the same rules (save-plan.ts, call-gate.ts), no I/O. Its "disk" is a
// MemoryDisk that outlives the storage instance, so a test crashes a node by dropping the instance
// and opening a new one on the same disk, and `--in-memory` nodes keep their votes across a restart
// in the dashboard (forgetting a vote would let a node vote twice in one term).
import type { Entry, HardState } from '../../shared/raft/types';
import { CallGate } from './call-gate';
import { planSave, type SaveOptions, type SaveUpdate, ZERO_HARD_STATE } from './save-plan';
import type { LoadedState, LogPosition, RaftStorage } from './types';

/** What survives a crash: exactly what completed calls handed over. */
export class MemoryDisk {
  hardState: HardState = ZERO_HARD_STATE;
  /** Where the log starts: entries at or before it were compacted or replaced by a snapshot. */
  base: LogPosition = { index: 0, term: 0 };
  /** entries[i] has index base.index + 1 + i. */
  entries: Entry[] = [];
  /** The in-memory snapshot files of this node (snapshot-memory.ts), by name. */
  readonly snapshots = new Map<string, Uint8Array>();

  get lastIndex(): number {
    return this.base.index + this.entries.length;
  }
}

/** One MemoryDisk per data folder, for the life of the process. */
export class MemoryVolume {
  private readonly disks = new Map<string, MemoryDisk>();

  disk(dir: string): MemoryDisk {
    let disk = this.disks.get(dir);
    if (!disk) {
      disk = new MemoryDisk();
      this.disks.set(dir, disk);
    }
    return disk;
  }
}

function copyEntry(entry: Entry): Entry {
  return { index: entry.index, term: entry.term, type: entry.type, data: entry.data.slice() };
}

export class MemoryStorage implements RaftStorage {
  private readonly gate = new CallGate('memory storage');

  constructor(readonly disk: MemoryDisk = new MemoryDisk()) {}

  load(): Promise<LoadedState> {
    return this.gate.run('load', async () => {
      const { hardState, entries, base } = this.disk;
      const commit = Math.max(hardState.commit, base.index);
      return {
        hardState: { ...hardState, commit: Math.min(commit, this.disk.lastIndex) },
        snapshot: { ...base },
        entries: entries.map(copyEntry),
        recovery: { truncatedBytes: 0, truncatedRecords: 0, message: null },
      };
    });
  }

  save(update: SaveUpdate, options: SaveOptions = {}): Promise<void> {
    return this.gate.run('save', async () => {
      const disk = this.disk;
      const plan = planSave(update, disk.hardState, disk.lastIndex, disk.base.index);
      // Memory has no sync to overlap: what the host does meanwhile may as well happen now.
      options.whileSyncing?.();
      // Yield once, as a real write would, so that an overlapping call is caught by the gate.
      await Promise.resolve();
      if (update.entries.length > 0) {
        disk.entries.length = update.entries[0]!.index - disk.base.index - 1;
        for (const entry of update.entries) disk.entries.push(copyEntry(entry));
      }
      disk.hardState = {
        term: plan.termVote?.term ?? disk.hardState.term,
        vote: plan.termVote?.vote ?? disk.hardState.vote,
        commit: plan.commit ?? disk.hardState.commit,
      };
    });
  }

  /** Memory has no segments: drops exactly the entries at or before `throughIndex`. */
  compact(throughIndex: number): Promise<number> {
    return this.gate.runAlongside('compact', async () => {
      if (!Number.isSafeInteger(throughIndex) || throughIndex < 0) {
        throw new RangeError(`memory storage: compact(${throughIndex}): not a log index`);
      }
      const disk = this.disk;
      const drop = Math.min(throughIndex, disk.lastIndex) - disk.base.index;
      if (drop <= 0) return 0;
      const last = disk.entries[drop - 1]!;
      disk.entries = disk.entries.slice(drop);
      disk.base = { index: last.index, term: last.term };
      return drop;
    });
  }

  installSnapshot(snapshot: LogPosition): Promise<void> {
    return this.gate.run('installSnapshot', async () => {
      if (!Number.isSafeInteger(snapshot.index) || snapshot.index < 1 || !Number.isSafeInteger(snapshot.term)) {
        throw new RangeError(
          `memory storage: installSnapshot at index ${snapshot.index} term ${snapshot.term}: not a log position`,
        );
      }
      await Promise.resolve();
      const disk = this.disk;
      disk.base = { index: snapshot.index, term: snapshot.term };
      disk.entries = [];
      if (snapshot.index > disk.hardState.commit) disk.hardState = { ...disk.hardState, commit: snapshot.index };
    });
  }

  close(): Promise<void> {
    return this.gate.close(async () => {});
  }
}
