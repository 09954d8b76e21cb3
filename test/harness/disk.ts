// A node's durable storage in the simulation. It changes only when the harness carries out a
// Ready's persist step, takes a snapshot or installs one, and it survives crashes; everything else
// a node holds is lost with it. A snapshot is the state machine as of its index (a copy of the
// simulated KV, which also lists the entries applied, so checks can compare replicas); the log
// holds only the entries after it, as the WAL does once compacted.
import {
  BOOTSTRAP_MEMBERSHIP,
  type Entry,
  type HardState,
  type InitialState,
  type SnapshotMeta,
} from '../../src/shared/raft/types';
import type { KvStateMachine } from './kv';

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: '', commit: 0 };

export const NO_SNAPSHOT: SnapshotMeta = { index: 0, term: 0, membership: BOOTSTRAP_MEMBERSHIP };

export interface DiskSnapshot {
  readonly meta: SnapshotMeta;
  /** The state machine at meta.index. Never mutated: whoever restores from it clones it. */
  readonly state: KvStateMachine;
}

/** Snapshots kept: the newest and one older, as SnapshotStore.prune() keeps, so a transfer in flight can finish. */
const SNAPSHOTS_KEPT = 2;

export class MemoryDisk {
  private hard: HardState = EMPTY_HARD_STATE;
  // Index i lives at position i - base - 1: the log starts after the snapshot point.
  private log: Entry[] = [];
  private snapshots: DiskSnapshot[] = [];

  get hardState(): HardState {
    return this.hard;
  }

  /** The newest snapshot's meta ({0, 0} before any). */
  get snapshotMeta(): SnapshotMeta {
    return this.snapshots[this.snapshots.length - 1]?.meta ?? NO_SNAPSHOT;
  }

  get snapshot(): DiskSnapshot | null {
    return this.snapshots[this.snapshots.length - 1] ?? null;
  }

  /** The snapshot at `index`, if this disk still holds it. */
  snapshotAt(index: number): DiskSnapshot | null {
    return this.snapshots.find((s) => s.meta.index === index) ?? null;
  }

  private get base(): number {
    return this.snapshotMeta.index;
  }

  /** The entries after the snapshot point. */
  get entries(): readonly Entry[] {
    return this.log;
  }

  /** The first index the log holds (snapshot index + 1). */
  get firstIndex(): number {
    return this.base + 1;
  }

  get lastIndex(): number {
    return this.base + this.log.length;
  }

  get lastTerm(): number {
    return this.termAt(this.lastIndex);
  }

  /** The term of the entry at `index`: the snapshot's at its index, 0 if the disk holds none. */
  termAt(index: number): number {
    if (index === this.base) return this.snapshotMeta.term;
    return index > this.base ? (this.log[index - this.base - 1]?.term ?? 0) : 0;
  }

  /** Writes what a Ready asks: the hard state, then `entries` replacing the log from entries[0].index. */
  persist(hardState: HardState | null, entries: readonly Entry[]): void {
    if (entries.length > 0) this.writeEntries(entries);
    if (hardState !== null) this.writeHardState(hardState);
  }

  /** The host took a snapshot at meta.index: it is durable, and the log before it goes (WAL compaction). */
  compact(meta: SnapshotMeta, state: KvStateMachine): void {
    if (meta.index <= this.base) throw new Error(`disk: snapshot ${meta.index} is not past ${this.base}`);
    if (meta.index > this.lastIndex || this.termAt(meta.index) !== meta.term) {
      throw new Error(`disk: snapshot ${meta.index}@${meta.term} is not in the log`);
    }
    this.log = this.log.slice(meta.index - this.base);
    this.keep({ meta, state });
  }

  /** A received snapshot replaces the whole log (Ready.snapshot). */
  install(meta: SnapshotMeta, state: KvStateMachine): void {
    this.log = [];
    this.keep({ meta, state });
    if (this.hard.commit < meta.index) this.hard = { ...this.hard, commit: meta.index };
  }

  private keep(snapshot: DiskSnapshot): void {
    this.snapshots.push(snapshot);
    if (this.snapshots.length > SNAPSHOTS_KEPT) this.snapshots.shift();
  }

  /** What the host hands a restarted core: the snapshot, the log after it, and a state machine restored from it. */
  load(): InitialState {
    const meta = this.snapshotMeta;
    return { hardState: this.hard, snapshot: meta, entries: [...this.log], applied: meta.index };
  }

  private writeEntries(entries: readonly Entry[]): void {
    const first = entries[0]!.index;
    if (first <= this.base || first > this.lastIndex + 1) {
      throw new Error(`disk: entries start at ${first} but the log holds ${this.firstIndex}..${this.lastIndex}`);
    }
    entries.forEach((entry, offset) => {
      if (entry.index !== first + offset) {
        throw new Error(`disk: entry ${entry.index} out of order, expected ${first + offset}`);
      }
    });
    this.log.length = first - this.base - 1;
    this.log.push(...entries);
  }

  private writeHardState(next: HardState): void {
    if (next.term < this.hard.term) {
      throw new Error(`disk: hard state term would go back from ${this.hard.term} to ${next.term}`);
    }
    if (next.term === this.hard.term && this.hard.vote !== '' && next.vote !== this.hard.vote) {
      throw new Error(`disk: vote in term ${next.term} would change from ${this.hard.vote} to '${next.vote}'`);
    }
    if (next.commit < this.hard.commit) {
      throw new Error(`disk: commit would go back from ${this.hard.commit} to ${next.commit}`);
    }
    this.hard = next;
  }
}
