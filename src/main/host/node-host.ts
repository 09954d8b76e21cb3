// One live Raft node: the pure core, its storage, its state machine, its TCP port and its peers.
// NodeHost runs the one Ready loop (persist, send, apply, advance) and turns the host clock's ticks
// into core ticks. Its owner (the CLI's `node`, or ClusterHost) decides when it ticks.
//
// Batching, which is where the speed comes from: messages and client commands that arrive while a
// Ready is being made durable are stepped into the core at once and ride in the NEXT Ready, so one
// fsync covers everything that arrived during the previous one (group commit).
import type { Socket } from 'node:net';
import { clusterIdOf, type Partitions, requireGroupOf } from '../../shared/config';
import { createRaft, DEFAULT_FLOW_CONTROL } from '../../shared/raft';
import type { Entry, HardState, Message, NodeId, RaftCore, RaftStatus, Ready, Role } from '../../shared/raft/types';
import { SeededRandom } from '../../shared/random';
import { HashRing } from '../../shared/ring';
import { Forwarder } from '../kv/forwarder';
import { type LocalGroup, NodeStoppedError, NotLeaderError, ProposalDroppedError } from '../kv/local-group';
import { KvRouter } from '../kv/router';
import { type ApplyResult, KvStateMachine } from '../kv/state-machine';
import { type ClientConnection, serveClient } from '../net/client-server';
import { NodeServer } from '../net/node-server';
import { addressOfNodeId, type PeerIssue, PeerTransport } from '../net/peer-transport';
import type { HostClock, LinkFaults, TransportEvent } from '../net/types';
import type { RaftStorage, RecoveryReport } from '../storage/types';

export interface NodeTiming {
  /** Host ms per core tick. */
  readonly tickMs: number;
  readonly electionTicksMin: number;
  readonly electionTicksMax: number;
  readonly heartbeatTicks: number;
}

/** What a node reports to whoever watches it (ClusterHost turns these into ClusterEvents). */
export type NodeEvent =
  | { readonly type: 'role'; readonly role: Role; readonly term: number; readonly leader: NodeId | null }
  | { readonly type: 'term'; readonly term: number }
  | { readonly type: 'vote'; readonly term: number; readonly votedFor: NodeId }
  | { readonly type: 'append'; readonly index: number; readonly term: number; readonly count: number }
  | { readonly type: 'commit'; readonly index: number }
  | { readonly type: 'apply'; readonly index: number }
  | { readonly type: 'transport'; readonly event: TransportEvent };

export interface NodeHostOptions {
  readonly id: NodeId;
  readonly partitions: Partitions;
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
  readonly addressOf?: (peer: NodeId) => { readonly host: string; readonly port: number };
  readonly nextMessageId?: () => number;
  /** Called for every NodeEvent; leave unset when nobody watches (the hot path then builds none). */
  readonly onEvent?: (event: NodeEvent) => void;
  /** Readable one-line notes: recovery, role changes, peer trouble. */
  readonly log?: (line: string) => void;
  /**
   * Called once the node has stopped itself because its storage failed (a full disk, EIO): it
   * acknowledges nothing it could not make durable, so it stops rather than carry on unsure.
   */
  readonly onFailure?: (error: Error) => void;
}

interface ProposalWaiter {
  readonly term: number;
  readonly resolve: (result: ApplyResult) => void;
  readonly reject: (error: Error) => void;
}

interface ReadWaiter {
  /** Runs against the state machine once it has applied `index`; its result resolves the read. */
  readonly read: (machine: KvStateMachine) => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  /** The read index once the leader confirmed it; -1 while waiting for that. */
  index: number;
}

/** How many entries of the log tail a view gets. */
export const LOG_TAIL_ENTRIES = 40;

export class NodeHost implements LocalGroup {
  readonly nodeId: NodeId;
  readonly group: number;
  private core!: RaftCore;
  private readonly machine = new KvStateMachine();
  private server: NodeServer | null = null;
  private transport: PeerTransport | null = null;
  private forwarder: Forwarder | null = null;
  private readonly clients = new Set<ClientConnection>();
  private stopped = false;
  private failure: Error | null = null;

  // The Ready loop.
  private loopRunning = false;
  private loopScheduled = false;
  private pendingCommands: Uint8Array[] = [];
  private pendingCommandWaiters: ((outcome: { firstIndex: number; term: number } | Error) => void)[] = [];

