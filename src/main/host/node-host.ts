// One live Raft node behind its TCP port: the Ready loop (ready-loop.ts: the core, the state
// machine, the waiting clients, persist-send-apply-advance) wired to real parts (the WAL, the peer
// transport, setImmediate, the host clock), plus the port's client server, the router and the
// forwarder. Its owner (the CLI's `node`, or ClusterHost) decides when it ticks.
import type { Socket } from 'node:net';
import { clusterIdOf, type Partitions, requireGroupOf } from '../../shared/config';
import { createRaft, DEFAULT_FLOW_CONTROL } from '../../shared/raft';
import type {
  ConfChange,
  Entry,
  Membership,
  Message,
  NodeId,
  ProposeResult,
  RaftCore,
  RaftOptions,
  RaftStatus,
} from '../../shared/raft/types';
import { SeededRandom } from '../../shared/random';
import { DEFAULT_TOKENS_PER_GROUP } from '../../shared/ring';
import { ringScopedClusterId } from '../../shared/ring-tokens';
import { AdminCommands } from '../kv/admin-commands';
import { Forwarder } from '../kv/forwarder';
import { type LocalGroup, NodeStoppedError, NotLeaderError } from '../kv/local-group';
import type { RingConfig } from '../kv/ring-command';
import { RingState } from '../kv/ring-state';
import { KvRouter } from '../kv/router';
import { bootstrapRing, RoutingTable } from '../kv/routing-table';
import { type ApplyResult, KvStateMachine } from '../kv/state-machine';
import { type ClientConnection, serveClient } from '../net/client-server';
import { type ClientLimits, NodeServer } from '../net/node-server';
import { addressOfNodeId, type PeerIssue, PeerTransport } from '../net/peer-transport';
import { SnapshotShipping } from '../net/snapshot-shipping';
import type { SnapshotStreamEvent } from '../net/snapshot-stream';
import type { HostClock, LinkFaults, RespReply, TransportEvent } from '../net/types';
import { openSnapshotStore, type SnapshotStorage, type StoredSnapshot } from '../storage';
import type { RaftStorage, RecoveryReport } from '../storage/types';
import { describeChange, MembershipChanger, type MembershipEvent } from './membership-changer';
import { MembershipFollower } from './membership-follower';
import { describeFailure } from './node-failure';
import { type LoopEvent, ReadyLoop } from './ready-loop';
import { NEXT_TURN, PromisedSaves } from './ready-ports';
import type { SnapshotSink, SnapshotSource } from './snapshot-ports';
import { DEFAULT_SNAPSHOT_ENTRIES, initialStateOf, Snapshotter } from './snapshotter';

export interface NodeTiming {
  /** Host ms per core tick. */
  readonly tickMs: number;
  readonly electionTicksMin: number;
  readonly electionTicksMax: number;
  readonly heartbeatTicks: number;
}

/** What a node reports to whoever watches it (ClusterHost turns these into ClusterEvents). */
export type NodeEvent =
  | LoopEvent
  | { readonly type: 'transport'; readonly event: TransportEvent }
  /** A snapshot streamed to a follower ('sent', on the leader) or received whole and offered ('installed'). */
  | ({ readonly type: 'snapshot' } & SnapshotStreamEvent)
  | MembershipEvent;

