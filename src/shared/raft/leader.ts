// The leader role: replication with flow control (§5.3), the commit rule (§5.4.2), heartbeats,
// CheckQuorum (thesis §6.2), ReadIndex (thesis §6.4) and leadership transfer (thesis §3.10).
//
// Sending Apps is deferred to flush() at the next ready(): proposals and replies that arrive in one
// turn of the host's loop then share one App per follower instead of one each.

import { InvariantError } from './errors';
import { Progress } from './progress';
import { majorityValue, quorumSize } from './quorum';
import type { Raft } from './raft';
import type { RoleBehaviour } from './role';
import type { Entry, Message, NodeId, ProposeResult } from './types';

const EMPTY = new Uint8Array(0);

export const LEADER: RoleBehaviour & { start(raft: Raft): void } = {
  role: 'leader',

  start(raft: Raft): void {
    const next = raft.log.lastIndex() + 1;
    for (const id of raft.others) {
      const pr = new Progress(next, raft.config.maxInflightMessages);
      // Without a no-op there are no entries to carry the probe: send it empty, at once.
      pr.sendEmptyApp = raft.lesson.skipNoop;
      raft.progress.set(id, pr);
    }
    // Thesis §6.4 and §5.4.2: an empty entry of our term, so that we can commit (and learn the commit
    // index) without waiting for a client. The Figure 8 lesson leaves it out, so that an earlier
    // term's entry can sit on a majority with nothing of ours above it. Empty Apps still probe.
    if (!raft.lesson.skipNoop) raft.log.appendAsLeader([{ index: next, term: raft.term, type: 'noop', data: EMPTY }]);
    raft.needsAppend = true;
  },

  campaign(): void {},

  tick(raft: Raft): void {
    const config = raft.config;
    raft.heartbeatElapsed++;
    raft.electionElapsed++;
    if (raft.electionElapsed >= config.electionTicksMin) {
      raft.electionElapsed = 0;
      // Thesis §6.2 CheckQuorum: a leader that has not heard from a majority within an election
      // timeout steps down, so that its clients go and find the real leader.
      if (raft.checkQuorum && !quorumActive(raft)) {
        raft.becomeFollower(raft.term, null);
        return;
      }
      for (const pr of raft.progress.values()) pr.recentActive = false;
    }
    if (raft.transferee !== null && ++raft.transferElapsed >= config.electionTicksMax) {
      // Thesis §3.10: a transfer that has not finished within an election timeout is abandoned.
      raft.transferee = null;
      raft.transferElapsed = 0;
    }
    if (raft.heartbeatElapsed >= config.heartbeatTicks) {
      raft.heartbeatElapsed = 0;
      // §5.2: leaders send periodic heartbeats to keep their authority.
      broadcastHeartbeat(raft);
    }
    if (followerCommitLags(raft)) {
      raft.commitNewsDue = true;
      raft.needsAppend = true;
    }
  },

  step(raft: Raft, message: Message): void {
    switch (message.type) {
      case 'AppResp': {
        const pr = raft.progress.get(message.from);
        if (pr === undefined) return;
        pr.recentActive = true;
        // A follower cannot hold more of our log than we have: such a claim is garbage, not news.
        if (message.index > raft.log.lastIndex()) return;
        if (message.reject) handleAppendRejection(raft, pr, message.index, message.conflictTerm, message.conflictIndex);
        else handleAppendSuccess(raft, message.from, pr, message.index);
        return;
      }
      case 'HeartbeatResp': {
        const pr = raft.progress.get(message.from);
        if (pr === undefined) return;
        pr.recentActive = true;
        handleHeartbeatResponse(raft, pr);
        if (message.context > 0) {
          raft.readOnly.ack(message.from, message.context);
          releaseReads(raft);
        }
        return;
      }
      case 'ReadIndex':
        handleReadRequest(raft, message.context, message.from);
        return;
      case 'App':
      case 'Heartbeat':
        // §5.2 Election Safety: at most one leader per term. Seeing another means safety is already lost.
        throw new InvariantError(`raft: two leaders in term ${raft.term}: ${raft.id} and ${message.from}`);
      default:
        return;
    }
  },

  propose(raft: Raft, commands: readonly Uint8Array[]): ProposeResult {
    // Thesis §3.10: while handing over, new entries would only delay the target catching up.
    if (raft.transferee !== null) return { ok: false, reason: 'transferring', leader: raft.id };
    const term = raft.term;
    const firstIndex = raft.log.lastIndex() + 1;
    const entries: Entry[] = new Array(commands.length);
    for (let i = 0; i < commands.length; i++) {
      entries[i] = { index: firstIndex + i, term, type: 'normal', data: commands[i]! };
    }
    raft.log.appendAsLeader(entries);
    raft.needsAppend = true;
    return { ok: true, firstIndex, term };
  },

  readIndex(raft: Raft, context: number): boolean {
    handleReadRequest(raft, context, raft.id);
    return true;
  },

  transferLeadership(raft: Raft, to: NodeId | undefined): boolean {
    const target = to ?? mostUpToDateFollower(raft);
    if (target === null) return false;
    const pr = raft.progress.get(target);
    if (pr === undefined) return false;
    if (raft.transferee === target) return true;
    raft.transferee = target;
    raft.transferElapsed = 0;
    // Thesis §3.10: bring the target up to date first, then tell it to time out.
    if (pr.match === raft.log.lastIndex()) sendTimeoutNow(raft, target);
    else raft.needsAppend = true;
    return true;
  },

  flush(raft: Raft): void {
    if (raft.readOnly.needsBroadcast()) broadcastHeartbeat(raft);
    if (!raft.needsAppend) return;
    raft.needsAppend = false;
    const sendCommitNews = raft.commitNewsDue;
    raft.commitNewsDue = false;
    for (const [id, pr] of raft.progress) sendAppends(raft, id, pr, sendCommitNews);
  },

  hasPending(raft: Raft): boolean {
    return raft.needsAppend || raft.readOnly.needsBroadcast();
  },

  persisted(raft: Raft): void {
    // Our own log just became durable: it may complete a majority.
    maybeCommit(raft);
  },
};

