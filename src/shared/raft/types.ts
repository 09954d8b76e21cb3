// The vocabulary of the Raft core: ids, log entries, persistent state, messages and the Ready
// batch. Everything here is plain data so that it can cross a worker, an IPC channel or a test
// harness unchanged. The core itself lives in raft.ts; this file has no behaviour.

/** A node's id is its `ip:port` address from the partition configuration. */
export type NodeId = string;

export type Role = 'follower' | 'precandidate' | 'candidate' | 'leader';

/** `noop` is the empty entry each new leader appends (thesis §6.4); `normal` carries a command. */
export type EntryType = 'normal' | 'noop';

export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly type: EntryType;
  /** The state machine command. Empty for `noop`. Opaque to the core. */
  readonly data: Uint8Array;
}

/** What must be on disk before the node says anything that depends on it (Figure 2, "Persistent state"). */
export interface HardState {
  readonly term: number;
  /** The candidate voted for in `term`, or '' for none. */
  readonly vote: NodeId;
  /** Persisted so that a restarted node can re-apply what it knows is committed. Never decreases. */
  readonly commit: number;
}

/** The point the log starts after. Compaction will move it; today it stays at {0, 0}. */
export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
}

// ---------------------------------------------------------------------------------------------
// Messages. Every message names its sender, receiver and the sender's term.

interface MessageBase {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
}

/** RequestVote, or its PreVote rehearsal (thesis §9.6). A PreVote's `term` is the term it would campaign in. */
export interface VoteRequest extends MessageBase {
  readonly type: 'PreVote' | 'Vote';
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
  /** Set when a leadership transfer caused the campaign: voters then ignore their leader lease. */
  readonly transfer: boolean;
}

export interface VoteResponse extends MessageBase {
  readonly type: 'PreVoteResp' | 'VoteResp';
  readonly reject: boolean;
}

export interface AppendEntries extends MessageBase {
  readonly type: 'App';
  readonly prevLogIndex: number;
  readonly prevLogTerm: number;
  readonly entries: readonly Entry[];
  /** The leader's commit index. */
  readonly commit: number;
}

export interface AppendResponse extends MessageBase {
  readonly type: 'AppResp';
  readonly reject: boolean;
  /**
   * On success, the highest index the follower now holds that matches the leader.
   * On reject, the `prevLogIndex` that did not match.
   */
  readonly index: number;
  /** On reject: the term of the follower's entry at `index` (0 if it has none) ... */
  readonly conflictTerm: number;
  /** ... and the first index the follower holds of that term, or its last index + 1 if it has none. */
  readonly conflictIndex: number;
}

/** Heartbeats are separate from App so that they stay tiny and carry the read-round context. */
export interface Heartbeat extends MessageBase {
  readonly type: 'Heartbeat';
  /** min(leader commit, follower match): never tells a follower to commit what it may not hold. */
  readonly commit: number;
  /** The ReadIndex round this heartbeat confirms leadership for, 0 for none. */
  readonly context: number;
}

export interface HeartbeatResponse extends MessageBase {
  readonly type: 'HeartbeatResp';
  readonly context: number;
}

/** Leadership transfer: tells the target to campaign at once (thesis §3.10). */
export interface TimeoutNow extends MessageBase {
  readonly type: 'TimeoutNow';
}

/** A follower asks the leader for a read index on behalf of its own clients (thesis §6.4). */
export interface ReadIndexRequest extends MessageBase {
  readonly type: 'ReadIndex';
  /** Opaque to the leader; echoed back. */
  readonly context: number;
}

export interface ReadIndexResponse extends MessageBase {
  readonly type: 'ReadIndexResp';
  readonly context: number;
  /** The read index, valid only when `reject` is false. */
  readonly index: number;
  readonly reject: boolean;
}

export type Message =
  | VoteRequest
  | VoteResponse
  | AppendEntries
  | AppendResponse
  | Heartbeat
  | HeartbeatResponse
  | TimeoutNow
  | ReadIndexRequest
  | ReadIndexResponse;

export type MessageType = Message['type'];

export const MESSAGE_TYPES: readonly MessageType[] = [
  'PreVote',
  'PreVoteResp',
  'Vote',
  'VoteResp',
  'App',
  'AppResp',
  'Heartbeat',
  'HeartbeatResp',
  'TimeoutNow',
  'ReadIndex',
  'ReadIndexResp',
];

// ---------------------------------------------------------------------------------------------
// Configuration and the outputs of the core.

/** The only randomness the core sees. Seeded in tests and simulations so that runs replay. */
export interface Random {
  /** An integer in [0, maxExclusive). */
  nextInt(maxExclusive: number): number;
}

export interface RaftConfig {
  readonly id: NodeId;
  /** Every voter of the group, this node included. */
  readonly peers: readonly NodeId[];
  /** The election timeout is drawn uniformly from [electionTicksMin, electionTicksMax). */
  readonly electionTicksMin: number;
  readonly electionTicksMax: number;
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  /** Flow control: entries and bytes in one App, and App messages in flight per follower. */
  readonly maxEntriesPerMessage: number;
  readonly maxBytesPerMessage: number;
  readonly maxInflightMessages: number;
  readonly random: Random;
}

/** What the host loaded from storage at start. */
export interface InitialState {
  readonly hardState: HardState;
  readonly snapshot: SnapshotMeta;
  /** Every entry after `snapshot.index`, in order, without gaps. */
  readonly entries: readonly Entry[];
  /** The highest index already applied to the state machine the host restored (0 for a fresh one). */
  readonly applied: number;
}