export interface NodeHostOptions {
  readonly id: NodeId;
  readonly partitions: Partitions;
  /** The ring's tokens per group (DEFAULT_TOKENS_PER_GROUP when absent); the same on every node. */
  readonly ringTokensPerGroup?: number;
  readonly storage: RaftStorage;
  readonly clock: HostClock;
  readonly timing: NodeTiming;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxValueBytes: number;
  readonly requestTimeoutMs: number;
  /** Seeds the election-timeout draws and the reconnect jitter. */
  readonly seed: number;
  /** The cluster secret its peers must prove, and it proves to them (CONTRACTS.md §5). */
  readonly secret: Uint8Array;
  readonly faults?: LinkFaults;
  /** Where the node listens; its id's address by default (tests and ClusterHost may remap). */
  readonly listen?: { readonly host: string; readonly port: number };
  /** `--max-clients` and `--idle-timeout`; DEFAULT_CLIENT_LIMITS when absent. */
  readonly clientLimits?: ClientLimits;
  readonly addressOf?: (peer: NodeId) => { readonly host: string; readonly port: number };
  readonly nextMessageId?: () => number;
  /** Called for every NodeEvent; leave unset when nobody watches (the hot path then builds none). */
  readonly onEvent?: (event: NodeEvent) => void;
  /** Readable one-line notes: recovery, role changes, peer trouble. */
  readonly log?: (line: string) => void;
  /**
   * Called once the node has stopped itself because its storage failed (a full disk, EIO): it
   * acknowledges nothing it could not make durable, so it stops rather than carry on unsure. Also
   * when its Raft core hit a broken invariant (an InvariantError): describeFailure() tells which.
   */
  readonly onFailure?: (error: Error) => void;
  /**
   * A node that is not in `partitions` (it joined with --join): its group, and the members it was
   * told of, whom its transport talks to until its log says otherwise.
   */
  readonly joined?: { readonly group: number; readonly members: readonly NodeId[] };
  /** Called once when the committed membership of its group no longer holds this node. */
  readonly onRemoved?: () => void;
  /** `--snapshot-entries`: a snapshot after this many applied entries; DEFAULT_SNAPSHOT_ENTRIES when absent. */
  readonly snapshotEntries?: number;
  /** Where snapshots go; by default beside `storage` (openSnapshotStore). null turns snapshots off. */
  readonly snapshotStore?: SnapshotStorage | null;
  /**
   * Resharding (docs/resharding.md): the ring this node's group starts from before its log replays
   * (the bootstrap ring, or EMPTY_RING for a group added later), the table it routes by (shared by
   * the nodes of one process), and the cluster id when `partitions` has grown past the bootstrap.
   */
  readonly initialRing?: RingConfig;
  readonly routing?: RoutingTable;
  readonly clusterId?: string;
  /** Answers `RAFTLAB.RESHARD` (add-group, remove-group): the host that can start nodes and move keys. */
  readonly reshard?: (args: readonly Uint8Array[]) => Promise<RespReply>;
}

/** How many entries of the log tail a view gets. */
export const LOG_TAIL_ENTRIES = 40;

export class NodeHost implements LocalGroup {
  readonly nodeId: NodeId;
  readonly group: number;
  readonly ringTokensPerGroup: number;
  /** The Ready loop, from start() on: the core, the state machine and every waiting client. */
  private loop: ReadyLoop<KvStateMachine, ApplyResult> | null = null;
  private server: NodeServer | null = null;
  private transport: PeerTransport | null = null;
  private forwarder: Forwarder | null = null;
  /** InstallSnapshot's byte streams, both ends (src/main/net/snapshot-*.ts). */
  private shipping: SnapshotShipping | null = null;
  private snapshotStore: SnapshotStorage | null = null;
  private changer: MembershipChanger | null = null;
  private membership: MembershipFollower | null = null;
  private readonly clients = new Set<ClientConnection>();
  private stopped = false;
  private failure: Error | null = null;
  recovery: RecoveryReport | null = null;
  /** The ring this node routes by. */
  readonly routing: RoutingTable;

  constructor(private readonly options: NodeHostOptions) {
    this.nodeId = options.id;
    this.group = options.joined?.group ?? requireGroupOf(options.partitions, options.id);
    this.ringTokensPerGroup = options.ringTokensPerGroup ?? DEFAULT_TOKENS_PER_GROUP;
    this.routing = options.routing ?? new RoutingTable(bootstrapRing(options.partitions, this.ringTokensPerGroup));
  }

