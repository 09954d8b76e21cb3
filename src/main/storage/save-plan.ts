// What one save() must do, decided the same way by the WAL and its in-memory twin, and the checks
// that turn a host or core bug into a clear rejection before anything reaches the disk.
import type { Entry, HardState } from '../../shared/raft/types';

export interface SaveUpdate {
  readonly hardState: HardState | null;
  readonly entries: readonly Entry[];
}

/** How a save may overlap the host's other work. Both storages honour it; neither needs it. */
export interface SaveOptions {
  /**
   * The host has other work while this save syncs (a leader with a batch: client replies and
   * acknowledgements to read), so the sync should not block its thread even where syncs normally
   * do. Where syncs never block, this changes nothing.
   */
  readonly inBackground?: boolean;
  /**
   * Called once per save that resolves: as soon as the sync is under way, or just before it where
   * it blocks. A leader sends its Apps here, so that its own sync is already running when a woken
   * follower takes the processor. A save that fails may not call it.
   */
  readonly whileSyncing?: () => void;
}

export interface SavePlan {
  /** Set when term or vote changed: the rare, expensive atomic replace of the hardstate file. */
  readonly termVote: { readonly term: number; readonly vote: string } | null;
  /** Set when the commit index advanced: a few bytes in the WAL record. */
  readonly commit: number | null;
  /** The entries replace a stored suffix from entries[0].index on. */
  readonly truncate: boolean;
  readonly lastIndexAfter: number;
}

export const ZERO_HARD_STATE: HardState = { term: 0, vote: '', commit: 0 };

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Throws an Error naming the problem when `update` cannot follow `durable` and `lastIndex`:
 * entries that are not consecutive or would leave a gap, a term that goes back, a second vote in
 * one term, or a commit index that goes back (all Figure 2 promises), or entries that would
 * overwrite what a snapshot holds (at or before `logStart`).
 */
export function planSave(update: SaveUpdate, durable: HardState, lastIndex: number, logStart = 0): SavePlan {
  const { hardState, entries } = update;
  let truncate = false;
  let lastIndexAfter = lastIndex;
  if (entries.length > 0) {
    const first = entries[0]!.index;
    if (!isCount(first) || first < 1) throw new Error(`storage: entry index ${first} is not a positive integer`);
    if (first <= logStart) {
      throw new Error(`storage: entries start at ${first}, inside the snapshot through ${logStart}`);
    }
    if (first > lastIndex + 1) {
      throw new Error(`storage: entries start at ${first} but the log ends at ${lastIndex}: that would leave a gap`);
    }
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (entry.index !== first + i) {
        throw new Error(`storage: entry ${i} of this save has index ${entry.index}, expected ${first + i}`);
      }
      if (!isCount(entry.term)) throw new Error(`storage: entry ${entry.index} has invalid term ${entry.term}`);
      if (entry.type !== 'normal' && entry.type !== 'noop' && entry.type !== 'config') {
        throw new Error(`storage: entry ${entry.index} has unknown type ${String(entry.type)}`);
      }
      if (!(entry.data instanceof Uint8Array))
        throw new Error(`storage: entry ${entry.index} data is not a Uint8Array`);
    }
    truncate = first <= lastIndex;
    lastIndexAfter = first + entries.length - 1;
  }
  if (hardState === null) return { termVote: null, commit: null, truncate, lastIndexAfter };

  const { term, vote, commit } = hardState;
  if (!isCount(term)) throw new Error(`storage: hard state term ${term} is not a non-negative integer`);
  if (typeof vote !== 'string') throw new Error('storage: hard state vote is not a string');
  if (!isCount(commit)) throw new Error(`storage: hard state commit ${commit} is not a non-negative integer`);
  if (term < durable.term)
    throw new Error(`storage: hard state term ${term} is below the durable term ${durable.term}`);
  if (term === durable.term && durable.vote !== '' && vote !== durable.vote) {
    throw new Error(
      `storage: vote for '${vote}' in term ${term}, which already has a durable vote for '${durable.vote}'`,
    );
  }
  if (commit < durable.commit) {
    throw new Error(`storage: commit ${commit} is below the durable commit ${durable.commit}; it never decreases`);
  }
  const termVoteChanged = term !== durable.term || vote !== durable.vote;
  return {
    termVote: termVoteChanged ? { term, vote } : null,
    commit: commit > durable.commit ? commit : null,
    truncate,
    lastIndexAfter,
  };
}