/**
 * Sends what flow control allows: one App in probe state, a pipeline up to the window in replicate.
 * An App without entries goes only to probe, or, with `sendCommitNews`, to tell a new commit index.
 */
function sendAppends(raft: Raft, to: NodeId, pr: Progress, sendCommitNews: boolean): void {
  const log = raft.log;
  const { maxEntriesPerMessage, maxBytesPerMessage } = raft.config;
  while (!pr.isPaused()) {
    const entries =
      pr.next <= log.lastIndex() ? log.sliceBounded(pr.next, maxEntriesPerMessage, maxBytesPerMessage) : [];
    if (entries.length === 0 && !pr.sendEmptyApp && !(sendCommitNews && pr.sentCommit < log.committed)) return;
    const prevLogIndex = pr.next - 1;
    const prevLogTerm = log.term(prevLogIndex);
    if (prevLogTerm === undefined)
      throw new InvariantError(`raft: no term for index ${prevLogIndex} (log compaction is not supported)`);
    raft.messages.push({
      type: 'App',
      from: raft.id,
      to,
      term: raft.term,
      prevLogIndex,
      prevLogTerm,
      entries,
      commit: log.committed,
    });
    pr.sentCommit = log.committed;
    pr.sendEmptyApp = false;
    pr.sentEntries(prevLogIndex + entries.length);
    if (entries.length === 0) return;
  }
}

function broadcastHeartbeat(raft: Raft): void {
  const round = raft.readOnly.startBroadcast();
  const committed = raft.log.committed;
  for (const [to, pr] of raft.progress) {
    // Never tell a follower to commit past what it is known to hold.
    const commit = Math.min(committed, pr.match);
    if (commit > pr.sentCommit) pr.sentCommit = commit;
    raft.messages.push({ type: 'Heartbeat', from: raft.id, to, term: raft.term, commit, context: round });
  }
}

function handleAppendSuccess(raft: Raft, from: NodeId, pr: Progress, index: number): void {
  const updated = pr.maybeUpdate(index);
  if (updated || (pr.state === 'probe' && pr.match === index)) {
    // The probe found where the logs match: stream from there.
    if (pr.state === 'probe') pr.becomeReplicate();
    if (updated) maybeCommit(raft);
    if (raft.transferee === from && pr.match === raft.log.lastIndex()) sendTimeoutNow(raft, from);
  }
  raft.needsAppend = true;
}

