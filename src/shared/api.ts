// The one typed contract between the cluster host and any view (CONTRACTS.md §4). The Electron IPC
// handlers, the preload bridge, the HTTP control API and the renderer's transport all derive from
// `ClusterApi` and the operation list below, so a new operation is added here first.
import type { MessageType, NodeId, Role } from './raft/types';

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
  readonly state: 'probe' | 'replicate';
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
  /** The tail of the log, oldest first. */
  readonly log: readonly LogEntryView[];
  /** For the election-timer arc: how far the timer has run, out of its timeout, in ms of host time. */
  readonly electionElapsedMs: number;
  readonly electionTimeoutMs: number;
  /** Leaders only: each follower's replication progress. */
  readonly progress: Readonly<Record<NodeId, FollowerProgressView>>;
  /** A dead node that stopped itself (fail-stop): why, e.g. "storage failed: ..." or "broken invariant: ...". */
  readonly failure?: string;
}

export interface GroupView {
  readonly id: number;
  readonly leader: NodeId | null;
  readonly members: readonly NodeId[];
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
}

// ---------------------------------------------------------------------------------------------
// Events. `at` is host time in ms since the host started.

interface EventBase {
  readonly at: number;
}

export type ClusterEvent =
  | (EventBase & { readonly type: 'role'; readonly node: NodeId; readonly role: Role; readonly term: number })
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
      /** For drops: why (cut, loss, dead, paused-overflow, ...). */
      readonly reason?: string;
    })
  | (EventBase & {
      readonly type: 'append';
      readonly node: NodeId;
      readonly index: number;
      readonly term: number;
      readonly count: number;
    })
  | (EventBase & { readonly type: 'commit'; readonly node: NodeId; readonly index: number })
  | (EventBase & { readonly type: 'apply'; readonly node: NodeId; readonly index: number })
  | (EventBase & {
      readonly type: 'request';
      readonly id: number;
      readonly via: NodeId;
      readonly op: KvOp;
      readonly key: string;
    })
  | (EventBase & {
      readonly type: 'reply';
      readonly id: number;
      readonly via: NodeId;
      readonly servedBy: NodeId | null;
      readonly group: number;
      readonly ok: boolean;
      readonly ms: number;
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
        | 'options';
      readonly node?: NodeId;
      readonly a?: NodeId;
      readonly b?: NodeId;
      readonly detail?: string;
    });

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
export interface ClusterApi {
  state(): Promise<ClusterState>;
  kill(node: NodeId): Promise<void>;
  restart(node: NodeId): Promise<void>;
  /** Asks the node, if it leads, to hand leadership to its most up-to-date follower. */
  stepDown(node: NodeId): Promise<void>;
  /** Makes the node's election timer fire now. */
  forceTimeout(node: NodeId): Promise<void>;
  setLink(request: LinkRequest): Promise<void>;
  partition(sides: readonly (readonly NodeId[])[]): Promise<void>;
  heal(): Promise<void>;
  setNetwork(settings: Partial<NetworkSettings>): Promise<void>;
  setClock(settings: Partial<ClockSettings>): Promise<void>;
  setRaftOptions(options: Partial<RaftOptions>): Promise<void>;
  kv(request: KvRequest): Promise<KvResult>;
  /** Starts over on a new partition configuration (the CONTRACTS.md §1 text). Rejects, leaving the running cluster alone, if it does not parse. */
  reconfigure(partitions: string): Promise<void>;
}

/** The operation names, for IPC channels and the preload bridge. */
export const CLUSTER_OPERATIONS = [
  'state',
  'kill',
  'restart',
  'stepDown',
  'forceTimeout',
  'setLink',
  'partition',
  'heal',
  'setNetwork',
  'setClock',
  'setRaftOptions',
  'kv',
  'reconfigure',
] as const satisfies readonly (keyof ClusterApi)[];

export type ClusterOperation = (typeof CLUSTER_OPERATIONS)[number];

/** The channel on which batches of events reach a view. */
export const EVENTS_CHANNEL = 'raftlab:events';

/** What a view subscribes to: batches of events, at most ~20 a second. Returns an unsubscribe. */
export type EventSubscriber = (listener: (events: readonly ClusterEvent[]) => void) => () => void;

/** What the preload exposes to the page as `window.raftlab`, and what the browser transport implements. */
export interface ClusterBridge extends ClusterApi {
  onEvents: EventSubscriber;
}
