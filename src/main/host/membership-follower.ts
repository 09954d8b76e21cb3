// Keeps a node's peer links in step with its group's COMMITTED membership (the bootstrap partitions
// string only gives the membership at index 0): a node added to the group is dialled and may dial
// in, a removed one is dropped. And it notices when the node itself has been removed, so that its
// host can stop it (a `raftlab node` process then exits 0).
import type { Membership, NodeId } from '../../shared/raft/types';

/** The part of the peer transport that membership changes. */
export interface PeerDirectory {
  addPeer(peer: NodeId): void;
  removePeer(peer: NodeId): void;
}

export interface MembershipFollowerOptions {
  readonly self: NodeId;
  readonly transport: PeerDirectory;
  /**
   * Calls of follow() between seeing its own removal and reporting it: a removed leader stays up a
   * little so that its last heartbeats tell the others the removal committed.
   */
  readonly graceTicks: number;
  readonly onRemoved: () => void;
  /**
   * True for a node of the bootstrap configuration: it was a member at index 0, so a membership
   * without it (after a restart from a snapshot taken after its removal) means it was removed.
   * False for a node that joined: it is no member until its learner entry commits.
   */
  readonly bootstrapMember: boolean;
  readonly log?: (line: string) => void;
}

export class MembershipFollower {
  private last: Membership | null = null;
  private members: ReadonlySet<NodeId> = new Set();
  /** This node has been in the committed membership (a joining node is not, at first). */
  private wasMember: boolean;
  private removedCountdown = -1;
  /** Peers removed from the membership, by the follow() calls left before their link closes. */
  private readonly leaving = new Map<NodeId, number>();
  private reported = false;

  constructor(private readonly options: MembershipFollowerOptions) {
    this.wasMember = options.bootstrapMember;
  }

  get removed(): boolean {
    return this.removedCountdown >= 0;
  }

  /** Called with the core's committed membership, once per tick. */
  follow(membership: Membership): void {
    // No voters stands for "the bootstrap voters" (types.ts BOOTSTRAP_MEMBERSHIP): nothing to learn.
    if (membership !== this.last && membership.voters.length > 0) {
      if (this.last !== null && sameMembers(this.last, membership)) this.last = membership;
      else this.changed(membership);
    }
    for (const [peer, left] of this.leaving) {
      if (left > 1) this.leaving.set(peer, left - 1);
      else {
        this.leaving.delete(peer);
        this.options.transport.removePeer(peer);
      }
    }
    if (this.removedCountdown > 0) this.removedCountdown--;
    if (this.removedCountdown === 0 && !this.reported) {
      this.reported = true;
      this.options.onRemoved();
    }
  }

  /** Told (and confirmed by the group's leader) that this node was removed: as if its log said so. */
  leave(): void {
    if (this.removedCountdown >= 0) return;
    this.options.log?.(`${this.options.self} was removed from its group; it stops in ${this.options.graceTicks} ticks`);
    this.removedCountdown = this.options.graceTicks;
  }

  private changed(membership: Membership): void {
    const { self, transport } = this.options;
    const next = new Set([...membership.voters, ...membership.learners]);
    this.last = membership;
    for (const peer of next) {
      if (peer === self || this.members.has(peer)) continue;
      this.leaving.delete(peer);
      transport.addPeer(peer);
    }
    // Only a change of the committed membership removes a link: a joining node's log replay starts
    // from the bootstrap membership, which may lack members it was told of (and talks to). And only
    // graceTicks later: the leader's last heartbeat tells the removed node its removal committed.
    for (const peer of this.members) {
      if (peer !== self && !next.has(peer)) this.leaving.set(peer, this.options.graceTicks);
    }
    this.members = next;
    if (next.has(self)) {
      this.wasMember = true;
      this.removedCountdown = -1;
      return;
    }
    if (this.wasMember && this.removedCountdown < 0) {
      this.options.log?.(`${self} was removed from its group; it stops in ${this.options.graceTicks} ticks`);
      this.removedCountdown = this.options.graceTicks;
    }
  }
}

function sameMembers(a: Membership, b: Membership): boolean {
  return sameList(a.voters, b.voters) && sameList(a.learners, b.learners);
}

function sameList(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
