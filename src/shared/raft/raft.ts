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
import { decodeConfChange, encodeConfChange } from './conf-change';
import { InvariantError, RefusedMessageError } from './errors';
import { FOLLOWER } from './follower';
import { LEADER } from './leader';
import { type LogStart, RaftLog } from './log';
import { applyConfChange, confChangeProblem, isVoter, MembershipHistory } from './membership';
import { membershipProblem, messageProblem, TERM_CEILING } from './message-check';
import type { Progress } from './progress';
import { voteResult } from './quorum';
import { ReadOnly } from './read-only';
import type { RoleBehaviour } from './role';
import type {
  ConfChange,
  Entry,
  FollowerProgress,
  HardState,
  InitialState,
  LessonOptions,
  Membership,
  Message,
  NodeId,
  ProposeResult,
  RaftConfig,
  RaftCore,
  RaftOptions,
  RaftStatus,
  ReadState,
  Ready,
  SnapshotMeta,
  SoftState,
  VoteRequest,
} from './types';
import { DEFAULT_SNAPSHOT_CATCH_UP_ENTRIES } from './types';

/** Bounds one Ready's committedEntries so that replaying a long log after a restart comes in slices. */
const MAX_COMMITTED_PER_READY = 4096;

interface Outstanding {
  readonly ready: Ready;
  readonly lastEntry: { readonly index: number; readonly term: number } | null;
  readonly afterPersist: readonly Message[];
}