  /**
   * Loads the node's state from storage (the newest valid snapshot, restored into the state
   * machine, and the WAL's tail after it), then opens its port. The committed tail is re-applied
   * as the core hands it out again.
   */
  async start(): Promise<void> {
    const { options } = this;
    const loaded = await options.storage.load();
    this.recovery = loaded.recovery;
    if (loaded.recovery.message) this.note(loaded.recovery.message);
    const store =
      options.snapshotStore === undefined ? openSnapshotStore(options.storage, this.nodeId) : options.snapshotStore;
    if (store === null && loaded.snapshot.index > 0) {
      throw new Error(
        `${this.nodeId}: the log starts after index ${loaded.snapshot.index} (compacted) but this node has no snapshot store`,
      );
    }
    // The ring this group serves by (resharding) lives in the state machine, so in its snapshots too.
    const machine = new KvStateMachine(
      new RingState(
        this.group,
        options.initialRing ?? bootstrapRing(options.partitions, this.ringTokensPerGroup),
        (ring) => this.routing.offer(ring),
      ),
    );
    this.snapshotStore = store;
    const found = store === null ? null : await store.load(loaded.snapshot.index);
    for (const line of found?.skipped ?? []) this.note(line);
    if (store !== null && found?.snapshot) {
      await machine.restore(found.snapshot.meta.index, (await store.open(found.snapshot.path)).chunks());
    }
    // The bootstrap voters are the membership at index 0; the log's config entries change it.
    const members = options.partitions[this.group] ?? [];
    const random = new SeededRandom(options.seed);
    const core = createRaft(
      {
        id: this.nodeId,
        peers: members,
        electionTicksMin: options.timing.electionTicksMin,
        electionTicksMax: options.timing.electionTicksMax,
        heartbeatTicks: options.timing.heartbeatTicks,
        preVote: options.preVote,
        checkQuorum: options.checkQuorum,
        ...DEFAULT_FLOW_CONTROL,
        random,
      },
      initialStateOf(loaded, found?.snapshot?.meta ?? null),
    );

    const onEvent = options.onEvent;
    const shipping = this.startShipping();
    this.transport = new PeerTransport({
      self: this.nodeId,
      clusterId: options.clusterId ?? ringScopedClusterId(clusterIdOf(options.partitions), this.ringTokensPerGroup),
      secret: options.secret,
      peers: [...new Set([...members, ...(options.joined?.members ?? [])])],
      clock: options.clock,
      random: random.fork(1),
      ...(options.faults ? { faults: options.faults } : {}),
      ...(options.addressOf ? { addressOf: options.addressOf } : {}),
      ...(options.nextMessageId ? { nextMessageId: options.nextMessageId } : {}),
      onMessage: (message) => this.receive(message),
      ...(onEvent ? { onEvent: (event: TransportEvent) => onEvent({ type: 'transport', event }) } : {}),
      onIssue: (issue) => this.peerIssue(issue),
      onStreamFrame: (frame, id) => shipping.receive(frame, id),
    });
    this.loop = new ReadyLoop<KvStateMachine, ApplyResult>({
      core,
      durable: loaded.hardState,
      machine,
      storage: new PromisedSaves(options.storage),
      ...(store === null
        ? {}
        : {
            snapshots: new Snapshotter({
              store,
              storage: options.storage,
              everyEntries: options.snapshotEntries ?? DEFAULT_SNAPSHOT_ENTRIES,
              yieldTurn: () => new Promise<void>((resolve) => setImmediate(resolve)),
              now: () => performance.now(),
              ...(options.log ? { log: options.log } : {}),
            }),
          }),
      sink: shipping.sinkFor(this.transport),
      scheduler: NEXT_TURN,
      clock: options.clock,
      ...(onEvent ? { onEvent } : {}),
      ...(options.log ? { log: options.log } : {}),
      onFailure: (error) => this.fail(error),
      // Each life draws its own (seeded) start, 2^16 apart at least: an answer to an earlier
      // life's read cannot match one of this life's.
      firstReadContext: random.fork(2).nextInt(2 ** 31) * 2 ** 16 + 1,
    });
    const faults = options.faults;
    this.forwarder = new Forwarder({
      self: this.nodeId,
      ...(faults ? { canReach: (to: NodeId) => !faults.isCut(this.nodeId, to) } : {}),
    });
    const admin = new AdminCommands({
      node: this,
      partitions: options.partitions,
      forwarder: this.forwarder,
      clock: options.clock,
      requestTimeoutMs: options.requestTimeoutMs,
      secret: options.secret,
      log: (line) => this.note(`${this.nodeId}: ${line}`),
    });
    const router = new KvRouter({
      local: this,
      partitions: options.partitions,
      routing: this.routing,
      ...(options.reshard ? { reshard: options.reshard } : {}),
      clock: options.clock,
      forwarder: this.forwarder,
      maxValueBytes: options.maxValueBytes,
      requestTimeoutMs: options.requestTimeoutMs,
      info: () => this.infoFields(),
      admin: (args) => admin.execute(args),
    });
    this.changer = new MembershipChanger({
      node: this,
      clock: options.clock,
      pollMs: options.timing.tickMs,
      // Each step is a line in the leader's log too: a `raftlab node` process has no event stream.
      onEvent: (event) => {
        this.note(`${this.nodeId}: group ${event.group}: ${describeChange(event.change)} ${event.phase}`);
        onEvent?.(event);
      },
    });
    this.membership = new MembershipFollower({
      self: this.nodeId,
      transport: this.transport,
      graceTicks: options.timing.electionTicksMax,
      bootstrapMember: options.joined === undefined,
      log: (line) => this.note(line),
      onRemoved: () => options.onRemoved?.(),
    });
    const listen = options.listen ?? addressOfNodeId(this.nodeId);
    const transport = this.transport;
    this.server = await NodeServer.listen({
      host: listen.host,
      port: listen.port,
      maxClients: options.clientLimits?.maxClients,
      // A connection that never says a word is as idle as a client that stopped talking.
      firstByteTimeoutMs: options.clientLimits?.idleTimeoutMs,
      routes: {
        client: (socket: Socket, head: Uint8Array) => {
          const connection = serveClient(
            socket,
            router,
            {
              parserLimits: { maxBulkBytes: options.maxValueBytes },
              idleTimeoutMs: options.clientLimits?.idleTimeoutMs,
            },
            head,
          );
          this.clients.add(connection);
          socket.once('close', () => this.clients.delete(connection));
        },
        peer: (socket: Socket, head: Uint8Array) => transport.acceptInbound(socket, head),
      },
    });
    this.loop.schedule();
  }

