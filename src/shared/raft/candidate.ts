// The pre-candidate (thesis §9.6) and candidate (§5.2) roles. Both count votes and give up when a
// leader of their term shows itself; they differ in which replies they count and what winning means.
import { handleAppend, handleHeartbeat, handleSnapshot, NOT_LEADER } from './follower';
import { voteResult } from './quorum';
import type { Raft } from './raft';
import type { RoleBehaviour } from './role';
import type { Message, VoteResponse } from './types';

function stepCandidate(
  raft: Raft,
  message: Message,
  counts: (raft: Raft, reply: VoteResponse) => boolean,
  win: (raft: Raft) => void,
): void {
  switch (message.type) {
    case 'App':
      // §5.2: AppendEntries from a leader of our term means we lost; follow it.
      raft.becomeFollower(message.term, message.from);
      handleAppend(raft, message);
      return;
    case 'Heartbeat':
      raft.becomeFollower(message.term, message.from);
      handleHeartbeat(raft, message);
      return;
    case 'Snap':
      raft.becomeFollower(message.term, message.from);
      handleSnapshot(raft, message);
      return;
    case 'PreVoteResp':
    case 'VoteResp': {
      if (!counts(raft, message)) return;
      // A voter's first answer in an election is the one that counts.
      if (!raft.votes.has(message.from)) raft.votes.set(message.from, !message.reject);
      const result = voteResult(raft.voters, raft.votes);
      if (result === 'won') win(raft);
      else if (result === 'lost') raft.becomeFollower(raft.term, null);
      return;
    }
    default:
      // TimeoutNow, reads and replies for a leader: nothing a candidate acts on.
      return;
  }
}

export const PRECANDIDATE: RoleBehaviour = {
  ...NOT_LEADER,
  role: 'precandidate',
  step(raft: Raft, message: Message): void {
    if (message.type === 'TimeoutNow') {
      // Thesis §3.10: a pre-candidate has not left the leader's term, so the leader may still hand
      // over to it. Ignoring this would silently abandon the transfer, and the leader refuses
      // proposals until the transfer times out.
      raft.hup(true);
      return;
    }
    stepCandidate(
      raft,
      message,
      // Grants echo the term we asked about; refusals carry the voter's term, which is ours (a higher
      // one has already made us a follower). Anything else answers an older pre-election.
      (r, reply) => reply.type === 'PreVoteResp' && reply.term === (reply.reject ? r.term : r.term + 1),
      (r) => r.startElection(false),
    );
  },
  readIndex(): boolean {
    return false;
  },
};

export const CANDIDATE: RoleBehaviour = {
  ...NOT_LEADER,
  role: 'candidate',
  step(raft: Raft, message: Message): void {
    stepCandidate(
      raft,
      message,
      (r, reply) => reply.type === 'VoteResp' && reply.term === r.term,
      // §5.2: votes from a majority make us leader.
      (r) => r.becomeLeader(),
    );
  },
  readIndex(): boolean {
    return false;
  },
};
