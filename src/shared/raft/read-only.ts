// Leader-side ReadIndex (thesis §6.4). A read is answered with the commit index at the time it
// arrived, once a majority has acknowledged a heartbeat sent after it arrived: that proves no newer
// leader existed at that moment, so the commit index covered every acknowledged write.
//
// Rounds batch the proofs. Each read joins the next round to be broadcast; every heartbeat carries the
// newest round id; a follower's ack of round r also vouches for every round below r (it was sent
// later). So a round is confirmed when a majority has acked it or anything newer, and one heartbeat
// serves every read that arrived before it. Round ids grow for the node's whole life.

import { majorityValue } from './quorum';
import type { NodeId } from './types';

export interface PendingRead {
  readonly context: number;
  /** Who asked: this node for a local read, or the follower that forwarded it. */
  readonly from: NodeId;
  readonly index: number;
  readonly round: number;
}

export interface WaitingRead {
  readonly context: number;
  readonly from: NodeId;
}

const SELF_ACK = Number.MAX_SAFE_INTEGER;

export class ReadOnly {
  /** Ordered by round, so confirmed reads always form a prefix. */
  private pending: PendingRead[] = [];
  /** Reads that arrived before this leader committed an entry of its term: no index is safe yet. */
  private waiting: WaitingRead[] = [];
  private lastRound = 0;
  private sentRound = 0;
  private readonly ackedRound = new Map<NodeId, number>();

  constructor(private readonly self: NodeId) {}

  get pendingCount(): number {
    return this.pending.length + this.waiting.length;
  }

  waitForCommit(read: WaitingRead): void {
    this.waiting.push(read);
  }

  takeWaiting(): WaitingRead[] {
    const out = this.waiting;
    this.waiting = [];
    return out;
  }

  /** Queues a read at `index`; it rides on the next heartbeat round. */
  add(context: number, from: NodeId, index: number): void {
    const round = this.sentRound + 1;
    this.lastRound = round;
    this.pending.push({ context, from, index, round });
  }

  /** A read joined a round that no heartbeat has carried yet. */
  needsBroadcast(): boolean {
    return this.lastRound > this.sentRound;
  }

  /** The round id for the heartbeat about to go out; marks it as sent. */
  startBroadcast(): number {
    this.sentRound = this.lastRound;
    return this.lastRound;
  }

  ack(from: NodeId, round: number): void {
    if (round > (this.ackedRound.get(from) ?? 0)) this.ackedRound.set(from, round);
  }

  /** Removes and returns the reads whose round a majority of `voters` has confirmed. */
  release(voters: readonly NodeId[]): PendingRead[] {
    if (this.pending.length === 0) return [];
    const confirmed = majorityValue(voters.map((v) => (v === this.self ? SELF_ACK : (this.ackedRound.get(v) ?? 0))));
    let count = 0;
    while (count < this.pending.length && this.pending[count]!.round <= confirmed) count++;
    if (count === 0) return [];
    return this.pending.splice(0, count);
  }

  /** Leadership ends: every read not yet answered is returned so that it can be failed. */
  reset(): WaitingRead[] {
    const dropped: WaitingRead[] = [...this.waiting, ...this.pending];
    this.pending = [];
    this.waiting = [];
    this.ackedRound.clear();
    this.sentRound = this.lastRound;
    return dropped;
  }
}