  /** The port the node really listens on (differs from the id's only when `listen` remapped it). */
  get port(): number {
    return this.server?.port ?? 0;
  }

  tick(): void {
    if (this.stopped) return;
    this.loop!.tick();
    // Once a tick, not per Ready: a membership change is rare, and one tick late is soon enough.
    if (!this.stopped) this.membership!.follow(this.loop!.core.status().membership);
  }

  /** Graceful stop: finish the Ready in progress, then close the port and the storage. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.loop?.halt();
    await this.loop?.whenIdle();
    await this.closeEverything();
    // A snapshot being written finishes (or fails) before the files close: no half-done compaction.
    await this.loop?.snapshotSettled();
    const unsaved = this.loop?.unsavedHardState ?? null;
    if (unsaved !== null && this.failure === null) {
      // Best effort: the commit index only spares the restart a re-learn from the leader.
      await this.options.storage
        .save({ hardState: unsaved, entries: [] })
        .catch((error: unknown) => this.note(`${this.nodeId}: commit index not saved at stop: ${String(error)}`));
    }
    await this.options.storage.close();
  }

  /** Crash: sockets close at once and memory is dropped; what reached the disk stays there. */
  async kill(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.loop?.halt();
    await this.closeEverything();
    // Let an in-flight save (and snapshot) settle before closing files, so the next start does not race it.
    await this.loop?.whenIdle();
    await this.loop?.snapshotSettled();
    await this.options.storage.close().catch(() => undefined);
  }

  get alive(): boolean {
    return !this.stopped;
  }

  // ---------------------------------------------------------------------------------------------
  // LocalGroup, for the router.

  propose(command: Uint8Array): Promise<ApplyResult> {
    if (this.stopped) return Promise.reject(new NodeStoppedError('the node is stopping'));
    if (!this.isLeader()) return Promise.reject(new NotLeaderError(this.loop!.leader()));
    return new Promise<ApplyResult>((resolve, reject) => this.loop!.propose(command, resolve, reject));
  }

