// A node's durable storage in the simulation. It changes only when the harness carries out a
// Ready's persist step, and it survives crashes; everything else a node holds is lost with it.
import { BOOTSTRAP_MEMBERSHIP, type Entry, type HardState, type InitialState } from '../../src/shared/raft/types';

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: '', commit: 0 };

export class MemoryDisk {
  private hard: HardState = EMPTY_HARD_STATE;
  // Index i lives at position i - 1: the log starts after the {0, 0} snapshot point.
  private log: Entry[] = [];

  get hardState(): HardState {
    return this.hard;
  }

  get entries(): readonly Entry[] {
    return this.log;
  }

  get lastIndex(): number {
    return this.log.length;
  }

  get lastTerm(): number {
    return this.termAt(this.log.length);
  }

  /** The term of the entry at `index`, 0 if the disk holds none. */
  termAt(index: number): number {
    return index >= 1 ? (this.log[index - 1]?.term ?? 0) : 0;
  }

  /** Writes what a Ready asks: the hard state, then `entries` replacing the log from entries[0].index. */
  persist(hardState: HardState | null, entries: readonly Entry[]): void {
    if (entries.length > 0) this.writeEntries(entries);
    if (hardState !== null) this.writeHardState(hardState);
  }

  /** What the host hands a restarted core: all of the disk, and a state machine rebuilt from nothing. */
  load(): InitialState {
    return {
      hardState: this.hard,
      snapshot: { index: 0, term: 0, membership: BOOTSTRAP_MEMBERSHIP },
      entries: [...this.log],
      applied: 0,
    };
  }

  private writeEntries(entries: readonly Entry[]): void {
    const first = entries[0]!.index;
    if (first < 1 || first > this.log.length + 1) {
      throw new Error(`disk: entries start at ${first} but the log ends at ${this.log.length}; that leaves a gap`);
    }
    entries.forEach((entry, offset) => {
      if (entry.index !== first + offset) {
        throw new Error(`disk: entry ${entry.index} out of order, expected ${first + offset}`);
      }
    });
    this.log.length = first - 1;
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