  private readonly proposals = new Map<number, ProposalWaiter>();
  private readonly reads = new Map<number, ReadWaiter>();
  /** Reads whose index is known but not yet applied, in index order of arrival. */
  private readonly readsAwaitingApply: number[] = [];
  private nextReadContext = 1;
  private leaderWatchers: (() => void)[] = [];
  private lastRole: Role = 'follower';
  private lastTerm = 0;
  private lastCommit = 0;
  private lastVote = '';
  private lastVoteTerm = 0;
  private lastLeader: NodeId | null = null;
  /**
   * A commit index the core reported and no save has written yet. The commit index is volatile
   * state (Figure 2): a crash that loses it costs a re-learn from the leader, never an acknowledged
   * write. So a Ready whose only durable change is a higher commit skips the fsync, and the commit
   * rides in the next save that writes entries, a term or a vote (or in the save at a clean stop).
   * On the leader this halves the fsyncs and takes one off every write's path to its reply.
   */
  private unsavedHardState: HardState | null = null;
  private savedTerm = 0;
  private savedVote: NodeId = '';
  recovery: RecoveryReport | null = null;

  constructor(private readonly options: NodeHostOptions) {
    this.nodeId = options.id;
    this.group = requireGroupOf(options.partitions, options.id);
  }

  /** Loads the node's state from storage, replays the committed log and opens its port. */
  async start(): Promise<void> {
    const { options } = this;
    const loaded = await options.storage.load();
    this.recovery = loaded.recovery;
    if (loaded.recovery.message) this.note(loaded.recovery.message);
    const members = options.partitions[this.group]!;
    const random = new SeededRandom(options.seed);
    this.core = createRaft(
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
      { hardState: loaded.hardState, snapshot: loaded.snapshot, entries: loaded.entries, applied: 0 },
    );
    this.lastTerm = loaded.hardState.term;
    this.lastCommit = loaded.hardState.commit;
    this.lastVote = loaded.hardState.vote;
    this.lastVoteTerm = loaded.hardState.term;
    this.savedTerm = loaded.hardState.term;
    this.savedVote = loaded.hardState.vote;

    const onEvent = options.onEvent;
    this.transport = new PeerTransport({
      self: this.nodeId,
      clusterId: clusterIdOf(options.partitions),
      secret: options.secret,
      peers: members,
      clock: options.clock,
      random: random.fork(1),
      ...(options.faults ? { faults: options.faults } : {}),
      ...(options.addressOf ? { addressOf: options.addressOf } : {}),
      ...(options.nextMessageId ? { nextMessageId: options.nextMessageId } : {}),
      onMessage: (message) => this.receive(message),
      ...(onEvent ? { onEvent: (event: TransportEvent) => onEvent({ type: 'transport', event }) } : {}),
      onIssue: (issue) => this.peerIssue(issue),
    });
    const faults = options.faults;
    this.forwarder = new Forwarder({
      self: this.nodeId,
      ...(faults ? { canReach: (to: NodeId) => !faults.isCut(this.nodeId, to) } : {}),
    });
    const router = new KvRouter({
      local: this,
      ring: new HashRing(options.partitions.length),
      partitions: options.partitions,
      clock: options.clock,
      forwarder: this.forwarder,
      maxValueBytes: options.maxValueBytes,
      requestTimeoutMs: options.requestTimeoutMs,
      info: () => this.infoFields(),
    });
    const listen = options.listen ?? addressOfNodeId(this.nodeId);
    const transport = this.transport;
    this.server = await NodeServer.listen({
      host: listen.host,
      port: listen.port,
      routes: {
        client: (socket: Socket, head: Uint8Array) => {
          const connection = serveClient(
            socket,
            router,
            { parserLimits: { maxBulkBytes: options.maxValueBytes } },
            head,
          );
          this.clients.add(connection);
          socket.once('close', () => this.clients.delete(connection));
        },
        peer: (socket: Socket, head: Uint8Array) => transport.acceptInbound(socket, head),
      },
    });
    this.schedule();
  }

  /** The port the node really listens on (differs from the id's only when `listen` remapped it). */
  get port(): number {
    return this.server?.port ?? 0;
  }

  tick(): void {
    if (this.stopped) return;
    this.core.tick();
    // Most ticks only count (a heartbeat is due every fifth): waking the loop for those would be
    // an idle cluster's largest cost. A Ready in flight is picked up by the running loop anyway.
    if (this.core.hasReady()) this.schedule();
  }