export class Raft implements RaftCore {
  readonly id: NodeId;
  // The committed membership, derived lists kept in step with it by setMembership().
  /** Voters: they elect and their matches commit. */
  voters: readonly NodeId[] = [];
  /** Every member (voters, then learners): whom we accept any message from (message-check.ts). */
  peers: readonly NodeId[] = [];
  /** Every member but us: the leader replicates to each of them. */
  others: readonly NodeId[] = [];
  /** Every voter but us: whom a candidate asks for votes. */
  otherVoters: readonly NodeId[] = [];
  readonly config: RaftConfig;
  /** The committed membership, and its history since the applied index (for snapshotMeta()). */
  readonly members: MembershipHistory;
  /** Config entries up to here have been applied to `members` (it follows the commit index). */
  private configApplied: number;
  /** Leader: the index of the last config entry it appended; no new change until it commits. */
  pendingConfIndex = 0;
  /** Leader: its own removal committed; it hands out the news in this flush, then steps down. */
  leaveAfterFlush = false;
  /** The newest snapshot the host holds durably (compact() or installed): what a Snap sends. */
  snapshot: SnapshotMeta | null = null;
  /** Follower: a snapshot accepted from the leader, for the next Ready to install. */
  private snapshotToInstall: SnapshotMeta | null = null;
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
    const membership = initialMembership(initial.snapshot, config);
    this.members = new MembershipHistory(initial.snapshot.index, membership);
    if (initial.snapshot.index > 0) this.snapshot = { ...initial.snapshot, membership };
    this.configApplied = initial.snapshot.index;
    this.setMembership();
    // The tail's config entries up to the commit index are in force again, as before the restart.
    this.applyConfigsThrough(this.log.committed);
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
        const leader = carriesLeadership(message) ? message.from : null;
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
      this.snapshotToInstall !== null ||
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
      snapshot: this.snapshotToInstall,
    };
    this.snapshotToInstall = null;
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
    // A snapshot installed since that Ready already counts its entries as applied.
    if (lastApplied !== undefined && lastApplied.index > this.log.start.index) this.log.appliedTo(lastApplied.index);
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
      membership: this.members.current,
      snapshotIndex: this.snapshot?.index ?? 0,
      learner: this.members.current.learners.includes(this.id),
      pendingConfIndex:
        this.behaviour.role === 'leader' && this.pendingConfIndex > this.log.committed ? this.pendingConfIndex : 0,
      ...(this.lesson.skipNoop || this.lesson.unsafeCommitByCount ? { lesson: { ...this.lesson } } : {}),
    };
  }

  entries(lo: number, hi: number): Entry[] {
    return this.log.slice(lo, hi);
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    return this.behaviour.proposeConfChange(this, change);
  }

  snapshotMeta(): SnapshotMeta {
    const index = this.log.applied;
    const term = this.log.term(index);
    if (term === undefined) throw new InvariantError(`raft: no term for the applied index ${index}`);
    return { index, term, membership: this.members.at(index) };
  }

  /** Throws RangeError, having changed nothing, for a meta that no snapshot of this node can carry. */
  compact(meta: SnapshotMeta): void {
    const problem = this.compactProblem(meta);
    if (problem !== null) throw new RangeError(`raft: compact refused: ${problem}`);
    if (meta.index <= (this.snapshot?.index ?? 0)) return;
    this.snapshot = meta;
    const keep = this.config.snapshotCatchUpEntries ?? DEFAULT_SNAPSHOT_CATCH_UP_ENTRIES;
    this.log.compactTo(meta.index - keep);
    this.members.forgetBefore(meta.index);
  }

  reportSnapshot(to: NodeId, ok: boolean): void {
    this.behaviour.reportSnapshot(this, to, ok);
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
    // Learners, removed nodes and nodes that have not joined yet never campaign (thesis §4.2.1).
    if (!this.promotable()) return;
    if (this.preVote && !transfer) this.startPreElection();
    else this.startElection(transfer);
  }

  private startPreElection(): void {
    this.becomePreCandidate();
    this.votes.set(this.id, true);
    if (voteResult(this.voters, this.votes) === 'won') {
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
    for (const to of this.otherVoters) {
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
    this.leaveAfterFlush = false;
    this.pendingConfIndex = 0;
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
      case 'Snap':
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

  // ---------------------------------------------------------------------------------------------
  // Membership and snapshots.

  /** Advances the commit index and puts every config entry it passes into force. */
  commitTo(index: number): void {
    if (this.log.commitTo(index)) this.applyConfigsThrough(this.log.committed);
  }

  private applyConfigsThrough(index: number): void {
    for (let i = this.configApplied + 1; i <= index; i++) {
      const entry = this.log.entry(i);
      if (entry?.type !== 'config') continue;
      let change: ConfChange;
      try {
        change = decodeConfChange(entry.data);
      } catch (error) {
        // message-check refuses such an entry on the way in; one in the log means corruption.
        throw new InvariantError(`raft: committed config entry ${i} is unreadable: ${(error as Error).message}`);
      }
      this.members.record(i, applyConfChange(this.members.current, change));
      this.configApplied = i;
      this.setMembership();
      this.behaviour.membershipChanged(this);
    }
    if (index > this.configApplied) this.configApplied = index;
  }

  private setMembership(): void {
    const { voters, learners } = this.members.current;
    this.voters = voters;
    this.peers = [...voters, ...learners];
    this.others = this.peers.filter((p) => p !== this.id);
    this.otherVoters = voters.filter((p) => p !== this.id);
  }

  /**
   * Whether this node may campaign: a voter of the committed membership that no config entry
   * further along its log removes. A node whose log holds its own removal must not lead: if the
   * removal is committed, every future leader holds it (Leader Completeness), so the group it
   * would lead is one it has left.
   */
  promotable(): boolean {
    if (!isVoter(this.members.current, this.id)) return false;
    let membership: Membership = this.members.current;
    for (let i = this.log.committed + 1; i <= this.log.lastIndex(); i++) {
      const entry = this.log.entry(i);
      if (entry?.type !== 'config') continue;
      // An unreadable uncommitted entry was refused on arrival; skip rather than stop the node.
      try {
        membership = applyConfChange(membership, decodeConfChange(entry.data));
      } catch {}
    }
    return isVoter(membership, this.id);
  }

  /** Leader: appends one membership change, or says why not (types.ts, proposeConfChange). */
  appendConfChange(change: ConfChange): ProposeResult {
    const refuse = (detail: string): ProposeResult => ({ ok: false, reason: 'refused', leader: this.id, detail });
    if (this.pendingConfIndex > this.log.committed) {
      return refuse(`a membership change is pending at index ${this.pendingConfIndex}; one at a time`);
    }
    if (this.log.term(this.log.committed) !== this.term) {
      return refuse('this leader has not yet committed an entry of its term; try again shortly');
    }
    const problem = confChangeProblem(this.members.current, change);
    if (problem !== null) return refuse(problem);
    const index = this.log.lastIndex() + 1;
    this.log.appendAsLeader([{ index, term: this.term, type: 'config', data: encodeConfChange(change) }]);
    this.pendingConfIndex = index;
    this.needsAppend = true;
    return { ok: true, firstIndex: index, term: this.term };
  }

  /**
   * Follower: the leader's InstallSnapshot (§7). A snapshot at or below our commit tells us nothing;
   * one whose last entry we hold commits up to it and keeps the tail; any other replaces the log.
   */
  handleSnapshot(from: NodeId, meta: SnapshotMeta): void {
    const log = this.log;
    if (meta.index <= log.committed) {
      this.replyAppend(from, log.committed);
      return;
    }
    if (log.matchTerm(meta.index, meta.term)) {
      this.commitTo(meta.index);
      this.replyAppend(from, meta.index);
      return;
    }
    // Acknowledgements not yet sent may claim entries this drops.
    this.persistedMessages = this.persistedMessages.filter(
      (m) => !(m.type === 'AppResp' && !m.reject && m.index > meta.index),
    );
    const start: LogStart = { index: meta.index, term: meta.term };
    log.restore(start);
    this.members.reset(meta.index, meta.membership);
    this.configApplied = meta.index;
    this.setMembership();
    this.snapshot = meta;
    this.snapshotToInstall = meta;
    // Sent once the host has installed the snapshot (Ready.snapshot comes before persistedMessages).
    this.replyAppend(from, meta.index);
  }

  replyAppend(to: NodeId, index: number): void {
    this.persistedMessages.push({
      type: 'AppResp',
      from: this.id,
      to,
      term: this.term,
      reject: false,
      index,
      conflictTerm: 0,
      conflictIndex: 0,
    });
  }

  private compactProblem(meta: SnapshotMeta): string | null {
    if (typeof meta !== 'object' || meta === null) return 'the meta must be an object';
    const { index, term } = meta;
    if (!Number.isSafeInteger(index) || index < 1) return `index ${String(index)} is not a log index`;
    if (index > this.log.applied) return `index ${index} is beyond the applied index ${this.log.applied}`;
    if (index <= (this.snapshot?.index ?? 0)) return null; // Older than what we hold: nothing to do.
    const held = this.log.term(index);
    if (held !== term) return `the log has term ${String(held)} at index ${index}, the meta says ${String(term)}`;
    const problem = membershipProblem(meta.membership);
    if (problem !== null) return problem;
    if (!sameMembership(meta.membership, this.members.at(index))) {
      return `the meta's membership is not the one in force at index ${index}`;
    }
    return null;
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

/** App, Heartbeat and Snap come only from a leader of their term. */
export function carriesLeadership(message: Message): boolean {
  return message.type === 'App' || message.type === 'Heartbeat' || message.type === 'Snap';
}

function sameMembership(a: Membership, b: Membership): boolean {
  const same = (x: readonly NodeId[], y: readonly NodeId[]) => x.length === y.length && x.every((id) => y.includes(id));
  return same(a.voters, b.voters) && same(a.learners, b.learners);
}

/**
 * The membership in force at the initial snapshot. Storage knows no group at index 0 and reports
 * none: that stands for the bootstrap voters (types.ts, SnapshotMeta).
 */
function initialMembership(snapshot: SnapshotMeta, config: RaftConfig): Membership {
  const given = snapshot.membership;
  if (given !== undefined && given.voters.length > 0) {
    const problem = membershipProblem(given);
    if (problem !== null) throw new RangeError(`raft: the initial snapshot's ${problem}`);
    return given;
  }
  if (snapshot.index > 0) {
    throw new RangeError(`raft: the snapshot at index ${snapshot.index} names no voter; a snapshot carries its group`);
  }
  const learners = (given?.learners ?? []).filter((id) => !config.peers.includes(id));
  return { voters: [...config.peers], learners };
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
  // A node outside the bootstrap voters is a joining node: it never campaigns until a committed
  // config makes it a voter, so no check that peers include config.id.
  const keep = config.snapshotCatchUpEntries;
  if (keep !== undefined && (!Number.isSafeInteger(keep) || keep < 0)) {
    problems.push(`snapshotCatchUpEntries must be a non-negative integer, got ${String(keep)}`);
  }
  if (new Set(config.peers).size !== config.peers.length) problems.push('peers lists a node twice');
  if (problems.length > 0) throw new RangeError(`raft config: ${problems.join('; ')}`);
}
