// Majority arithmetic for a fixed set of voters (joint consensus is out of scope).
import type { NodeId } from './types';

export type VoteResult = 'won' | 'lost' | 'pending';

export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The highest value that a majority has reached: with values sorted high to low, the one at position
 * quorum - 1. For match indexes that is the highest index stored on a majority (Figure 2, the leader's
 * last commit rule). Sorting a copy of 3-7 numbers is cheaper than anything clever.
 */
export function majorityValue(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => b - a);
  return sorted[quorumSize(values.length) - 1]!;
}

/** Tallies an election: won with a majority of grants, lost once a majority can no longer grant. */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  let granted = 0;
  let rejected = 0;
  for (const voter of voters) {
    const vote = votes.get(voter);
    if (vote === true) granted++;
    else if (vote === false) rejected++;
  }
  const quorum = quorumSize(voters.length);
  if (granted >= quorum) return 'won';
  if (voters.length - rejected < quorum) return 'lost';
  return 'pending';
}