  read<T>(read: (machine: KvStateMachine) => T): Promise<T> {
    if (this.stopped) return Promise.reject(new NodeStoppedError('the node is stopping'));
    return new Promise<T>((resolve, reject) => {
      if (!this.loop!.read(read, resolve as (value: unknown) => void, reject)) reject(new NotLeaderError(null));
    });
  }

  leader(): NodeId | null {
    return this.stopped ? null : (this.loop?.leader() ?? null);
  }

  isLeader(): boolean {
    return !this.stopped && this.failure === null && this.loop?.role === 'leader';
  }

  waitForLeaderChange(ms: number): Promise<void> {
    return this.loop!.waitForLeaderChange(ms);
  }

  // ---------------------------------------------------------------------------------------------
  // Membership (the changer and the admin commands call these).

  /** Leader: appends a config entry (membership-changer.ts waits for it to commit). */
  proposeConfChange(change: ConfChange): ProposeResult {
    if (this.stopped) return { ok: false, reason: 'not-leader', leader: null };
    const result = this.loop!.core.proposeConfChange(change);
    this.loop!.schedule();
    // A learner is dialled from the proposal on, so the first entries it is sent find a link.
    if (result.ok && change.type === 'addLearner') this.transport?.addPeer(change.node);
    return result;
  }

  /** Adds `node` to this group (this node must lead it): learner, catch-up, promotion. */
  addMember(node: NodeId, onLearner: () => void): Promise<void> {
    return this.changer!.add(node, onLearner);
  }

  /** Removes `node` from this group (this node must lead it); resolves once that committed. */
  removeMember(node: NodeId): Promise<void> {
    return this.changer!.remove(node);
  }

  leaveGroup(): void {
    this.membership?.leave();
  }

