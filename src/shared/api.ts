// The one typed contract between the cluster host and any view (CONTRACTS.md §4). The Electron IPC
// handlers, the preload bridge, the HTTP control API and the renderer's transport all derive from
// `ClusterApi` and the operation list below, so a new operation is added here first.
import type { MessageType, NodeId, Role } from './raft/types';
import type { SafetyReport } from './safety';
import { STAGING_OPERATIONS, type StagingApi, type StagingView } from './staging-api';

export type { MessageType, NodeId, Role };

export interface LogEntryView {
  readonly index: number;
  readonly term: number;
  /** Human-readable, e.g. `SET color blue` or `(no-op)`. */
  readonly command: string;
}

export interface FollowerProgressView {
  readonly match: number;
  readonly next: number;
  readonly state: 'probe' | 'replicate' | 'snapshot';
}

export interface NodeView {
  readonly id: NodeId;
  readonly group: number;
  readonly alive: boolean;
  readonly role: Role;
  readonly term: number;
  readonly votedFor: NodeId | null;
  readonly leader: NodeId | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastLogIndex: number;
  /** The index the log starts after: its last snapshot (taken or installed); 0 before any. */
  readonly snapshotIndex: number;
  /** The first index the node still holds in its log (snapshotIndex + 1 unless it keeps a margin). */
  readonly firstLogIndex: number;
  /** Issue 12: the term of the last entry its snapshot covers (absent: no snapshot, or not known). */
  readonly snapshotTerm?: number;
  /** The tail of the log, oldest first. */
  readonly log: readonly LogEntryView[];
  /** For the election-timer arc: how far the timer has run, out of its timeout, in ms of host time. */
  readonly electionElapsedMs: number;
  readonly electionTimeoutMs: number;
  /** Leaders only: each follower's replication progress. */
  readonly progress: Readonly<Record<NodeId, FollowerProgressView>>;
  /** Candidates: who granted (true) or refused (false) the (pre-)vote so far. */
  readonly votes?: Readonly<Record<NodeId, boolean>>;
  /** Host ms since each peer's last message reached this node (absent: never heard from it). */
  readonly contactAgoMs?: Readonly<Record<NodeId, number>>;
  /** A dead node that stopped itself (fail-stop): why, e.g. "storage failed: ..." or "broken invariant: ...". */
  readonly failure?: string;
  /** A non-voting member: it gets the log, never votes or campaigns (it is catching up to be promoted). */
  readonly learner: boolean;
}

