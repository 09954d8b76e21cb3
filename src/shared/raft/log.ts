// The Raft log as the core sees it: every entry after the snapshot point, in memory, plus the two
// frontiers that tie it to the host's disk (what was handed out, what was confirmed durable) and the
// two that tie it to the state machine (committed, applied).
//
// Invariants (asserted):
//   snapshot.index <= applied <= committed <= lastIndex
//   persistedIndex < unstableFrom <= lastIndex + 1
// `snapshot` here is where the in-memory log starts: compaction (compactTo) moves it forward but
// keeps a margin of entries behind the host's snapshot for slow followers; an installed snapshot
// (restore) replaces the whole log.
// Entries before `unstableFrom` have been handed to the host; entries up to `persistedIndex` are known
// to be on its disk and identical to what is in memory.
import { InvariantError } from './errors';
import type { Entry, SnapshotMeta } from './types';

/** Where the log starts: the index and term of the last entry compacted away (or 0, 0). */
export type LogStart = Pick<SnapshotMeta, 'index' | 'term'>;

export class RaftLog {
  private snapshot: LogStart;
  /** entries[i] has index snapshot.index + 1 + i. Never copied as a whole. */
  private readonly log: Entry[];
  private unstableFrom: number;
  private persisted: number;
  private committedIndex: number;
  private appliedIndex: number;

  constructor(snapshot: LogStart, entries: readonly Entry[], committed: number, applied: number) {
    this.snapshot = { index: snapshot.index, term: snapshot.term };
    this.log = [];
    let expected = snapshot.index + 1;
    let previousTerm = snapshot.term;
    for (const entry of entries) {
      if (entry.index !== expected) {
        throw new RangeError(`log: entry ${entry.index} found where ${expected} was expected (gap or disorder)`);
      }
      if (entry.term < previousTerm) {
        throw new RangeError(`log: entry ${entry.index} has term ${entry.term} below the previous ${previousTerm}`);
      }
      this.log.push(entry);
      previousTerm = entry.term;
      expected++;
    }
    // Everything the host loaded is already on its disk.
    this.unstableFrom = this.lastIndex() + 1;
    this.persisted = this.lastIndex();
    if (committed > this.lastIndex()) {
      throw new RangeError(`log: commit ${committed} is beyond the last stored index ${this.lastIndex()}`);
    }
    this.committedIndex = Math.max(committed, snapshot.index);
    if (applied > this.committedIndex) {
      throw new RangeError(`log: applied ${applied} is beyond commit ${this.committedIndex}`);
    }
    this.appliedIndex = Math.max(applied, snapshot.index);
  }

  get committed(): number {
    return this.committedIndex;
  }

  get applied(): number {
    return this.appliedIndex;
  }

  /** The highest index known to be durable on the host's disk and equal to the in-memory entry. */
  get persistedIndex(): number {
    return this.persisted;
  }

  firstIndex(): number {
    return this.snapshot.index + 1;
  }

  /** The index and term of the last entry dropped from memory (0, 0 before any). */
  get start(): LogStart {
    return this.snapshot;
  }

  lastIndex(): number {
    return this.snapshot.index + this.log.length;
  }

  lastTerm(): number {
    const last = this.log[this.log.length - 1];
    return last === undefined ? this.snapshot.term : last.term;
  }