  groupState(): { membership: Membership; leader: NodeId | null; term: number; commit: number; isLeader: boolean } {
    const status = this.loop!.core.status();
    return {
      membership: status.membership,
      leader: this.stopped ? null : status.leader,
      term: status.term,
      commit: status.commit,
      isLeader: this.isLeader(),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Controls for the dashboard.

  status(): RaftStatus {
    return this.loop!.core.status();
  }

  stateMachine(): KvStateMachine {
    return this.loop!.machine;
  }

  logTail(count = LOG_TAIL_ENTRIES): Entry[] {
    const core = this.loop!.core;
    const status = core.status();
    return core.entries(Math.max(status.firstIndex, status.lastIndex - count + 1), status.lastIndex + 1);
  }

  transferLeadership(): boolean {
    if (this.stopped) return false;
    return this.loop!.transferLeadership();
  }

  forceTimeout(): void {
    if (this.stopped) return;
    this.loop!.forceTimeout();
  }

  /** The core itself, for the staging tools' timers and vote tallies (null once stopped). */
  raftCore(): RaftCore | null {
    return this.stopped || !this.loop ? null : this.loop.core;
  }

  /** Outgoing messages held by pause (staging tools). */
  heldMessages(): { readonly id: number; readonly message: Message }[] {
    return this.stopped ? [] : (this.transport?.heldMessages() ?? []);
  }

  /** Pause began: queued messages waiting out their delay are held too. */
  recallDelayed(): void {
    if (!this.stopped) this.transport?.recallDelayed();
  }

  setRaftOptions(options: RaftOptions): void {
    if (this.stopped) return;
    this.loop!.setRaftOptions(options);
  }

  /** Takes a snapshot now (`POST /api/nodes/{id}/snapshot`); resolves once durable and compacted. */
  takeSnapshot(): Promise<StoredSnapshot> {
    if (this.stopped || this.loop === null) return Promise.reject(new NodeStoppedError('the node is stopped'));
    return this.loop.takeSnapshot();
  }

  /** The snapshot ports for the transfer code (snapshot-ports.ts): the Ready loop implements both. */
  snapshotPorts(): SnapshotSource & SnapshotSink & { reportSnapshot(to: NodeId, ok: boolean): void } {
    if (this.loop === null) throw new Error(`${this.nodeId} has not started`);
    return this.loop;
  }

  /** The longest pause a snapshot capture took from the loop (ms) and how many were taken. */
  snapshotStats(): { readonly taken: number; readonly longestPauseMs: number } {
    return this.loop?.snapshotStats ?? { taken: 0, longestPauseMs: 0 };
  }

  /** The term of the snapshot the log starts after, when the store holds that one (for the view's label). */
  snapshotTerm(): number | undefined {
    const latest = this.snapshotStore?.latest() ?? null;
    return latest !== null && latest.meta.index === this.status().snapshotIndex ? latest.meta.term : undefined;
  }

  /** Snapshot transfers, wired to the loop's snapshot ports once it exists (it is built after the transport). */
  private startShipping(): SnapshotShipping {
    const ports = () => this.snapshotPorts();
    const onEvent = this.options.onEvent;
    this.shipping = new SnapshotShipping({
      self: this.nodeId,
      clock: this.options.clock,
      port: () => this.transport,
      source: { snapshotFor: (atLeastIndex) => ports().snapshotFor(atLeastIndex) },
      sink: {
        incomingPath: (from, meta) => ports().incomingPath(from, meta),
        offer: (from, term, meta, path) => ports().offer(from, term, meta, path),
      },
      status: () => this.loop!.core.status(),
      report: (to, ok) => ports().reportSnapshot(to, ok),
      ...(onEvent ? { onEvent } : {}),
      ...(this.options.log ? { log: this.options.log } : {}),
    });
    return this.shipping;
  }

  // ---------------------------------------------------------------------------------------------
  // Peer input: the loop steps it into the core (and refuses what the core refuses).

  private receive(message: Message): void {
    if (this.stopped) return;
    this.loop!.receive(message);
  }

  private async closeEverything(): Promise<void> {
    this.loop?.rejectWaiters(new NodeStoppedError('the node stopped'));
    this.shipping?.close();
    this.transport?.close();
    this.forwarder?.close();
    for (const client of this.clients) client.destroy();
    this.clients.clear();
    await this.server?.close();
  }

  /**
   * Fail-stop, on a storage failure (full disk, EIO) or a broken invariant: stop acting on this node
   * rather than risk acknowledging what is not durable or acting on state that is not trusted.
   */
  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.note(`${this.nodeId} stopped: ${describeFailure(error)}`);
    const report = (): void => {
      try {
        this.options.onFailure?.(error);
      } catch (reportError) {
        this.note(`${this.nodeId}: reporting its failure failed: ${String(reportError)}`);
      }
    };
    // Neither outcome of the shutdown may become an unhandled rejection: the process hosts others.
    this.kill().then(report, (closeError: unknown) => {
      this.note(`${this.nodeId}: closing after the failure: ${String(closeError)}`);
      report();
    });
  }

  private peerIssue(issue: PeerIssue): void {
    // Connection refusals while a peer is down are routine; the rest deserves a line.
    if (issue.kind === 'connect-failed') return;
    this.note(`${this.nodeId} peer ${issue.peer ?? '?'} (${issue.direction}): ${issue.kind}: ${issue.detail}`);
  }

  private note(line: string): void {
    this.options.log?.(line);
  }

  private infoFields(): readonly (readonly [string, string | number])[] {
    const loop = this.loop!;
    const status = loop.core.status();
    const machine = loop.machine;
    return [
      ['node_id', this.nodeId],
      ['group', this.group],
      ['role', status.role],
      ['term', status.term],
      ['leader', status.leader ?? ''],
      ['commit_index', status.commit],
      ['applied_index', machine.appliedIndex],
      ['last_log_index', status.lastIndex],
      ['snapshot_index', status.snapshotIndex],
      ['first_log_index', status.firstIndex],
      ['voters', status.membership.voters.join(',')],
      ['learners', status.membership.learners.join(',')],
      ['ring_version', 0],
      ['keys', machine.size],
      ['refused_messages', loop.refusedMessages],
      ['snapshots_taken', loop.snapshotStats.taken],
      ['snapshot_pause_ms_max', Math.round(loop.snapshotStats.longestPauseMs * 100) / 100],
      ['ring_version', this.routing.version],
    ];
  }
}