  /** Graceful stop: finish the Ready in progress, then close the port and the storage. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.waitForLoop();
    await this.closeEverything();
    if (this.unsavedHardState !== null && this.failure === null) {
      // Best effort: the commit index only spares the restart a re-learn from the leader.
      await this.options.storage
        .save({ hardState: this.unsavedHardState, entries: [] })
        .catch((error: unknown) => this.note(`${this.nodeId}: commit index not saved at stop: ${String(error)}`));
    }
    await this.options.storage.close();
  }

  /** Crash: sockets close at once and memory is dropped; what reached the disk stays there. */
  async kill(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.closeEverything();
    // Let an in-flight save settle before closing files, so the next start does not race it.
    await this.waitForLoop();
    await this.options.storage.close().catch(() => undefined);
  }

  get alive(): boolean {
    return !this.stopped;
  }

  // ---------------------------------------------------------------------------------------------
  // LocalGroup, for the router.

  propose(command: Uint8Array): Promise<ApplyResult> {
    if (this.stopped) return Promise.reject(new NodeStoppedError('the node is stopping'));
    if (!this.isLeader()) return Promise.reject(new NotLeaderError(this.core.status().leader));
    return new Promise<ApplyResult>((resolve, reject) => {
      this.pendingCommands.push(command);
      this.pendingCommandWaiters.push((outcome) => {
        if (outcome instanceof Error) {
          reject(outcome);
          return;
        }
        this.proposals.set(outcome.firstIndex, { term: outcome.term, resolve, reject });
      });
      this.schedule();
    });
  }

  read<T>(read: (machine: KvStateMachine) => T): Promise<T> {
    if (this.stopped) return Promise.reject(new NodeStoppedError('the node is stopping'));
    const context = this.nextReadContext++;
    return new Promise<T>((resolve, reject) => {
      if (!this.core.readIndex(context)) {
        reject(new NotLeaderError(null));
        return;
      }
      // Plain fields, not a closure: one fewer function made per read on the hot path.
      this.reads.set(context, { read, resolve: resolve as (value: unknown) => void, reject, index: -1 });
      this.schedule();
    });
  }

  leader(): NodeId | null {
    return this.stopped ? null : this.core.status().leader;
  }

  isLeader(): boolean {
    return !this.stopped && this.failure === null && this.lastRole === 'leader';
  }

  waitForLeaderChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.options.clock.setTimeout(done, ms);
      const options = this.options;
      function done(): void {
        options.clock.clearTimeout(timer);
        resolve();
      }
      this.leaderWatchers.push(done);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Controls for the dashboard.

  status(): RaftStatus {
    return this.core.status();
  }

  stateMachine(): KvStateMachine {
    return this.machine;
  }

  logTail(count = LOG_TAIL_ENTRIES): Entry[] {
    const status = this.core.status();
    return this.core.entries(Math.max(status.firstIndex, status.lastIndex - count + 1), status.lastIndex + 1);
  }

  transferLeadership(): boolean {
    if (this.stopped) return false;
    const ok = this.core.transferLeadership();
    this.schedule();
    return ok;
  }

  forceTimeout(): void {
    if (this.stopped) return;
    this.core.campaign();
    this.schedule();
  }

  setRaftOptions(options: { preVote?: boolean; checkQuorum?: boolean }): void {
    if (this.stopped) return;
    this.core.setOptions(options);
  }

  // ---------------------------------------------------------------------------------------------
  // The Ready loop.

  private receive(message: Message): void {
    if (this.stopped) return;
    try {
      this.core.step(message);
    } catch (error) {
      // The core refuses malformed messages (a stranger's id, a gap in entries) without changing
      // anything: one bad peer frame costs that message, never the node.
      this.note(
        `${this.nodeId} ignored a message from ${message.from}: ${error instanceof Error ? error.message : String(error)}`,
      );
      return;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.loopScheduled || this.stopped) return;
    this.loopScheduled = true;
    // setImmediate, not a microtask: everything that arrives in this turn of the event loop
    // (many client commands, many peer messages) is stepped before the next Ready is cut.
    setImmediate(() => {
      this.loopScheduled = false;
      void this.runLoop();
    });
  }

  private async runLoop(): Promise<void> {
    if (this.loopRunning || this.stopped) return;
    this.loopRunning = true;
    try {
      this.flushProposals();
      while (!this.stopped && this.core.hasReady()) {
        const ready = this.core.ready();
        await this.handleReady(ready);
        if (this.stopped) return;
        this.core.advance(ready);
        this.flushProposals();
      }
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.loopRunning = false;
      const idle = this.loopIdle;
      this.loopIdle = [];
      for (const resolve of idle) resolve();
    }
  }

  private loopIdle: (() => void)[] = [];

  private waitForLoop(): Promise<void> {
    if (!this.loopRunning) return Promise.resolve();
    return new Promise((resolve) => this.loopIdle.push(resolve));
  }