  /** The term of entry `index`, or undefined when the log does not hold it (compacted or beyond the end). */
  term(index: number): number | undefined {
    if (index === this.snapshot.index) return this.snapshot.term;
    return this.log[index - this.snapshot.index - 1]?.term;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  entry(index: number): Entry | undefined {
    return this.log[index - this.snapshot.index - 1];
  }

  /** §5.4.1: a candidate's log is at least as up to date as ours if its last term is higher, or equal with an index at least ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /**
   * The first index of the run of entries with term `term` that ends at or before `atOrBefore`.
   * Terms never decrease along a log, so a binary search finds it in O(log n).
   */
  firstIndexOfTerm(term: number, atOrBefore: number): number {
    let lo = this.firstIndex();
    let hi = Math.min(atOrBefore, this.lastIndex());
    // Find the smallest index in [lo, hi] whose term is >= term.
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.term(mid) ?? 0) < term) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The last index holding `term`, or 0 when the log has no entry of that term. O(log n). */
  lastIndexOfTerm(term: number): number {
    let lo = this.snapshot.index;
    let hi = this.lastIndex();
    // Find the largest index in [lo, hi] whose term is <= term.
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.term(mid) ?? 0) <= term) lo = mid;
      else hi = mid - 1;
    }
    return this.term(lo) === term ? lo : 0;
  }

  /** The leader's append: new entries always go right after the last one; a leader never truncates. */
  appendAsLeader(entries: readonly Entry[]): void {
    for (const entry of entries) {
      if (entry.index !== this.lastIndex() + 1) {
        throw new InvariantError(
          `log: leader append at ${entry.index} would not extend the log ending at ${this.lastIndex()}`,
        );
      }
      if (entry.term < this.lastTerm()) {
        throw new InvariantError(`log: leader append of term ${entry.term} after term ${this.lastTerm()}`);
      }
      this.log.push(entry);
    }
  }

  /**
   * The follower's append (Figure 2, AppendEntries receiver rules 2-4). Returns the last index now known
   * to match the leader (prevIndex + entries.length), or null when prevIndex/prevTerm do not match.
   * Only entries that conflict are dropped: a stale or duplicate message never shortens the log.
   * `onTruncate` is called with the first dropped index before anything is dropped.
   */
  appendFromLeader(
    prevIndex: number,
    prevTerm: number,
    entries: readonly Entry[],
    onTruncate: (fromIndex: number) => void,
  ): number | null {
    checkConsecutive(prevIndex, prevTerm, entries);
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNew = prevIndex + entries.length;
    let offset = 0;
    // Rule 3: skip the entries we already hold with the same term.
    while (offset < entries.length) {
      const entry = entries[offset]!;
      const mine = this.term(entry.index);
      if (mine === undefined || mine !== entry.term) break;
      offset++;
    }
    if (offset === entries.length) return lastNew;
    const conflictAt = prevIndex + 1 + offset;
    if (conflictAt <= this.lastIndex()) {
      if (conflictAt <= this.committedIndex) {
        throw new InvariantError(
          `log: refusing to truncate committed entry ${conflictAt} (commit ${this.committedIndex})`,
        );
      }
      onTruncate(conflictAt);
      this.truncateFrom(conflictAt);
    }
    // Rule 4: append what is new.
    for (let i = offset; i < entries.length; i++) this.log.push(entries[i]!);
    return lastNew;
  }

  private truncateFrom(index: number): void {
    this.log.length = index - this.snapshot.index - 1;
    if (this.unstableFrom > index) this.unstableFrom = index;
    if (this.persisted >= index) this.persisted = index - 1;
  }

  /** Entries in [lo, hi), clipped to what the log holds. */
  slice(lo: number, hi: number): Entry[] {
    const from = Math.max(lo, this.firstIndex()) - this.snapshot.index - 1;
    const to = Math.min(hi, this.lastIndex() + 1) - this.snapshot.index - 1;
    return from < to ? this.log.slice(from, to) : [];
  }

  /**
   * Entries from `lo`, at most `maxCount` of them and at most `maxBytes` in all, but always at least one
   * when the log has `lo` (so a single oversized entry still moves).
   */
  sliceBounded(lo: number, maxCount: number, maxBytes: number): Entry[] {
    const out: Entry[] = [];
    let bytes = 0;
    const last = this.lastIndex();
    for (let index = Math.max(lo, this.firstIndex()); index <= last && out.length < maxCount; index++) {
      const entry = this.entry(index)!;
      const size = entrySizeBytes(entry);
      if (out.length > 0 && bytes + size > maxBytes) break;
      out.push(entry);
      bytes += size;
    }
    return out;
  }

  hasUnstable(): boolean {
    return this.unstableFrom <= this.lastIndex();
  }

  /** Hands out the entries the host has not seen yet; they count as in progress until `stableTo`. */
  takeUnstable(): Entry[] {
    const out = this.slice(this.unstableFrom, this.lastIndex() + 1);
    this.unstableFrom = this.lastIndex() + 1;
    return out;
  }

  /**
   * The host says entries up to (index, term) are durable. If the log was truncated at or below `index`
   * meanwhile, the term no longer matches and the news is stale: the rewritten suffix will come back in
   * a later Ready. Log Matching makes the term check sufficient.
   */
  stableTo(index: number, term: number): void {
    if (index > this.persisted && this.matchTerm(index, term) && index < this.unstableFrom) {
      this.persisted = index;
    }
  }

  commitTo(index: number): boolean {
    if (index <= this.committedIndex) return false;
    if (index > this.lastIndex()) {
      throw new InvariantError(`log: commit ${index} is beyond the last index ${this.lastIndex()}`);
    }
    this.committedIndex = index;
    return true;
  }

  /** The next batch of committed entries to apply, at most `maxCount`. */
  nextCommitted(maxCount: number): Entry[] {
    const hi = Math.min(this.committedIndex, this.appliedIndex + maxCount);
    return this.slice(this.appliedIndex + 1, hi + 1);
  }

  hasNextCommitted(): boolean {
    return this.appliedIndex < this.committedIndex;
  }

  /**
   * Drops the entries up to and including `index` from memory: the host holds a durable snapshot
   * covering them. Only applied entries go (so they were handed to the host long ago); it never
   * moves backwards.
   */
  compactTo(index: number): void {
    if (index <= this.snapshot.index) return;
    if (index > this.appliedIndex) {
      throw new InvariantError(`log: compaction to ${index} would drop entries not yet applied (${this.appliedIndex})`);
    }
    const term = this.term(index)!;
    this.log.splice(0, index - this.snapshot.index);
    this.snapshot = { index, term };
    // The snapshot is durable, so everything it covers is, whatever the WAL's fsync is doing.
    if (this.persisted < index) this.persisted = index;
  }

  /**
   * An installed snapshot replaces the whole log (§7): nothing before it is held any more, and it
   * counts as committed, applied and, once the host installed it, durable.
   */
  restore(start: LogStart): void {
    if (start.index < this.committedIndex) {
      throw new InvariantError(`log: a snapshot at ${start.index} would undo commit ${this.committedIndex}`);
    }
    this.log.length = 0;
    this.snapshot = { index: start.index, term: start.term };
    this.committedIndex = start.index;
    this.appliedIndex = start.index;
    this.unstableFrom = start.index + 1;
    this.persisted = start.index;
  }

  appliedTo(index: number): void {
    if (index > this.committedIndex) {
      throw new InvariantError(`log: applied ${index} would pass commit ${this.committedIndex}`);
    }
    if (index < this.appliedIndex) {
      throw new InvariantError(`log: applied ${index} would move back from ${this.appliedIndex}`);
    }
    this.appliedIndex = index;
  }
}

/** Refuses a malformed batch before anything changes: indices must follow prevIndex, terms never fall. */
function checkConsecutive(prevIndex: number, prevTerm: number, entries: readonly Entry[]): void {
  let term = prevTerm;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.index !== prevIndex + 1 + i) {
      throw new InvariantError(`log: App entry ${entry.index} is not consecutive after ${prevIndex}`);
    }
    if (entry.term < term) {
      throw new InvariantError(`log: App entry ${entry.index} has term ${entry.term} below the previous ${term}`);
    }
    term = entry.term;
  }
}

/** The size flow control counts for one entry: its command plus a fixed header. */
export function entrySizeBytes(entry: Entry): number {
  return entry.data.byteLength + ENTRY_HEADER_BYTES;
}

const ENTRY_HEADER_BYTES = 24;
