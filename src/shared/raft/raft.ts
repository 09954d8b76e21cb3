// The Raft state machine (Figure 2 of the paper, with the thesis' PreVote, CheckQuorum, ReadIndex
// and leadership transfer). It is pure: messages and ticks go in, a Ready comes out, and the host does
// the I/O. The rules every role shares live here (terms, votes, becoming a role, the Ready); what
// differs by role lives in follower.ts, candidate.ts and leader.ts.
//
// Durability: anything that promises durable state (a vote grant, an append acknowledgement, a
// candidate's vote for itself) waits for the host's fsync: it goes out in `persistedMessages`, or, for
// messages to ourselves, is stepped in `advance()`. The leader's own log counts towards a commit only
// once `advance()` reports it durable.
import { CANDIDATE, PRECANDIDATE } from './candidate';
import { InvariantError, RefusedMessageError } from './errors';
import { FOLLOWER } from './follower';
import { LEADER } from './leader';
import { RaftLog } from './log';
import { messageProblem, TERM_CEILING } from './message-check';
import type { Progress } from './progress';
import { voteResult } from './quorum';
import { ReadOnly } from './read-only';
import type { RoleBehaviour } from './role';
import type {
  Entry,
  FollowerProgress,
  HardState,
  InitialState,
  LessonOptions,
  Message,
  NodeId,
  ProposeResult,
  RaftConfig,
  RaftCore,
  RaftOptions,
  RaftStatus,
  ReadState,
  Ready,
  SoftState,
  VoteRequest,
} from './types';

/** Bounds one Ready's committedEntries so that replaying a long log after a restart comes in slices. */
const MAX_COMMITTED_PER_READY = 4096;

interface Outstanding {
  readonly ready: Ready;
  readonly lastEntry: { readonly index: number; readonly term: number } | null;
  readonly afterPersist: readonly Message[];
}

export class Raft implements RaftCore {
  readonly id: NodeId;
  readonly peers: readonly NodeId[];
  /** Every voter but us, in configuration order. */
  readonly others: readonly NodeId[];
  readonly config: RaftConfig;
  preVote: boolean;
  checkQuorum: boolean;
  /** Figure 8 lesson switches (types.ts, LessonOptions); both off unless a lesson turns them on. */
  lesson: Required<LessonOptions> = { skipNoop: false, unsafeCommitByCount: false };

  // Persistent state (Figure 2). Terms never decrease.
  term: number;
  vote: NodeId;
  readonly log: RaftLog;

  behaviour: RoleBehaviour = FOLLOWER;
  leader: NodeId | null = null;
  /** Ticks since we last heard from a leader (followers), or since the last quorum check (leader). */
  electionElapsed = 0;
  heartbeatElapsed = 0;
  electionTimeout = 0;
  /** Candidates: who granted (true) or refused (false) our (pre-)vote. */
  readonly votes = new Map<NodeId, boolean>();
  /** Leader: one per other voter. */
  readonly progress = new Map<NodeId, Progress>();
  readonly readOnly: ReadOnly;
  /** Follower: contexts of reads forwarded to the leader and not yet answered. */
  readonly forwardedReads = new Set<number>();
  transferee: NodeId | null = null;
  transferElapsed = 0;
  /** Leader: replication work to do at the next ready(), so that proposals and replies batch. */
  needsAppend = false;
  /**
   * Leader: a follower's commit index lags ours and no App with entries has carried the news; the
   * next flush() sends it in an empty App. Set by the tick, not by the commit itself (see leader.ts).
   */
  commitNewsDue = false;

  // Output, drained by ready().
  messages: Message[] = [];
  persistedMessages: Message[] = [];
  /** Messages to ourselves that must wait for the fsync of this Ready (the candidate's own vote). */
  afterPersist: Message[] = [];
  readStates: ReadState[] = [];
  failedReads: number[] = [];

  private reportedSoft: SoftState;
  private reportedHard: HardState;
  private outstanding: Outstanding | null = null;