/**
 * §5.3 with fast backup: if we hold the follower's conflicting term, resume after our last entry of
 * it; otherwise skip to where the follower's run of that term begins. One round trip per term.
 */
function handleAppendRejection(
  raft: Raft,
  pr: Progress,
  rejected: number,
  conflictTerm: number,
  conflictIndex: number,
): void {
  let hint = conflictIndex;
  if (conflictTerm > 0) {
    const ours = raft.log.lastIndexOfTerm(conflictTerm);
    if (ours > 0) hint = ours + 1;
  }
  if (pr.maybeDecreaseTo(rejected, hint)) raft.needsAppend = true;
}

function handleHeartbeatResponse(raft: Raft, pr: Progress): void {
  // The follower is alive: a probe may go again, and a stuck window gives up one slot (its App was lost).
  pr.probeSent = false;
  if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
  if (pr.match < raft.log.lastIndex()) {
    pr.sendEmptyApp = true;
    raft.needsAppend = true;
  }
}

/** §5.3/§5.4.2: commit the highest index a majority holds durably, if it is of the current term. */
function maybeCommit(raft: Raft): void {
  const log = raft.log;
  const matches = raft.peers.map((p) => (p === raft.id ? log.persistedIndex : (raft.progress.get(p)?.match ?? 0)));
  const index = majorityValue(matches);
  // §5.4.2 (Figure 8): never commit an entry of an earlier term by counting replicas. Only the
  // UNSAFE lesson mode skips this check, to show what goes wrong without it.
  if (index <= log.committed || (log.term(index) !== raft.term && !raft.lesson.unsafeCommitByCount)) return;
  const firstOfTerm = log.term(log.committed) !== raft.term;
  log.commitTo(index);
  // No App just for the news: the next App with entries carries the new commit index, and if none
  // goes within a tick the tick sends it (followerCommitLags). At one client this halves the
  // messages per write, and the followers' acks of commit-only Apps no longer queue ahead of the
  // acks a commit waits for. §5.3 asks only that the index ride on future Apps and heartbeats.
  if (firstOfTerm && log.term(index) === raft.term) admitWaitingReads(raft);
}

/** Some follower holds entries we have committed but has not been told so. */
function followerCommitLags(raft: Raft): boolean {
  const committed = raft.log.committed;
  for (const pr of raft.progress.values()) {
    if (pr.sentCommit < Math.min(committed, pr.match)) return true;
  }
  return false;
}

function quorumActive(raft: Raft): boolean {
  let active = 1;
  for (const pr of raft.progress.values()) if (pr.recentActive) active++;
  return active >= quorumSize(raft.peers.length);
}

function mostUpToDateFollower(raft: Raft): NodeId | null {
  let best: NodeId | null = null;
  let bestMatch = -1;
  for (const id of raft.others) {
    const match = raft.progress.get(id)?.match ?? -1;
    if (match > bestMatch) {
      best = id;
      bestMatch = match;
    }
  }
  return best;
}

function sendTimeoutNow(raft: Raft, to: NodeId): void {
  raft.messages.push({ type: 'TimeoutNow', from: raft.id, to, term: raft.term });
}

/** Thesis §6.4 step 1: until an entry of our term is committed, our commit index may be behind. */
function handleReadRequest(raft: Raft, context: number, from: NodeId): void {
  const log = raft.log;
  if (log.term(log.committed) !== raft.term) {
    raft.readOnly.waitForCommit({ context, from });
    return;
  }
  raft.readOnly.add(context, from, log.committed);
  releaseReads(raft);
}

function admitWaitingReads(raft: Raft): void {
  const waiting = raft.readOnly.takeWaiting();
  if (waiting.length === 0) return;
  for (const read of waiting) raft.readOnly.add(read.context, read.from, raft.log.committed);
  releaseReads(raft);
}

function releaseReads(raft: Raft): void {
  for (const read of raft.readOnly.release(raft.peers)) {
    if (read.from === raft.id) {
      raft.readStates.push({ context: read.context, index: read.index });
    } else {
      raft.messages.push({
        type: 'ReadIndexResp',
        from: raft.id,
        to: read.from,
        term: raft.term,
        context: read.context,
        index: read.index,
        reject: false,
      });
    }
  }
}