  /** Persist, send, apply, release reads: the order ARCHITECTURE.md and the Ready comment give. */
  private async handleReady(ready: Ready): Promise<void> {
    const transport = this.transport!;
    for (const message of ready.messages) transport.send(message);
    const hard = ready.hardState;
    if (ready.entries.length > 0 || (hard !== null && (hard.term !== this.savedTerm || hard.vote !== this.savedVote))) {
      // Entries committed before this Ready's own entries are on our disk already (every Ready is
      // saved before the next is made), so "persist, then apply" holds for them without waiting:
      // their clients' replies go out during this fsync instead of after it.
      const appliedEarly = this.committedBefore(ready);
      // One write per peer for the whole Ready, during our own sync: the Apps reach the followers
      // while it runs, and no client input read later in this turn of the event loop delays them.
      const duringSync = (): void => {
        transport.flush();
        if (appliedEarly) this.applyAndReleaseReads(ready);
      };
      const hardState = hard ?? this.unsavedHardState;
      const update = { hardState, entries: ready.entries };
      // A leader with a batch or with replies to send has work for the time its sync takes: the
      // sync goes to a worker thread and the Apps leave once it runs, so a follower woken by them
      // cannot delay its start. Otherwise the sync may block (one node per process), and the Apps
      // leave first.
      const busyLeader =
        this.lastRole === 'leader' && (ready.entries.length > 1 || (appliedEarly && ready.committedEntries.length > 0));
      if (busyLeader) {
        await this.options.storage.save(update, { inBackground: true, whileSyncing: duringSync });
      } else {
        duringSync();
        await this.options.storage.save(update);
      }
      this.unsavedHardState = null;
      if (hardState !== null) {
        this.savedTerm = hardState.term;
        this.savedVote = hardState.vote;
      }
      if (this.stopped) return;
      if (ready.persistedMessages.length > 0) {
        for (const message of ready.persistedMessages) transport.send(message);
        transport.flush();
      }
      this.report(ready);
      if (!appliedEarly) this.applyAndReleaseReads(ready);
      return;
    }
    if (hard !== null) this.unsavedHardState = hard;
    for (const message of ready.persistedMessages) transport.send(message);
    this.report(ready);
    this.applyAndReleaseReads(ready);
    // Nothing to make durable. Heartbeats that confirm reads, and votes, leave now; after applying
    // entries the messages (often just the new commit index for the followers) leave at the end of
    // this loop turn instead, behind the replies that applying sent to clients.
    if (ready.committedEntries.length === 0) transport.flush();
  }

  /** True when every entry committed in `ready` (if any) precedes the entries it asks to persist. */
  private committedBefore(ready: Ready): boolean {
    const lastCommitted = ready.committedEntries[ready.committedEntries.length - 1];
    const firstNew = ready.entries[0];
    return lastCommitted === undefined || firstNew === undefined || lastCommitted.index < firstNew.index;
  }

  private applyAndReleaseReads(ready: Ready): void {
    for (const entry of ready.committedEntries) this.apply(entry);
    for (const read of ready.readStates) this.readIndexKnown(read.context, read.index);
    for (const context of ready.failedReads) this.readFailed(context);
    this.releaseReads();
  }

  private flushProposals(): void {
    if (this.pendingCommands.length === 0) return;
    const commands = this.pendingCommands;
    const waiters = this.pendingCommandWaiters;
    this.pendingCommands = [];
    this.pendingCommandWaiters = [];
    const result = this.core.propose(commands);
    waiters.forEach((settle, i) => {
      settle(result.ok ? { firstIndex: result.firstIndex + i, term: result.term } : new NotLeaderError(result.leader));
    });
  }

  private apply(entry: Entry): void {
    const result = this.machine.apply(entry);
    const waiter = this.proposals.get(entry.index);
    if (waiter === undefined) return;
    this.proposals.delete(entry.index);
    if (waiter.term === entry.term) waiter.resolve(result);
    else waiter.reject(new ProposalDroppedError(`entry ${entry.index} was replaced by a later leader`));
  }

  private readIndexKnown(context: number, index: number): void {
    const waiter = this.reads.get(context);
    if (waiter === undefined) return;
    waiter.index = index;
    this.readsAwaitingApply.push(context);
  }

  private readFailed(context: number): void {
    const waiter = this.reads.get(context);
    if (waiter === undefined) return;
    this.reads.delete(context);
    waiter.reject(new NotLeaderError(this.core.status().leader));
  }

