// The in-memory twin of the WAL: the same rules (save-plan.ts, call-gate.ts), no I/O. Its "disk" is a
// MemoryDisk that outlives the storage instance, so a test crashes a node by dropping the instance
// and opening a new one on the same disk, and `--in-memory` nodes keep their votes across a restart
// in the dashboard (forgetting a vote would let a node vote twice in one term).
import { BOOTSTRAP_MEMBERSHIP, type Entry, type HardState } from '../../shared/raft/types';
import { CallGate } from './call-gate';
import { planSave, type SaveOptions, type SaveUpdate, ZERO_HARD_STATE } from './save-plan';
import type { LoadedState, RaftStorage } from './types';

/** What survives a crash: exactly what completed save() calls handed over. */
export class MemoryDisk {
  hardState: HardState = ZERO_HARD_STATE;
  /** entries[i] has index i + 1. */
  readonly entries: Entry[] = [];
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

  constructor(private readonly disk: MemoryDisk = new MemoryDisk()) {}

  load(): Promise<LoadedState> {
    return this.gate.run('load', async () => {
      const { hardState, entries } = this.disk;
      return {
        hardState: { ...hardState, commit: Math.min(hardState.commit, entries.length) },
        snapshot: { index: 0, term: 0, membership: BOOTSTRAP_MEMBERSHIP },
        entries: entries.map(copyEntry),
        recovery: { truncatedBytes: 0, truncatedRecords: 0, message: null },
      };
    });
  }

  save(update: SaveUpdate, options: SaveOptions = {}): Promise<void> {
    return this.gate.run('save', async () => {
      const disk = this.disk;
      const plan = planSave(update, disk.hardState, disk.entries.length);
      // Memory has no sync to overlap: what the host does meanwhile may as well happen now.
      options.whileSyncing?.();
      // Yield once, as a real write would, so that an overlapping call is caught by the gate.
      await Promise.resolve();
      if (update.entries.length > 0) {
        disk.entries.length = update.entries[0]!.index - 1;
        for (const entry of update.entries) disk.entries.push(copyEntry(entry));
      }
      disk.hardState = {
        term: plan.termVote?.term ?? disk.hardState.term,
        vote: plan.termVote?.vote ?? disk.hardState.vote,
        commit: plan.commit ?? disk.hardState.commit,
      };
    });
  }

  close(): Promise<void> {
    return this.gate.close(async () => {});
  }
}
