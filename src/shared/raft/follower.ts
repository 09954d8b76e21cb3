// The follower role (Figure 2, "Followers" and the AppendEntries receiver), and what every role that
// is not leader shares: the election timer, refusing proposals, nothing deferred to flush.
import { InvariantError } from './errors';
import type { Raft } from './raft';
import type { RoleBehaviour } from './role';
import type { AppendEntries, ConfChange, Heartbeat, InstallSnapshot, Message, ProposeResult } from './types';

/** Followers and candidates: §5.2, if the election timeout elapses, start an election. */
export function tickElection(raft: Raft): void {
  raft.electionElapsed++;
  if (raft.electionElapsed >= raft.electionTimeout) raft.behaviour.campaign(raft, false);
}

export const NOT_LEADER = {
  tick: tickElection,
  campaign(raft: Raft, transfer: boolean): void {
    raft.hup(transfer);
  },
  propose(raft: Raft, _commands: readonly Uint8Array[]): ProposeResult {
    return { ok: false, reason: 'not-leader', leader: raft.leader };
  },
  proposeConfChange(raft: Raft, _change: ConfChange): ProposeResult {
    return { ok: false, reason: 'not-leader', leader: raft.leader };
  },
  reportSnapshot(): void {},
  membershipChanged(): void {},
  transferLeadership(): boolean {
    return false;
  },
  flush(): void {},
  hasPending(): boolean {
    return false;
  },
  persisted(): void {},
} as const;

export const FOLLOWER: RoleBehaviour = {
  ...NOT_LEADER,
  role: 'follower',
  step(raft: Raft, message: Message): void {
    switch (message.type) {
      case 'App':
        hearFromLeader(raft, message.from);
        handleAppend(raft, message);
        return;
      case 'Heartbeat':
        hearFromLeader(raft, message.from);
        handleHeartbeat(raft, message);
        return;
      case 'Snap':
        hearFromLeader(raft, message.from);
        handleSnapshot(raft, message);
        return;
      case 'TimeoutNow':
        // Thesis §3.10: the leader hands over; campaign at once, past any PreVote or lease.
        raft.behaviour.campaign(raft, true);
        return;
      case 'ReadIndex':
        // Someone still takes us for the leader: refuse so that its client retries.
        raft.messages.push({
          type: 'ReadIndexResp',
          from: raft.id,
          to: message.from,
          term: raft.term,
          context: message.context,
          index: 0,
          reject: true,
        });
        return;
      case 'ReadIndexResp':
        if (!raft.forwardedReads.delete(message.context)) return;
        if (message.reject) raft.failedReads.push(message.context);
        else raft.readStates.push({ context: message.context, index: message.index });
        return;
      default:
        // Replies meant for a leader or a candidate we no longer are.
        return;
    }
  },
  readIndex(raft: Raft, context: number): boolean {
    if (raft.leader === null) return false;
    // Thesis §6.4: a follower asks the leader for the read index and waits to apply up to it.
    raft.forwardedReads.add(context);
    raft.messages.push({ type: 'ReadIndex', from: raft.id, to: raft.leader, term: raft.term, context });
    return true;
  },
};

function hearFromLeader(raft: Raft, leader: string): void {
  raft.leader = leader;
  raft.electionElapsed = 0;
}

/** Figure 2, AppendEntries receiver. Replies wait for the fsync: they promise what is on disk. */
export function handleAppend(raft: Raft, message: AppendEntries): void {
  const log = raft.log;
  let prevIndex = message.prevLogIndex;
  let prevTerm = message.prevLogTerm;
  let entries = message.entries;
  const committed = log.committed;
  if (prevIndex < committed) {
    // Everything up to our commit matches the leader (§5.4 Leader Completeness): check from there.
    const skip = committed - prevIndex;
    if (skip >= entries.length) {
      replyAppend(raft, message.from, committed);
      return;
    }
    const boundary = entries[skip - 1]!;
    if (boundary.index !== committed) throw new InvariantError('raft: App entries are not consecutive');
    prevIndex = committed;
    prevTerm = boundary.term;
    entries = entries.slice(skip);
  }
  const lastNew = log.appendFromLeader(prevIndex, prevTerm, entries, (fromIndex) => withdrawClaims(raft, fromIndex));
  if (lastNew === null) {
    rejectAppend(raft, message);
    return;
  }
  // Figure 2, receiver rule 5, bounded by what we know matches the leader.
  raft.commitTo(Math.min(message.commit, lastNew));
  replyAppend(raft, message.from, lastNew);
}

/** The leader's InstallSnapshot; raft.ts holds the rules, as they touch the membership too. */
export function handleSnapshot(raft: Raft, message: InstallSnapshot): void {
  raft.handleSnapshot(message.from, message.snapshot);
}

function replyAppend(raft: Raft, to: string, index: number): void {
  raft.replyAppend(to, index);
}

/**
 * §5.3, with the fast backup of the paper's closing paragraph: tell the leader the term of our entry at
 * prevLogIndex and where that term starts, so it can skip the whole term in one round trip.
 */
function rejectAppend(raft: Raft, message: AppendEntries): void {
  const log = raft.log;
  const held = log.term(message.prevLogIndex);
  const conflictTerm = held ?? 0;
  const conflictIndex = held === undefined ? log.lastIndex() + 1 : log.firstIndexOfTerm(held, message.prevLogIndex);
  raft.persistedMessages.push({
    type: 'AppResp',
    from: raft.id,
    to: message.from,
    term: raft.term,
    reject: true,
    index: message.prevLogIndex,
    conflictTerm,
    conflictIndex,
  });
}

/**
 * Our log is about to lose entries from `fromIndex`. Acknowledgements still waiting for the fsync may
 * claim them; they must not go out, or a leader would count entries we no longer hold.
 */
function withdrawClaims(raft: Raft, fromIndex: number): void {
  raft.persistedMessages = raft.persistedMessages.filter(
    (m) => !(m.type === 'AppResp' && !m.reject && m.index >= fromIndex),
  );
}

/** Heartbeats carry a commit the leader knows we hold, and the read round to acknowledge. */
export function handleHeartbeat(raft: Raft, message: Heartbeat): void {
  raft.commitTo(Math.min(message.commit, raft.log.lastIndex()));
  raft.messages.push({
    type: 'HeartbeatResp',
    from: raft.id,
    to: message.from,
    term: raft.term,
    context: message.context,
  });
}