  private releaseReads(): void {
    if (this.readsAwaitingApply.length === 0) return;
    const applied = this.machine.appliedIndex;
    const waiting: number[] = [];
    for (const context of this.readsAwaitingApply) {
      const waiter = this.reads.get(context);
      if (waiter === undefined) continue;
      if (waiter.index <= applied) {
        this.reads.delete(context);
        this.serveRead(waiter);
      } else {
        waiting.push(context);
      }
    }
    this.readsAwaitingApply.length = 0;
    this.readsAwaitingApply.push(...waiting);
  }

  private serveRead(waiter: ReadWaiter): void {
    try {
      waiter.resolve(waiter.read(this.machine));
    } catch (error) {
      waiter.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Role, term, vote, append, commit and apply: for the event stream and the stderr log. */
  private report(ready: Ready): void {
    const onEvent = this.options.onEvent;
    const hard = ready.hardState;
    if (hard !== null) {
      if (hard.term !== this.lastTerm) {
        this.lastTerm = hard.term;
        onEvent?.({ type: 'term', term: hard.term });
      }
      if (hard.vote !== '' && (hard.vote !== this.lastVote || hard.term !== this.lastVoteTerm)) {
        this.lastVote = hard.vote;
        this.lastVoteTerm = hard.term;
        onEvent?.({ type: 'vote', term: hard.term, votedFor: hard.vote });
      }
      if (hard.commit !== this.lastCommit) {
        this.lastCommit = hard.commit;
        onEvent?.({ type: 'commit', index: hard.commit });
      }
    }
    const soft = ready.softState;
    if (soft !== null) {
      const roleChanged = soft.role !== this.lastRole;
      const leaderChanged = soft.leader !== this.lastLeader;
      this.lastRole = soft.role;
      this.lastLeader = soft.leader;
      if (roleChanged) {
        const term = this.core.status().term;
        onEvent?.({ type: 'role', role: soft.role, term, leader: soft.leader });
        this.note(describeRole(this.nodeId, soft.role, term, soft.leader));
      }
      // A deposed leader's proposals stay in `proposals`: they may still commit under the next
      // leader, or be replaced, and apply() tells which. Nothing is reported lost that was written.
      if (roleChanged || leaderChanged) this.wakeLeaderWatchers();
    }
    if (onEvent) {
      const last = ready.entries[ready.entries.length - 1];
      if (last !== undefined)
        onEvent({ type: 'append', index: last.index, term: last.term, count: ready.entries.length });
      const applied = ready.committedEntries[ready.committedEntries.length - 1];
      if (applied !== undefined) onEvent({ type: 'apply', index: applied.index });
    }
  }

  private wakeLeaderWatchers(): void {
    const watchers = this.leaderWatchers;
    this.leaderWatchers = [];
    for (const wake of watchers) wake();
  }

  private async closeEverything(): Promise<void> {
    const stopped = new NodeStoppedError('the node stopped');
    for (const waiter of this.proposals.values()) waiter.reject(stopped);
    this.proposals.clear();
    for (const settle of this.pendingCommandWaiters) settle(stopped);
    this.pendingCommands = [];
    this.pendingCommandWaiters = [];
    for (const waiter of this.reads.values()) waiter.reject(stopped);
    this.reads.clear();
    this.readsAwaitingApply.length = 0;
    this.wakeLeaderWatchers();
    this.transport?.close();
    this.forwarder?.close();
    for (const client of this.clients) client.destroy();
    this.clients.clear();
    await this.server?.close();
  }

  /** A storage failure (full disk, EIO): stop acting on this node rather than risk acknowledging what is not durable. */
  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.note(`${this.nodeId} stopped: ${error.message}`);
    void this.kill().then(() => this.options.onFailure?.(error));
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
    const status = this.core.status();
    return [
      ['node_id', this.nodeId],
      ['group', this.group],
      ['role', status.role],
      ['term', status.term],
      ['leader', status.leader ?? ''],
      ['commit_index', status.commit],
      ['applied_index', this.machine.appliedIndex],
      ['last_log_index', status.lastIndex],
      ['keys', this.machine.size],
    ];
  }
}

function describeRole(id: NodeId, role: Role, term: number, leader: NodeId | null): string {
  switch (role) {
    case 'leader':
      return `${id} became leader for term ${term}`;
    case 'candidate':
      return `${id} timed out and started an election for term ${term}`;
    case 'precandidate':
      return `${id} timed out and started a pre-vote for term ${term + 1}`;
    case 'follower':
      return `${id} is a follower in term ${term}${leader ? ` (leader ${leader})` : ''}`;
  }
}
