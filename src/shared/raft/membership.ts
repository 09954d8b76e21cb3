// Who is in a group: voters (count for elections and commits) and learners (only receive the log),
// changed one server at a time (thesis §4.1, §4.2.1). A change takes effect when its config entry
// COMMITS, on every node alike (etcd's choice). That is safe because a leader allows one uncommitted
// change at a time and only after committing an entry of its own term, so any two configurations
// in force at once differ by one server and their majorities overlap.

import { nodeIdProblem } from './conf-change';
import { MAX_MEMBERS } from './message-check';
import type { ConfChange, Membership, NodeId } from './types';

export function isVoter(membership: Membership, id: NodeId): boolean {
  return membership.voters.includes(id);
}

export function isMember(membership: Membership, id: NodeId): boolean {
  return membership.voters.includes(id) || membership.learners.includes(id);
}

/**
 * Why a leader must refuse to propose `change` on top of `membership`, or null. The words reach an
 * operator (`raftlab admin`), so they say what is wrong in the group's terms.
 */
export function confChangeProblem(membership: Membership, change: ConfChange): string | null {
  if (typeof change !== 'object' || change === null) return 'a membership change must be an object';
  const idProblem = nodeIdProblem(change.node);
  if (idProblem !== null) return idProblem;
  const { node } = change;
  switch (change.type) {
    case 'addLearner':
      if (isVoter(membership, node)) return `${node} is already a voter of this group`;
      if (isMember(membership, node)) return `${node} is already a learner of this group`;
      if (membership.voters.length + membership.learners.length >= MAX_MEMBERS) {
        return `a group has at most ${MAX_MEMBERS} members`;
      }
      return null;
    case 'promote':
      if (isVoter(membership, node)) return `${node} is already a voter`;
      if (!isMember(membership, node)) return `${node} is not a learner of this group (add it as a learner first)`;
      return null;
    case 'remove':
      if (!isMember(membership, node)) return `${node} is not a member of this group`;
      if (membership.voters.length === 1 && isVoter(membership, node)) {
        return `${node} is the last voter: a group cannot lose its last voter`;
      }
      return null;
    default:
      return `unknown membership change type ${String((change as { type: unknown }).type)}`;
  }
}

/**
 * Applies a committed change. Every node applies the same committed changes in the same order, so
 * this must be total and deterministic: it sets the node's place outright rather than refusing a
 * change that is a no-op here (a joining node may start from a later membership than index 0).
 */
export function applyConfChange(membership: Membership, change: ConfChange): Membership {
  const { node } = change;
  const voters = membership.voters.filter((id) => id !== node);
  const learners = membership.learners.filter((id) => id !== node);
  switch (change.type) {
    case 'addLearner':
      // A voter stays a voter: there is no demotion in this protocol.
      if (isVoter(membership, node)) return membership;
      return { voters, learners: [...learners, node] };
    case 'promote':
      return { voters: [...voters, node], learners };
    case 'remove':
      return { voters, learners };
  }
}

/**
 * The committed membership and the changes since the applied index, so that a snapshot of the
 * state machine (which has applied less than the core committed) can name the membership as of
 * the index it covers.
 */
export class MembershipHistory {
  /** Ascending by index; the first is the base, in force from its index on. */
  private points: { readonly index: number; readonly membership: Membership }[];

  constructor(index: number, membership: Membership) {
    this.points = [{ index, membership }];
  }

  get current(): Membership {
    return this.points[this.points.length - 1]!.membership;
  }

  /** The membership as of `index` (every change at or before it applied). */
  at(index: number): Membership {
    for (let i = this.points.length - 1; i > 0; i--) {
      if (this.points[i]!.index <= index) return this.points[i]!.membership;
    }
    return this.points[0]!.membership;
  }

  record(index: number, membership: Membership): void {
    this.points.push({ index, membership });
  }

  /** Forgets changes no snapshot can ask about any more (at or before `index`, keeping the one in force). */
  forgetBefore(index: number): void {
    let keep = 0;
    while (keep + 1 < this.points.length && this.points[keep + 1]!.index <= index) keep++;
    if (keep > 0) this.points = this.points.slice(keep);
  }

  /** A snapshot replaced the log: its membership is the new base. */
  reset(index: number, membership: Membership): void {
    this.points = [{ index, membership }];
  }
}
