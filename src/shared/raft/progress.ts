// What a leader knows about one follower's log (Figure 2 "nextIndex[] / matchIndex[]"), plus the flow
// control state of the replication stream to it.
//
// probe:     we do not know where the follower's log matches ours. One App at a time; the next one
//            goes when a reply arrives (or on the next heartbeat reply if it was lost).
// replicate: the follower is caught up to `match`; Apps are pipelined optimistically, `next` runs
//            ahead of `match`, bounded by the inflight window.
// snapshot:  the follower needs entries we no longer hold; a snapshot (§7) is on its way and nothing
//            else is sent until the host reports the transfer (reportSnapshot) or the follower
//            acknowledges an index at or after the snapshot's.
// Invariant: match < next.

import { Inflights } from './inflights';
import type { FollowerProgress, FollowerState } from './types';

export class Progress {
  match = 0;
  next: number;
  state: FollowerState = 'probe';
  /** Probe state only: an App is out and we wait for its reply (or a heartbeat reply). */
  probeSent = false;
  /** Heard from since the last CheckQuorum round. */
  recentActive = false;
  /** The highest commit index we told this follower, to know when it needs a fresh one. */
  sentCommit = 0;
  /** Send an App even with no entries: a heartbeat reply showed the follower behind, let it say where. */
  sendEmptyApp = false;
  /** Snapshot state: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  readonly inflights: Inflights;

  constructor(next: number, maxInflightMessages: number) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMessages);
  }

  /** Whether sending another App must wait. */
  isPaused(): boolean {
    if (this.state === 'snapshot') return true;
    return this.state === 'probe' ? this.probeSent : this.inflights.full();
  }

  /**
   * Back to one probe at a time. After a snapshot the follower holds at least the snapshot (or the
   * transfer failed, and the probe finds out again where it stands).
   */
  becomeProbe(): void {
    this.next = Math.max(this.match + 1, this.state === 'snapshot' ? this.pendingSnapshot + 1 : 0);
    this.state = 'probe';
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }

  /** The follower needs the snapshot at `index`: stop sending Apps until the transfer is over. */
  becomeSnapshot(index: number): void {
    this.state = 'snapshot';
    this.pendingSnapshot = index;
    this.probeSent = false;
    this.inflights.reset();
  }

  becomeReplicate(): void {
    this.pendingSnapshot = 0;
    this.state = 'replicate';
    this.probeSent = false;
    this.next = this.match + 1;
    this.inflights.reset();
  }

  /** Records that an App carrying entries up to `lastIndex` (none if it equals next - 1) went out. */
  sentEntries(lastIndex: number): void {
    if (this.state === 'replicate') {
      if (lastIndex >= this.next) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else {
      this.probeSent = true;
    }
  }

  /** A successful AppResp for `index`. Returns true when it taught us something new. */
  maybeUpdate(index: number): boolean {
    this.probeSent = false;
    if (index <= this.match) return false;
    this.match = index;
    if (this.next <= index) this.next = index + 1;
    this.inflights.freeLE(index);
    return true;
  }

  /**
   * A rejection of the App whose prevLogIndex was `rejected`; `hint` is where the leader thinks the
   * follower's log can match (fast backup). Returns false for a stale rejection, which changes nothing.
   */
  maybeDecreaseTo(rejected: number, hint: number): boolean {
    // During a snapshot transfer every rejection answers an App sent before it.
    if (this.state === 'snapshot') return false;
    if (this.state === 'replicate') {
      // Anything at or below match is known to match: that rejection answers an older message.
      if (rejected <= this.match) return false;
    } else if (rejected !== this.next - 1) {
      // In probe state only the answer to the last probe counts.
      return false;
    }
    // A rejection means we no longer know where the logs match: back to one probe at a time.
    this.state = 'probe';
    this.inflights.reset();
    this.next = Math.max(this.match + 1, Math.min(rejected, hint));
    this.probeSent = false;
    return true;
  }

  view(): FollowerProgress {
    return {
      match: this.match,
      next: this.next,
      state: this.state,
      inflight: this.inflights.count,
      recentActive: this.recentActive,
    };
  }
}