  constructor(config: RaftConfig, initial: InitialState) {
    validateConfig(config);
    this.config = config;
    this.id = config.id;
    this.peers = [...config.peers];
    this.others = this.peers.filter((p) => p !== config.id);
    this.preVote = config.preVote;
    this.checkQuorum = config.checkQuorum;
    checkStoredTerms(initial);
    this.term = initial.hardState.term;
    this.vote = initial.hardState.vote;
    const lastStored = initial.snapshot.index + initial.entries.length;
    if (initial.applied > lastStored) {
      throw new RangeError(`raft: applied ${initial.applied} is beyond the last stored index ${lastStored}`);
    }
    // A commit beyond the stored log can only come from a write whose fsync never completed; nothing
    // was promised from it, so the stored log is the truth. Applied entries were committed.
    const commit = Math.min(Math.max(initial.hardState.commit, initial.applied), lastStored);
    this.log = new RaftLog(initial.snapshot, initial.entries, commit, initial.applied);
    this.readOnly = new ReadOnly(this.id);
    this.drawElectionTimeout();
    this.reportedSoft = { role: 'follower', leader: null };
    // A clamped commit is not news to write back (HardState.commit never decreases); a raised one is.
    this.reportedHard = {
      term: this.term,
      vote: this.vote,
      commit: Math.min(initial.hardState.commit, this.log.committed),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // The public surface.

  tick(): void {
    this.behaviour.tick(this);
  }

  /** Throws RefusedMessageError, having changed nothing, for a message that fails messageProblem(). */
  step(message: Message): void {
    const problem = messageProblem(message, this);
    if (problem !== null) throw new RefusedMessageError(`raft: ${problem}`);
    if (message.term > this.term) {
      if (isVoteRequest(message) && !message.transfer && this.inLease()) {
        // Thesis §4.2.3: while we heard from a live leader within the minimum election timeout, a
        // (pre-)candidate is disruptive; ignore it without even adopting its term.
        return;
      }
      if (message.type === 'PreVote') {
        // Thesis §9.6: a PreVote asks about a term the sender has not entered; ours stays.
      } else if (message.type === 'PreVoteResp' && !message.reject) {
        // A granted PreVote echoes the term we would campaign in; we move to it only by winning.
      } else {
        // §5.1: a higher term makes us a follower; App and Heartbeat also name the leader.
        const leader = message.type === 'App' || message.type === 'Heartbeat' ? message.from : null;
        this.becomeFollower(message.term, leader);
      }
    } else if (message.term < this.term) {
      this.answerStale(message);
      return;
    }
    if (isVoteRequest(message)) {
      this.handleVoteRequest(message);
      return;
    }
    this.behaviour.step(this, message);
  }

  propose(commands: readonly Uint8Array[]): ProposeResult {
    if (commands.length === 0) throw new RangeError('raft: propose needs at least one command');
    return this.behaviour.propose(this, commands);
  }

  readIndex(context: number): boolean {
    return this.behaviour.readIndex(this, context);
  }

  campaign(): void {
    this.behaviour.campaign(this, false);
  }

  transferLeadership(to?: NodeId): boolean {
    return this.behaviour.transferLeadership(this, to);
  }

  setOptions(options: RaftOptions): void {
    if (options.preVote !== undefined) this.preVote = options.preVote;
    if (options.checkQuorum !== undefined) this.checkQuorum = options.checkQuorum;
    if (options.lesson !== undefined) this.lesson = { ...this.lesson, ...options.lesson };
  }

  hasReady(): boolean {
    if (this.outstanding !== null) return false;
    return (
      this.messages.length > 0 ||
      this.persistedMessages.length > 0 ||
      this.afterPersist.length > 0 ||
      this.readStates.length > 0 ||
      this.failedReads.length > 0 ||
      this.log.hasUnstable() ||
      this.log.hasNextCommitted() ||
      this.behaviour.hasPending(this) ||
      this.hardStateChanged() ||
      this.softStateChanged()
    );
  }

  ready(): Ready {
    if (this.outstanding !== null) throw new InvariantError('raft: ready() called again before advance()');
    this.behaviour.flush(this);
    let softState: SoftState | null = null;
    if (this.softStateChanged()) {
      softState = { role: this.behaviour.role, leader: this.leader };
      this.reportedSoft = softState;
    }
    let hardState: HardState | null = null;
    if (this.hardStateChanged()) {
      hardState = { term: this.term, vote: this.vote, commit: this.log.committed };
      this.reportedHard = hardState;
    }
    const entries = this.log.takeUnstable();
    // Entries committed here are on a majority of disks already (acks and our own log count only once
    // durable), whether or not they are durable here: the host may apply them during this Ready's
    // fsync (types.ts, Ready shortcut b).
    const committedEntries = this.log.nextCommitted(MAX_COMMITTED_PER_READY);
    const ready: Ready = {
      softState,
      hardState,
      entries,
      messages: this.messages,
      persistedMessages: this.persistedMessages,
      committedEntries,
      readStates: this.readStates,
      failedReads: this.failedReads,
    };
    const last = entries[entries.length - 1];
    this.outstanding = {
      ready,
      lastEntry: last === undefined ? null : { index: last.index, term: last.term },
      afterPersist: this.afterPersist,
    };
    this.messages = [];
    this.persistedMessages = [];
    this.afterPersist = [];
    this.readStates = [];
    this.failedReads = [];
    return ready;
  }

  advance(ready: Ready): void {
    const outstanding = this.outstanding;
    if (outstanding === null || outstanding.ready !== ready) {
      throw new InvariantError('raft: advance() must be given the Ready returned by the last ready()');
    }
    this.outstanding = null;
    if (outstanding.lastEntry !== null) {
      this.log.stableTo(outstanding.lastEntry.index, outstanding.lastEntry.term);
      this.behaviour.persisted(this);
    }
    const lastApplied = ready.committedEntries[ready.committedEntries.length - 1];
    if (lastApplied !== undefined) this.log.appliedTo(lastApplied.index);
    for (const message of outstanding.afterPersist) this.step(message);
    this.assertInvariants();
  }

  status(): RaftStatus {
    const progress: Record<NodeId, FollowerProgress> = {};
    for (const [id, pr] of this.progress) progress[id] = pr.view();
    return {
      id: this.id,
      role: this.behaviour.role,
      term: this.term,
      vote: this.vote,
      leader: this.leader,
      commit: this.log.committed,
      applied: this.log.applied,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
      lastTerm: this.log.lastTerm(),
      electionElapsedTicks: this.electionElapsed,
      electionTimeoutTicks: this.electionTimeout,
      transferee: this.transferee,
      progress,
      preVote: this.preVote,
      checkQuorum: this.checkQuorum,
      ...(this.lesson.skipNoop || this.lesson.unsafeCommitByCount ? { lesson: { ...this.lesson } } : {}),
    };
  }

  entries(lo: number, hi: number): Entry[] {
    return this.log.slice(lo, hi);
  }

  // ---------------------------------------------------------------------------------------------
  // Becoming a role. Each swaps the behaviour table; reset() clears what belongs to the old role.

  becomeFollower(term: number, leader: NodeId | null): void {
    this.reset(term);
    this.behaviour = FOLLOWER;
    this.leader = leader;
  }

  becomePreCandidate(): void {
    // Thesis §9.6: neither the term nor the vote change until the pre-election is won.
    this.failForwardedReads();
    this.votes.clear();
    this.leader = null;
    this.behaviour = PRECANDIDATE;
  }

  becomeCandidate(): void {
    // §5.2: increment the term and vote for ourselves.
    this.reset(this.term + 1);
    this.vote = this.id;
    this.behaviour = CANDIDATE;
  }

  becomeLeader(): void {
    this.reset(this.term);
    this.behaviour = LEADER;
    this.leader = this.id;
    LEADER.start(this);
  }

  /** The election timer fired (or campaign() was called): start a (pre-)election (§5.2, thesis §9.6). */
  hup(transfer: boolean): void {
    // A timeout draws a fresh timeout, so that nodes that collided once are unlikely to collide again.
    this.electionElapsed = 0;
    this.drawElectionTimeout();
    // A campaign asks for term + 1, which no node would accept above the ceiling: staying a follower
    // (a leader elsewhere can still be heard) beats failing at every timeout.
    if (this.term >= TERM_CEILING) return;
    if (this.preVote && !transfer) this.startPreElection();
    else this.startElection(transfer);
  }

  private startPreElection(): void {
    this.becomePreCandidate();
    this.votes.set(this.id, true);
    if (voteResult(this.peers, this.votes) === 'won') {
      this.startElection(false);
      return;
    }
    this.sendVoteRequests('PreVote', this.term + 1, false);
  }

  startElection(transfer: boolean): void {
    this.becomeCandidate();
    // Our own vote counts only once it is durable, like anyone else's grant.
    this.afterPersist.push({ type: 'VoteResp', from: this.id, to: this.id, term: this.term, reject: false });
    this.sendVoteRequests('Vote', this.term, transfer);
  }

  private sendVoteRequests(type: 'PreVote' | 'Vote', term: number, transfer: boolean): void {
    const lastLogIndex = this.log.lastIndex();
    const lastLogTerm = this.log.lastTerm();
    for (const to of this.others) {
      this.messages.push({ type, from: this.id, to, term, lastLogIndex, lastLogTerm, transfer });
    }
  }

  private reset(term: number): void {
    if (term < this.term) throw new InvariantError(`raft: term would go back from ${this.term} to ${term}`);
    if (term !== this.term) {
      this.term = term;
      this.vote = '';
    }
    this.leader = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.drawElectionTimeout();
    this.votes.clear();
    this.endLeadership();
    this.failForwardedReads();
  }

  /** Drops everything only a leader holds; reads it was serving fail so that clients retry elsewhere. */
  private endLeadership(): void {
    this.transferee = null;
    this.transferElapsed = 0;
    this.needsAppend = false;
    this.commitNewsDue = false;
    this.progress.clear();
    for (const read of this.readOnly.reset()) {
      if (read.from === this.id) {
        this.failedReads.push(read.context);
      } else {
        this.messages.push({
          type: 'ReadIndexResp',
          from: this.id,
          to: read.from,
          term: this.term,
          context: read.context,
          index: 0,
          reject: true,
        });
      }
    }
  }

  private failForwardedReads(): void {
    for (const context of this.forwardedReads) this.failedReads.push(context);
    this.forwardedReads.clear();
  }

  drawElectionTimeout(): void {
    const { electionTicksMin, electionTicksMax } = this.config;
    this.electionTimeout = electionTicksMin + this.config.random.nextInt(electionTicksMax - electionTicksMin);
  }

  /** CheckQuorum's leader lease: we heard from a leader (or are one) within the minimum election timeout. */
  inLease(): boolean {
    return this.checkQuorum && this.leader !== null && this.electionElapsed < this.config.electionTicksMin;
  }

  // ---------------------------------------------------------------------------------------------
  // Rules every role shares.

  /** §5.1: a request from an older term is refused with our term, so that its sender steps down. */
  private answerStale(message: Message): void {
    const base = { from: this.id, to: message.from, term: this.term };
    switch (message.type) {
      case 'App':
      case 'Heartbeat':
        this.messages.push({
          ...base,
          type: 'AppResp',
          reject: true,
          index: message.type === 'App' ? message.prevLogIndex : 0,
          conflictTerm: 0,
          conflictIndex: 0,
        });
        return;
      case 'PreVote':
      case 'Vote':
        this.messages.push({ ...base, type: message.type === 'Vote' ? 'VoteResp' : 'PreVoteResp', reject: true });
        return;
      default:
        // A stale reply or notice: its sender has moved on too.
        return;
    }
  }

  /** RequestVote receiver (Figure 2) and its PreVote twin. The term rules have already run. */
  private handleVoteRequest(message: VoteRequest): void {
    const isPreVote = message.type === 'PreVote';
    // §5.2: at most one vote per term, first come first served; a repeated request gets the same answer.
    // A PreVote for a future term promises nothing, so it only needs the log check (thesis §9.6).
    const canVote =
      this.vote === message.from ||
      (this.vote === '' && this.leader === null) ||
      (isPreVote && message.term > this.term);
    const grant = canVote && this.log.isUpToDate(message.lastLogIndex, message.lastLogTerm);
    const type = isPreVote ? 'PreVoteResp' : 'VoteResp';
    if (!grant) {
      this.messages.push({ type, from: this.id, to: message.from, term: this.term, reject: true });
      return;
    }
    if (isPreVote) {
      // The grant echoes the requested term: the pre-candidate can tell it apart from a stale answer.
      this.messages.push({ type, from: this.id, to: message.from, term: message.term, reject: false });
      return;
    }
    this.vote = message.from;
    // §5.2: granting a vote resets the election timer, so the candidate gets its chance.
    this.electionElapsed = 0;
    // The grant goes out only once the vote is durable (Figure 2, "Persistent state").
    this.persistedMessages.push({ type, from: this.id, to: message.from, term: message.term, reject: false });
  }

  private softStateChanged(): boolean {
    return this.reportedSoft.role !== this.behaviour.role || this.reportedSoft.leader !== this.leader;
  }

  private hardStateChanged(): boolean {
    const hard = this.reportedHard;
    return hard.term !== this.term || hard.vote !== this.vote || hard.commit !== this.log.committed;
  }

  private assertInvariants(): void {
    const log = this.log;
    if (!(log.applied <= log.committed && log.committed <= log.lastIndex())) {
      throw new InvariantError(
        `raft: invariant applied <= committed <= lastIndex broken: ${log.applied}, ${log.committed}, ${log.lastIndex()}`,
      );
    }
  }
}

function isVoteRequest(message: Message): message is VoteRequest {
  return message.type === 'Vote' || message.type === 'PreVote';
}

/**
 * A stored term or entry term above the ceiling can only have come from a forged or corrupt message
 * that an older version accepted. No node may campaign from there, so recovery stops and says so.
 */
function checkStoredTerms(initial: InitialState): void {
  const { term } = initial.hardState;
  // Entry terms never fall along a log, so the last entry holds the highest.
  const lastTerm = initial.entries[initial.entries.length - 1]?.term ?? 0;
  if (Number.isSafeInteger(term) && term >= 0 && term <= TERM_CEILING && lastTerm <= TERM_CEILING) return;
  throw new RangeError(
    `raft: recovery refused: the stored term ${Math.max(term, lastTerm)} is above the ceiling ${TERM_CEILING}. ` +
      'Only a forged or corrupt message, accepted by an older version, leads there, and no node can ' +
      "campaign beyond it. Restore this node's data folder from a backup, or move it aside and restart " +
      'the node empty once the rest of its group has a leader (it then learns the log again from them).',
  );
}

function validateConfig(config: RaftConfig): void {
  const problems: string[] = [];
  const positive = (name: keyof RaftConfig) => {
    const value = config[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      problems.push(`${name} must be a positive integer, got ${String(value)}`);
    }
  };
  positive('electionTicksMin');
  positive('electionTicksMax');
  positive('heartbeatTicks');
  positive('maxEntriesPerMessage');
  positive('maxBytesPerMessage');
  positive('maxInflightMessages');
  if (config.electionTicksMax <= config.electionTicksMin) {
    problems.push(
      `electionTicksMax (${config.electionTicksMax}) must exceed electionTicksMin (${config.electionTicksMin})`,
    );
  }
  if (config.heartbeatTicks >= config.electionTicksMin) {
    problems.push(
      `heartbeatTicks (${config.heartbeatTicks}) must be below electionTicksMin (${config.electionTicksMin})`,
    );
  }
  if (!config.peers.includes(config.id)) problems.push(`peers must include this node's id ${config.id}`);
  if (new Set(config.peers).size !== config.peers.length) problems.push('peers lists a node twice');
  if (problems.length > 0) throw new RangeError(`raft config: ${problems.join('; ')}`);
}