/** Volatile state that views care about; reported in a Ready when it changes. */
export interface SoftState {
  readonly role: Role;
  readonly leader: NodeId | null;
}

/** A linearizable read may be served once the state machine has applied `index`. */
export interface ReadState {
  readonly context: number;
  readonly index: number;
}

/**
 * One batch of work for the host. Act on it in this order, then call `advance(ready)`:
 *  1. persist `hardState` (if present) and `entries` (overwriting any suffix from entries[0].index),
 *     with one fsync covering both; meanwhile `messages` may already be sent;
 *  2. once durable, send `persistedMessages` (votes and acknowledgements that promise what is on disk);
 *  3. apply `committedEntries` in order;
 *  4. release `readStates` whose index the state machine has applied.
 * The leader counts its own log towards a commit only after `advance` says it is durable.
 *
 * Three shortcuts a host may take (src/main/host/ready-loop.ts takes all three), and why each is safe:
 *  a. No fsync when the only durable change is a higher `hardState.commit` (no entries, same term
 *     and vote). The commit index is volatile (Figure 2): losing it costs a restart a re-learn from
 *     the leader, never a promise. It is written with the next save of entries, a term or a vote.
 *     `persistedMessages` then leave at once: they promise nothing this Ready changed.
 *  b. `committedEntries` may be applied (and reads released) while step 1's fsync runs, before it
 *     is durable here, even entries that arrive in this same Ready's `entries`. Each of them is
 *     committed, so already on a majority of disks: a follower's ack counts only once sent after its
 *     fsync (step 2), and the leader's own log only once `advance` says so. This node's fsync adds
 *     nothing to their safety, and the state machine is volatile: a crash loses it and the restart
 *     re-applies from the log. What must never move ahead of step 1 is step 2.
 *  c. A leader may run the fsync in the background and send `messages` (its Apps) once the sync is
 *     under way rather than before it: they promise nothing durable, so when they leave is free.
 */
export interface Ready {
  readonly softState: SoftState | null;
  readonly hardState: HardState | null;
  readonly entries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly persistedMessages: readonly Message[];
  readonly committedEntries: readonly Entry[];
  readonly readStates: readonly ReadState[];
  /** Contexts of reads that will never be served (leadership lost or refused): the host may retry. */
  readonly failedReads: readonly number[];
}

export type ProposeResult =
  | { readonly ok: true; readonly firstIndex: number; readonly term: number }
  | { readonly ok: false; readonly reason: 'not-leader' | 'transferring'; readonly leader: NodeId | null };

export type FollowerState = 'probe' | 'replicate';

export interface FollowerProgress {
  readonly match: number;
  readonly next: number;
  readonly state: FollowerState;
  readonly inflight: number;
  /** Heard from within the current election timeout (CheckQuorum). */
  readonly recentActive: boolean;
}

/** A read-only picture of the core for views and tests. */
export interface RaftStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId;
  readonly leader: NodeId | null;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly electionElapsedTicks: number;
  readonly electionTimeoutTicks: number;
  readonly transferee: NodeId | null;
  /** Per follower; empty unless leader. */
  readonly progress: Readonly<Record<NodeId, FollowerProgress>>;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  /** Present only while a Figure 8 lesson switch is on (see LessonOptions). */
  readonly lesson?: LessonOptions;
}

/**
 * Figure 8 lesson switches, for teaching only; both off by default. The host accepts them only in
 * lesson mode (`raftlab cluster`, the desktop app), never from `raftlab node`'s command line.
 *  - skipNoop: a new leader appends no no-op, so an entry of an earlier term can sit on a majority
 *    with nothing of the leader's term above it: the §5.4.2 situation, where the commit rule must
 *    visibly hold it back.
 *  - unsafeCommitByCount: UNSAFE. The leader commits whatever a majority holds, whatever its term:
 *    the mistake Figure 8 warns about; a later leader can then overwrite a committed entry.
 */
export interface LessonOptions {
  readonly skipNoop?: boolean;
  readonly unsafeCommitByCount?: boolean;
}

export interface RaftOptions {
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  readonly lesson?: LessonOptions;
}

/** The Raft core's whole surface. Pure: no I/O, no clock; time is `tick()`. */
export interface RaftCore {
  /** One unit of logical time. Elections and heartbeats are counted in ticks. */
  tick(): void;
  /** Feeds one message from a peer. Messages from other terms are handled as Figure 2 says. */
  step(message: Message): void;
  /** Appends commands to the leader's log. Indices are consecutive from `firstIndex`. */
  propose(commands: readonly Uint8Array[]): ProposeResult;
  /**
   * Asks for a linearizable read index. The answer comes as a ReadState with this context, or in
   * `failedReads`. Returns false at once when no leader is known.
   */
  readIndex(context: number): boolean;
  /** Times out now: starts a (pre-)election as if the election timer had fired. */
  campaign(): void;
  /** Leader only: hands leadership to `to`, or to the most up-to-date follower. False if impossible. */
  transferLeadership(to?: NodeId): boolean;
  /** Switches PreVote and CheckQuorum at run time, so a class can see what each one prevents. */
  setOptions(options: RaftOptions): void;
  hasReady(): boolean;
  /** Takes the pending work. Call `advance` with it once it is acted on, before the next `ready()`. */
  ready(): Ready;
  advance(ready: Ready): void;
  status(): RaftStatus;
  /** Entries in [lo, hi), clipped to what the log holds. */
  entries(lo: number, hi: number): Entry[];
}