export interface GroupView {
  readonly id: number;
  readonly leader: NodeId | null;
  /** The voters, as the group's committed membership says (the bootstrap list until it changed). */
  readonly members: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export interface LinkView {
  readonly a: NodeId;
  readonly b: NodeId;
  /** When true only messages from a to b are cut. */
  readonly oneWay: boolean;
}

export interface RingToken {
  /** Position on the ring, in [0, hashSpace). */
  readonly hash: number;
  readonly group: number;
}

export interface RingView {
  readonly hashSpace: number;
  readonly tokens: readonly RingToken[];
  /** Each group's number of tokens: a view rebuilds the very ring that routes from it. */
  readonly tokensPerGroup?: number;
  /** The ring of record's version (1 = the bootstrap ring); absent in views that do not track it. */
  readonly version?: number;
  /** Key moves of the resharding in progress (or the last one, `done`). */
  readonly moves?: readonly RingMoveView[];
  /** The groups of the ring before the last (or current) resharding: the dashboard shows which keys moved. */
  readonly previousGroups?: readonly number[];
}

/** One source-to-target key move of a resharding (docs/resharding.md). */
export interface RingMoveView {
  readonly from: number;
  readonly to: number;
  readonly keysMoved: number;
  readonly keysTotal: number;
  readonly done: boolean;
}

export interface NetworkSettings {
  readonly latencyMs: readonly [number, number];
  readonly dropRate: number;
}

export interface ClockSettings {
  /** Every timer and added delay is multiplied by this; 1 is real time. */
  readonly timescale: number;
  readonly paused: boolean;
}

export interface RaftOptions {
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
}

/**
 * The Figure 8 lessons (LessonOptions in raft/types.ts). `available` is false outside lesson mode
 * (anything but `raftlab cluster` and the desktop app), where setLesson is refused.
 */
export interface LessonSettings {
  readonly skipNoop: boolean;
  /** UNSAFE: commit by counting replicas, whatever the entry's term. */
  readonly unsafeCommitByCount: boolean;
}

export interface LessonState extends LessonSettings {
  readonly available: boolean;
}

export interface ClusterState {
  /** The partition configuration, as parsed (CONTRACTS.md §1). */
  readonly partitions: readonly (readonly NodeId[])[];
  readonly groups: readonly GroupView[];
  readonly nodes: readonly NodeView[];
  readonly links: readonly LinkView[];
  readonly ring: RingView;
  readonly network: NetworkSettings;
  readonly clock: ClockSettings;
  readonly raft: RaftOptions;
  /** Events the host had to drop because a view could not keep up. */
  readonly droppedEvents: number;
  /** Held messages and the guided scenario (staging-api.ts). */
  readonly staging?: StagingView;
  /** The live safety monitor's verdicts (src/main/monitor); absent from hosts that run none. */
  readonly safety?: SafetyReport;
  readonly lesson?: LessonState;
  /** Set by `raftlab replay`: a recorded session, read-only. */
  readonly replay?: { readonly file: string };
}

// ---------------------------------------------------------------------------------------------
// Events. `at` is host time in ms since the host started.

interface EventBase {
  readonly at: number;
}

export type ClusterEvent =
  | (EventBase & {
      readonly type: 'role';
      readonly node: NodeId;
      readonly role: Role;
      readonly term: number;
      /** The leader the node knows of (null: none). Always set on `initial` events. */
      readonly leader?: NodeId | null;
      /**
       * Set on the batch a view receives first when it subscribes: each live node's role, term and
       * leader as they are now, with every older event already delivered before it. A view seeds
       * what it knows of roles from these, never from a polled snapshot.
       */
      readonly initial?: true;
    })
  | (EventBase & { readonly type: 'term'; readonly node: NodeId; readonly term: number })
  | (EventBase & { readonly type: 'vote'; readonly node: NodeId; readonly term: number; readonly votedFor: NodeId })
  | (EventBase & {
      readonly type: 'send' | 'deliver' | 'drop';
      /** Pairs a send with its deliver or drop. */
      readonly id: number;
      readonly kind: MessageType;
      readonly from: NodeId;
      readonly to: NodeId;
      readonly term: number;
      readonly size: number;
      /** App: how many entries it carries. AppResp/VoteResp: whether it was a rejection. */
      readonly entries?: number;
      readonly reject?: boolean;
      /**
       * App: its prevLogIndex. AppResp: on success the follower's matching index, on reject the
       * prevLogIndex that did not match. ReadIndexResp: the read index.
       */
      readonly index?: number;
      /** App: its prevLogTerm. A rejecting AppResp: the term the follower holds at `index` (0: none). */
      readonly logTerm?: number;
      /** A rejecting AppResp: the first index the follower holds of `logTerm` (its conflict hint). */
      readonly hint?: number;
      /** Vote/PreVote: set when a leadership transfer (TimeoutNow) caused the campaign. */
      readonly transfer?: boolean;
      /** For drops: why (cut, loss, dead, paused-overflow, ...). */
      readonly reason?: string;
    })
  | (EventBase & {
      readonly type: 'append';
      readonly node: NodeId;
      /** The last entry appended; the batch is entries index-count+1 .. index, replacing any after. */
      readonly index: number;
      readonly term: number;
      readonly count: number;
      /** Only when the batch spans several terms: where each term's run starts, as [index, term]. */
      readonly runs?: readonly (readonly [number, number])[];
    })
  | (EventBase & { readonly type: 'commit'; readonly node: NodeId; readonly index: number })
  | (EventBase & { readonly type: 'apply'; readonly node: NodeId; readonly index: number })
  | (EventBase & {
      /** A snapshot taken (its file written, the log before it compacted), sent to a follower, or installed. */
      readonly type: 'snapshot';
      readonly phase: 'taken' | 'sent' | 'installed';
      readonly node: NodeId;
      readonly index: number;
      readonly bytes: number;
    })
  | (EventBase & {
      readonly type: 'request';
      readonly id: number;
      readonly via: NodeId;
      readonly op: KvOp;
      readonly key: string;
      /** The node's request timeout in host ms (it stretches with the timescale, as every timer does). */
      readonly timeoutMs?: number;
    })
  | (EventBase & {
      readonly type: 'reply';
      readonly id: number;
      readonly via: NodeId;
      readonly servedBy: NodeId | null;
      readonly group: number;
      readonly ok: boolean;
      readonly ms: number;
      /** A failed request: the error the client got, e.g. `TRYAGAIN group 0 did not answer ...`. */
      readonly error?: string;
    })
  | (EventBase & {
      readonly type: 'migrate';
      readonly phase: 'start' | 'progress' | 'done';
      readonly from: number;
      readonly to: number;
      readonly keysMoved: number;
      readonly keysTotal: number;
    })
  | (EventBase & {
      readonly type: 'fault';
      readonly action:
        | 'kill'
        | 'restart'
        | 'cut'
        | 'heal'
        | 'partition'
        | 'network'
        | 'clock'
        | 'config'
        /** A group added to or removed from the ring live (resharding), keys kept. */
        | 'group'
        | 'transfer'
        | 'timeout'
        | 'options'
        | 'lesson';
      readonly node?: NodeId;
      readonly a?: NodeId;
      readonly b?: NodeId;
      readonly detail?: string;
      /** `config`: set when the cluster restarted on the configuration it already had. */
      readonly unchanged?: boolean;
    })
  | (EventBase & {
      readonly type: 'membership';
      readonly phase: 'proposed' | 'committed';
      readonly group: number;
      readonly change: MembershipChangeView;
    });

/** One single-server membership change (CONTRACTS.md §4 `membership` events). */
export interface MembershipChangeView {
  readonly type: 'addLearner' | 'promote' | 'remove';
  readonly node: NodeId;
}

export type ClusterEventType = ClusterEvent['type'];

// ---------------------------------------------------------------------------------------------
// Operations.

export type KvOp = 'SET' | 'GET' | 'DEL';

export interface KvRequest {
  readonly op: KvOp;
  readonly key: string;
  readonly value?: string;
  /** The node the command is sent to; any live node when absent. */
  readonly via?: NodeId;
}

export interface KvResult {
  readonly ok: boolean;
  readonly value: string | null;
  readonly error: string | null;
  /** The leader that served the command, when known. */
  readonly servedBy: NodeId | null;
  readonly group: number;
  readonly ms: number;
  /** The node the command entered through. */
  readonly via: NodeId;
}

/** `POST /api/groups/{g}/members`: one node added to, or removed from, group g. */
export type MembersChange = { readonly add: NodeId } | { readonly remove: NodeId };

export interface LinkRequest {
  readonly a: NodeId;
  readonly b: NodeId;
  readonly cut: boolean;
  readonly oneWay?: boolean;
}

/** Thrown (and, over HTTP, answered with 400 or 404) for a bad id or a bad argument. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

/** What any view may do to the cluster. Every method resolves once the host has acted. */
export interface ClusterApi extends StagingApi {
  state(): Promise<ClusterState>;
  kill(node: NodeId): Promise<void>;
  restart(node: NodeId): Promise<void>;
  /** Asks the node, if it leads, to hand leadership to its most up-to-date follower. */
  stepDown(node: NodeId): Promise<void>;
  /** Makes the node's election timer fire now. */
  forceTimeout(node: NodeId): Promise<void>;
  /** The node takes a snapshot now (and compacts its log); resolves once it is durable. */
  takeSnapshot(node: NodeId): Promise<void>;
  setLink(request: LinkRequest): Promise<void>;
  partition(sides: readonly (readonly NodeId[])[]): Promise<void>;
  heal(): Promise<void>;
  setNetwork(settings: Partial<NetworkSettings>): Promise<void>;
  setClock(settings: Partial<ClockSettings>): Promise<void>;
  setRaftOptions(options: Partial<RaftOptions>): Promise<void>;
  kv(request: KvRequest): Promise<KvResult>;
  /** Starts over on a new partition configuration (the CONTRACTS.md §1 text). Rejects, leaving the running cluster alone, if it does not parse. */
  reconfigure(partitions: string): Promise<void>;
  /**
   * A membership change of one group. `add`: the node starts empty in this host, joins as a
   * learner and is promoted once caught up (resolves once it is a learner). `remove`: resolves
   * once the removal committed; the node then stops.
   */
  changeMembers(group: number, change: MembersChange): Promise<void>;
  /** Switches the Figure 8 lessons on every node; refused (409) outside lesson mode. */
  setLesson(settings: Partial<LessonSettings>): Promise<void>;
  /** The session's recording (src/shared/recording.ts): JSON lines, the file `raftlab replay` reads. */
  recording(): Promise<string>;
}

/** The operation names, for IPC channels and the preload bridge. */
export const CLUSTER_OPERATIONS = [
  'state',
  'kill',
  'restart',
  'stepDown',
  'forceTimeout',
  'takeSnapshot',
  'setLink',
  'partition',
  'heal',
  'setNetwork',
  'setClock',
  'setRaftOptions',
  'kv',
  'reconfigure',
  'changeMembers',
  'setLesson',
  'recording',
  ...STAGING_OPERATIONS,
] as const satisfies readonly (keyof ClusterApi)[];

export type ClusterOperation = (typeof CLUSTER_OPERATIONS)[number];

/** The channel on which batches of events reach a view. */
export const EVENTS_CHANNEL = 'raftlab:events';
/** The page asks on this channel for the opening batch (see `openingEvents`) when it subscribes. */
export const EVENTS_OPEN_CHANNEL = 'raftlab:events-open';

/** What a view subscribes to: batches of events, at most ~20 a second. Returns an unsubscribe. */
export type EventSubscriber = (listener: (events: readonly ClusterEvent[]) => void) => () => void;

/** What the preload exposes to the page as `window.raftlab`, and what the browser transport implements. */
export interface ClusterBridge extends ClusterApi {
  onEvents: EventSubscriber;
  /**
   * Host side only (the page's bridge has none): delivers the events still batched to every
   * subscriber, then returns the opening batch for a new one, a `role` event with `initial: true`
   * per live node. Sent first on a new stream, nothing older can follow it.
   */
  openingEvents?(): readonly ClusterEvent[];
}
