// The one Ready loop of a Raft node: the pure core, the state machine it feeds, the clients waiting
// on proposals and reads, and the loop that carries out each Ready in the order types.ts gives
// (persist, send what promises durability, apply, release reads, advance). NodeHost runs it behind
// a TCP port; the simulator (test/harness/node.ts) and the chaos test run this same class on
// in-memory storage that can be slow or torn, a faulty network and a deterministic scheduler, so the
// order and the three shortcuts below are what they check.
//
// The three shortcuts, each written into the Ready contract in src/shared/raft/types.ts:
//  a. A Ready whose only durable change is a higher commit index skips the fsync (unsavedHardState).
//  b. Committed entries are applied while this Ready's save runs, not after it.
//  c. A leader with a batch syncs in the background and sends its Apps once the sync runs.
//
// Batching, which is where the speed comes from: messages and client commands that arrive while a
// Ready is being made durable are stepped into the core at once and ride in the NEXT Ready, so one
// fsync covers everything that arrived during the previous one (group commit).
//
// The hot path (a proposal, a read) makes no closure here: waiters are plain fields and the loop's
// callbacks are made once per loop.
//
// Snapshots (issue 12), when the `snapshots` option is given (NodeHost gives it; the simulator does
// not): every `everyEntries` applied entries, or on takeSnapshot(), the state machine is captured at a
// point where it has applied exactly what the core says (right after an advance), written and the
// WAL compacted while the loop goes on (snapshotter.ts), and the core is told (core.compact) at the
// top of the next drive, between Readies. A Ready carrying a snapshot (a follower accepted an
// InstallSnapshot) is held, like a save, until the received file is adopted, the WAL reset and the
// state machine restored; only then are its entries saved, its acks sent and its entries applied.
// The loop is also both snapshot ports (snapshot-ports.ts) the transfer code uses.

import { RefusedMessageError } from '../../shared/raft/errors';
import type {
  Entry,
  HardState,
  Message,
  NodeId,
  ProposeResult,
  RaftCore,
  RaftOptions,
  Ready,
  Role,
  SnapshotMeta,
} from '../../shared/raft/types';
import { NotLeaderError, ProposalDroppedError } from '../kv/local-group';
import type { StoredSnapshot } from '../storage/snapshot-store';
import type { SaveOptions } from '../storage/types';
import { invariantErrorOf } from './node-failure';
import type { LoopClock, LoopScheduler, LoopStorage, MessageSink } from './ready-ports';
import type { SnapshotSink, SnapshotSource } from './snapshot-ports';
import type { LoopSnapshots, SnapshottableMachine } from './snapshotter';

/** What the loop needs of the state machine: applied in log order, one entry at a time. */
export interface AppliedStateMachine<R> {
  readonly appliedIndex: number;
  apply(entry: Entry): R;
}

/** What the loop reports as it goes (NodeHost adds its transport's events to these). */
export type LoopEvent =
  | { readonly type: 'role'; readonly role: Role; readonly term: number; readonly leader: NodeId | null }
  | { readonly type: 'term'; readonly term: number }
  | { readonly type: 'vote'; readonly term: number; readonly votedFor: NodeId }
  | {
      readonly type: 'append';
      readonly index: number;
      readonly term: number;
      readonly count: number;
      /** Only when the batch spans several terms: where each term's run starts, as [index, term]. */
      readonly runs?: readonly (readonly [number, number])[];
    }
  | { readonly type: 'commit'; readonly index: number }
  | { readonly type: 'apply'; readonly index: number }
  | {
      readonly type: 'snapshot';
      readonly phase: 'taken';
      readonly index: number;
      readonly bytes: number;
      /** The longest stretch the capture held the thread, in ms. */
      readonly pauseMs: number;
    };

export interface ReadyLoopOptions<M> {
  readonly core: RaftCore;
  /** The hard state the core was loaded with: what the disk holds. */
  readonly durable: HardState;
  readonly machine: M;
  readonly storage: LoopStorage;
  readonly sink: MessageSink;
  readonly scheduler: LoopScheduler;
  readonly clock: LoopClock;
  /** Called for every LoopEvent; leave unset when nobody watches (the hot path then builds none). */
  readonly onEvent?: (event: LoopEvent) => void;
  /** Readable one-line notes: role changes, refused messages. */
  readonly log?: (line: string) => void;
  /**
   * Called once when the loop has stopped itself: a save failed (full disk, EIO) or something it did
   * threw. It acknowledges nothing it could not make durable, so it stops rather than carry on unsure.
   */
  readonly onFailure: (error: Error) => void;
  /**
   * Where this life of the node starts numbering its reads (1 by default). A ReadIndex answer can
   * outlive the node that asked (delayed on a link, then delivered after a restart); were the new
   * life to number its reads from 1 again, that old answer would release a new read at an index
   * older than writes acknowledged before it began: a stale read. So each life starts elsewhere.
   */
  readonly firstReadContext?: number;
  /** Snapshots and compaction; the machine must then be a SnapshottableMachine. Off when absent. */
  readonly snapshots?: LoopSnapshots;
}

interface ProposalWaiter<R> {
  readonly term: number;
  readonly resolve: (result: R) => void;
  readonly reject: (error: Error) => void;
}

interface ReadWaiter<M> {
  /** Runs against the state machine once it has applied `index`; its result resolves the read. */
  readonly read: (machine: M) => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  /** The read index once the leader confirmed it; -1 while waiting for that. */
  index: number;
}

/** A save with nothing else to do meanwhile: the sync may block, and the Apps left before it. */
const IN_FOREGROUND: SaveOptions = {};

export class ReadyLoop<M extends AppliedStateMachine<R>, R> implements SnapshotSource, SnapshotSink {
  readonly core: RaftCore;
  readonly machine: M;
  readonly nodeId: NodeId;
  private stopped = false;
  private failed = false;
  /** Peer messages the core refused as malformed or impossible, each dropped having changed nothing. */
  private refused = 0;

  private loopRunning = false;
  private loopScheduled = false;
  /** The Ready whose save is in flight; `saveDone` carries on with it. */
  private saving: Ready | null = null;
  private savingHardState: HardState | null = null;
  /** True while `drive` is on the stack: a save that completes inside `save()` returns to it. */
  private driving = false;
  private loopIdle: (() => void)[] = [];
  // Parallel arrays rather than a closure per command.
  private pendingCommands: Uint8Array[] = [];
  private pendingResolves: ((result: R) => void)[] = [];
  private pendingRejects: ((error: Error) => void)[] = [];

  private readonly proposals = new Map<number, ProposalWaiter<R>>();
  private readonly reads = new Map<number, ReadWaiter<M>>();
  /** Reads whose index is known but not yet applied, in index order of arrival. */
  private readonly readsAwaitingApply: number[] = [];
  private nextReadContext: number;
  private leaderWatchers: (() => void)[] = [];
  private lastRole: Role = 'follower';
  private lastTerm: number;
  private lastCommit: number;
  private lastVote: NodeId;
  private lastVoteTerm: number;
  private lastLeader: NodeId | null = null;
  /**
   * A commit index the core reported and no save has written yet. The commit index is volatile
   * state (Figure 2): a crash that loses it costs a re-learn from the leader, never an acknowledged
   * write. So a Ready whose only durable change is a higher commit skips the fsync, and the commit
   * rides in the next save that writes entries, a term or a vote (or in the save at a clean stop).
   * On the leader this halves the fsyncs and takes one off every write's path to its reply.
   */
  private unsaved: HardState | null = null;
  private savedTerm: number;
  private savedVote: NodeId;

  // Made once: the loop hands these out on every run and every save.
  private readonly runScheduled = (): void => {
    this.loopScheduled = false;
    this.runLoop();
  };
  private readonly saveDone = (error: Error | null): void => this.afterSave(error);
  /** What a busy leader does once its sync runs: see handleReady. */
  private readonly whileSyncing = (): void => this.duringSync();
  private readonly inBackground: SaveOptions = { inBackground: true, whileSyncing: this.whileSyncing };

  // Snapshots: see the header comment.
  /** The snapshot being taken (captured, written, storage compacted), if any. */
  private taking: Promise<StoredSnapshot> | null = null;
  /** Asked for by takeSnapshot() and waiting for a consistent point to start. */
  private snapshotWaiters: { resolve: (snapshot: StoredSnapshot) => void; reject: (error: Error) => void }[] = [];
  /** The applied index of the last snapshot (taken or installed); auto snapshots count from it. */
  private snapshotIndex = 0;
  /** Taken and durable, storage compacted: the core hears of it at the next drive. */
  private compactPending: SnapshotMeta | null = null;
  /** The Ready whose snapshot is being installed; like `saving`, it holds the loop. */
  private installing: Ready | null = null;
  /** Received snapshot files offered to the core, by index, until installed or declined. */
  private readonly offers = new Map<number, string>();
  /** Snapshot statistics for INFO and the bench. */
  private longestSnapshotPauseMs = 0;
  private snapshotsTaken = 0;

  constructor(private readonly options: ReadyLoopOptions<M>) {
    this.core = options.core;
    this.machine = options.machine;
    this.nodeId = options.core.status().id;
    this.nextReadContext = options.firstReadContext ?? 1;
    const durable = options.durable;
    this.lastTerm = durable.term;
    this.lastCommit = durable.commit;
    this.lastVote = durable.vote;
    this.lastVoteTerm = durable.term;
    this.savedTerm = durable.term;
    this.savedVote = durable.vote;
    this.snapshotIndex = options.core.status().applied;
  }

  get alive(): boolean {
    return !this.stopped;
  }

  /** The role the last Ready reported (the core's own may be a step ahead). */
  get role(): Role {
    return this.lastRole;
  }

  /** The commit index no save has written yet; the owner writes it at a clean stop. */
  get unsavedHardState(): HardState | null {
    return this.unsaved;
  }

  /** A save is in flight: the core may hold entries (and a commit) its disk does not have yet. */
  get savePending(): boolean {
    return this.saving !== null;
  }

  get refusedMessages(): number {
    return this.refused;
  }

  // ---------------------------------------------------------------------------------------------
  // Inputs.

  tick(): void {
    if (this.stopped) return;
    try {
      this.core.tick();
    } catch (error) {
      this.fail(invariantErrorOf(error));
      return;
    }
    // Most ticks only count (a heartbeat is due every fifth): waking the loop for those would be
    // an idle cluster's largest cost. A Ready in flight is picked up by the running loop anyway.
    if (this.core.hasReady()) this.schedule();
  }

  receive(message: Message): void {
    if (this.stopped) return;
    if (message.type === 'Snap' && this.options.snapshots !== undefined) {
      // With snapshots on, one arrives only as a whole file, through offer(); a bare Snap (from the
      // network, with no file behind it) would make the core install what this node does not hold.
      // (Without the option the owner installs snapshots itself, as the simulator does.)
      this.refuseMessage(
        message,
        new Error('a Snap message without its snapshot file (snapshots arrive through offer)'),
      );
      return;
    }
    this.step(message);
  }

  private step(message: Message): void {
    try {
      this.core.step(message);
    } catch (error) {
      if (error instanceof RefusedMessageError) {
        // Checked before anything changed (a stranger's id, a gap in entries, a term past the
        // ceiling): one bad peer frame costs that message, never the node.
        this.refuseMessage(message, error);
        return;
      }
      // Anything else (two leaders in one term, a committed entry about to be cut) means the core's
      // state cannot be trusted: this node stops, and the others go on.
      this.fail(invariantErrorOf(error));
      return;
    }
    this.schedule();
  }

  /** Counts a refused message; noted at 1, 2, 4, 8... so that a flood of them cannot flood the log. */
  private refuseMessage(message: Message, error: Error): void {
    this.refused++;
    if ((this.refused & (this.refused - 1)) === 0) {
      this.note(`${this.nodeId} refused message ${this.refused} (from ${message.from}): ${error.message}`);
    }
  }

  /** Queues `command`; it reaches the core at the loop's next run, with the others queued by then. */
  propose(command: Uint8Array, resolve: (result: R) => void, reject: (error: Error) => void): void {
    this.pendingCommands.push(command);
    this.pendingResolves.push(resolve);
    this.pendingRejects.push(reject);
    this.schedule();
  }

  /**
   * Hands the queued commands to the core in one batch; their waiters then wait for their indexes to
   * apply. The loop calls it before each Ready; the simulator also calls it to learn the indexes at once.
   */
  flushProposals(): ProposeResult | null {
    if (this.pendingCommands.length === 0) return null;
    const commands = this.pendingCommands;
    const resolves = this.pendingResolves;
    const rejects = this.pendingRejects;
    this.pendingCommands = [];
    this.pendingResolves = [];
    this.pendingRejects = [];
    const result = this.core.propose(commands);
    if (result.ok) {
      for (let i = 0; i < commands.length; i++) {
        this.proposals.set(result.firstIndex + i, { term: result.term, resolve: resolves[i]!, reject: rejects[i]! });
      }
    } else {
      // One error for the batch: making an Error (its stack) costs more than the refusal itself.
      const refused = new NotLeaderError(result.leader);
      for (const reject of rejects) reject(refused);
    }
    return result;
  }

  /**
   * Starts a linearizable read: `read` runs against the state machine once a ReadIndex round confirms
   * it is current, and its result resolves. False (and nothing else happens) when no leader is known.
   */
  read(read: (machine: M) => unknown, resolve: (value: unknown) => void, reject: (error: Error) => void): boolean {
    const context = this.nextReadContext++;
    let asked: boolean;
    try {
      asked = this.core.readIndex(context);
    } catch (error) {
      this.fail(invariantErrorOf(error));
      return false;
    }
    if (!asked) return false;
    // Plain fields, not a closure: one fewer function made per read on the hot path.
    this.reads.set(context, { read, resolve, reject, index: -1 });
    this.schedule();
    return true;
  }

  transferLeadership(to?: NodeId): boolean {
    if (this.stopped) return false;
    let ok: boolean;
    try {
      ok = this.core.transferLeadership(to);
    } catch (error) {
      this.fail(invariantErrorOf(error));
      return false;
    }
    this.schedule();
    return ok;
  }

  forceTimeout(): void {
    if (this.stopped) return;
    try {
      this.core.campaign();
    } catch (error) {
      this.fail(invariantErrorOf(error));
      return;
    }
    this.schedule();
  }

  setRaftOptions(options: RaftOptions): void {
    if (this.stopped) return;
    this.core.setOptions(options);
  }

  leader(): NodeId | null {
    return this.stopped ? null : this.core.status().leader;
  }

  /** Resolves when the node next learns something about leadership, or after `ms`. */
  waitForLeaderChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const clock = this.options.clock;
      const timer = clock.setTimeout(done, ms);
      function done(): void {
        clock.clearTimeout(timer);
        resolve();
      }
      this.leaderWatchers.push(done);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Snapshots.

  /** The longest pause a snapshot capture took from the loop so far (ms), and how many were taken. */
  get snapshotStats(): { readonly taken: number; readonly longestPauseMs: number } {
    return { taken: this.snapshotsTaken, longestPauseMs: this.longestSnapshotPauseMs };
  }

  /**
   * Takes a snapshot now (on demand): at the next point where the state machine has applied exactly
   * what the core has, or joins the one being taken. Resolves once it is durable and the WAL compacted.
   */
  takeSnapshot(): Promise<StoredSnapshot> {
    if (this.options.snapshots === undefined) return Promise.reject(new Error('snapshots are off for this node'));
    if (this.stopped) return Promise.reject(new Error('the node is stopped'));
    if (this.taking !== null) return this.taking;
    const latest = this.options.snapshots.latest();
    if (!this.loopRunning && latest !== null && latest.meta.index === this.machine.appliedIndex) {
      return Promise.resolve(latest);
    }
    return new Promise((resolve, reject) => {
      this.snapshotWaiters.push({ resolve, reject });
      // The loop is at a consistent point when idle; if a Ready is in progress it starts after it.
      if (!this.loopRunning) this.maybeSnapshot();
    });
  }

  /** SnapshotSource: the newest durable snapshot, taking one first if none covers `atLeastIndex`. */
  async snapshotFor(atLeastIndex: number): Promise<StoredSnapshot> {
    const snapshots = this.options.snapshots;
    if (snapshots === undefined) throw new Error('snapshots are off for this node');
    let snapshot = snapshots.latest();
    if (snapshot === null || snapshot.meta.index < atLeastIndex) {
      const taken = this.taking === null ? null : await this.taking.catch(() => null);
      snapshot = taken !== null && taken.meta.index >= atLeastIndex ? taken : await this.takeSnapshot();
    }
    return snapshots.forSending(snapshot);
  }

  /** SnapshotSink: where a transfer writes an incoming snapshot. */
  incomingPath(from: NodeId, meta: SnapshotMeta): string {
    const snapshots = this.options.snapshots;
    if (snapshots === undefined) throw new Error('snapshots are off for this node');
    return snapshots.incomingPath(from, meta);
  }

  /** SnapshotSink: a received file is whole and fsynced; the core decides whether to install it. */
  offer(from: NodeId, term: number, meta: SnapshotMeta, path: string): void {
    const snapshots = this.options.snapshots;
    if (snapshots === undefined || this.stopped) {
      snapshots?.discard(path);
      return;
    }
    const previous = this.offers.get(meta.index);
    if (previous !== undefined && previous !== path && this.installing?.snapshot?.index !== meta.index) {
      snapshots.discard(previous);
    }
    this.offers.set(meta.index, path);
    if (this.stopped) return;
    this.step({ type: 'Snap', from, to: this.nodeId, term, snapshot: meta });
    // Declined at once (at or below our commit): nothing will install it.
    this.discardDeclinedOffers();
  }

  /** The transfer of a snapshot to `to` ended; the core resumes replication (or probes again). */
  reportSnapshot(to: NodeId, ok: boolean): void {
    if (this.stopped) return;
    try {
      this.core.reportSnapshot(to, ok);
    } catch (error) {
      this.fail(invariantErrorOf(error));
      return;
    }
    this.schedule();
  }

  /** Offers at or below the commit index that no Ready is installing were declined by the core. */
  private discardDeclinedOffers(): void {
    if (this.offers.size === 0) return;
    const commit = this.core.status().commit;
    const installing = this.installing?.snapshot?.index;
    for (const [index, path] of this.offers) {
      if (index <= commit && index !== installing && !this.core.hasReady()) {
        this.offers.delete(index);
        this.options.snapshots?.discard(path);
      }
    }
  }

  /**
   * At a consistent point (no Ready between ready() and advance(): the machine has applied exactly
   * the core's applied index), starts a snapshot if one is asked for or due.
   */
  private maybeSnapshot(): void {
    const snapshots = this.options.snapshots;
    if (snapshots === undefined || this.taking !== null || this.stopped) return;
    const applied = this.machine.appliedIndex;
    if (this.snapshotWaiters.length === 0 && applied - this.snapshotIndex < snapshots.everyEntries) return;
    const machine = this.machine as unknown as SnapshottableMachine;
    if (machine.snapshotInProgress) return;
    let meta: SnapshotMeta;
    try {
      meta = this.core.snapshotMeta();
    } catch (error) {
      this.fail(invariantErrorOf(error));
      return;
    }
    if (meta.index !== applied || meta.index === 0) {
      // Nothing applied yet, or not a consistent point after all: try again after the next advance.
      if (meta.index === 0) this.rejectSnapshotWaiters(new Error('nothing has been applied yet: no snapshot to take'));
      return;
    }
    const waiters = this.snapshotWaiters;
    this.snapshotWaiters = [];
    this.snapshotIndex = meta.index;
    const taking = snapshots.take(machine, meta).then((taken) => {
      this.snapshotsTaken++;
      if (taken.longestPauseMs > this.longestSnapshotPauseMs) this.longestSnapshotPauseMs = taken.longestPauseMs;
      this.options.onEvent?.({
        type: 'snapshot',
        phase: 'taken',
        index: meta.index,
        bytes: taken.snapshot.bytes,
        pauseMs: taken.longestPauseMs,
      });
      return taken.snapshot;
    });
    this.taking = taking;
    taking.then(
      (snapshot) => {
        this.taking = null;
        // Durable whatever happens next: those who asked get it even if the node is stopping.
        for (const waiter of waiters) waiter.resolve(snapshot);
        if (this.stopped) return;
        this.compactPending = snapshot.meta;
        this.schedule();
      },
      (error: unknown) => {
        this.taking = null;
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const waiter of waiters) waiter.reject(failure);
        // A snapshot that could not be written costs nothing but disk: the WAL still holds the log.
        // The next one is tried after another `everyEntries`.
        this.note(`${this.nodeId} snapshot at ${meta.index} failed: ${failure.message}`);
      },
    );
  }

  private rejectSnapshotWaiters(error: Error): void {
    const waiters = this.snapshotWaiters;
    this.snapshotWaiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  /** Holds the Ready until its snapshot is installed, then carries it out (see handleReady). */
  private install(ready: Ready, meta: SnapshotMeta): void {
    const snapshots = this.options.snapshots;
    const path = this.offers.get(meta.index);
    if (snapshots === undefined || path === undefined) {
      throw new Error(`the core installed a snapshot at ${meta.index} but no received file holds it`);
    }
    this.installing = ready;
    const machine = this.machine as unknown as SnapshottableMachine;
    // A capture in progress must finish (its compaction too) before the table and the WAL are replaced.
    const before = this.taking?.catch(() => null) ?? Promise.resolve(null);
    before
      .then(() => snapshots.install(machine, meta, path))
      .then(
        () => {
          this.offers.delete(meta.index);
          this.snapshotIndex = meta.index;
          this.installing = null;
          if (this.stopped) return this.resumeAfterInstall();
          try {
            this.continueReady(ready);
          } catch (error) {
            this.saving = null;
            this.fail(error instanceof Error ? error : new Error(String(error)));
          }
          this.resumeAfterInstall();
        },
        (error: unknown) => {
          // The core already treats the snapshot as applied: a node that cannot install it stops.
          this.installing = null;
          this.fail(error instanceof Error ? error : new Error(String(error)));
          this.resumeAfterInstall();
        },
      );
  }

  private resumeAfterInstall(): void {
    // A save the installed Ready started resumes the loop itself; otherwise carry on from here.
    if (!this.driving && this.saving === null) this.drive();
  }

  /** Resolves once no snapshot is being taken (its file written, its compaction done or failed). */
  async snapshotSettled(): Promise<void> {
    await this.taking?.catch(() => null);
  }

  // ---------------------------------------------------------------------------------------------
  // Stopping.

  /** Stops acting: no more input, and a Ready whose save is in flight ends with that save. */
  halt(): void {
    this.stopped = true;
  }

  /** Resolves once no Ready is in progress (a save in flight has settled). */
  whenIdle(): Promise<void> {
    if (!this.loopRunning) return Promise.resolve();
    return new Promise((resolve) => this.loopIdle.push(resolve));
  }

  /** Fails every waiter with `error` and wakes the leader watchers: the node is going away. */
  rejectWaiters(error: Error): void {
    for (const waiter of this.proposals.values()) waiter.reject(error);
    this.proposals.clear();
    for (const reject of this.pendingRejects) reject(error);
    this.pendingCommands = [];
    this.pendingResolves = [];
    this.pendingRejects = [];
    for (const waiter of this.reads.values()) waiter.reject(error);
    this.reads.clear();
    this.readsAwaitingApply.length = 0;
    this.rejectSnapshotWaiters(error);
    this.wakeLeaderWatchers();
  }

  // ---------------------------------------------------------------------------------------------
  // The loop.

  schedule(): void {
    if (this.loopScheduled || this.stopped) return;
    this.loopScheduled = true;
    this.options.scheduler.schedule(this.runScheduled);
  }

  private runLoop(): void {
    if (this.loopRunning || this.stopped) return;
    this.loopRunning = true;
    this.drive();
  }

  /** Carries out Readies until the core has none left or one waits for its save (afterSave resumes). */
  private drive(): void {
    this.driving = true;
    try {
      while (!this.stopped && this.saving === null && this.installing === null) {
        if (this.compactPending !== null) {
          // Between Readies: the snapshot is durable and the WAL compacted; the core may drop its prefix.
          const meta = this.compactPending;
          this.compactPending = null;
          this.core.compact(meta);
        }
        this.flushProposals();
        if (!this.core.hasReady()) break;
        this.handleReady(this.core.ready());
      }
    } catch (error) {
      // A save that threw inside save() will never call back.
      this.saving = null;
      this.fail(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.driving = false;
    }
    if (this.saving === null && this.installing === null) {
      this.loopEnded();
      this.discardDeclinedOffers();
      this.maybeSnapshot();
    }
  }

  private loopEnded(): void {
    this.loopRunning = false;
    const idle = this.loopIdle;
    this.loopIdle = [];
    for (const resolve of idle) resolve();
  }

  /** Persist, send, apply, release reads: the order of the Ready contract in types.ts. */
  private handleReady(ready: Ready): void {
    // A received snapshot comes first: the WAL reset and the restored table underlie the rest.
    if (ready.snapshot !== null) {
      this.install(ready, ready.snapshot);
      return;
    }
    this.continueReady(ready);
  }

  private continueReady(ready: Ready): void {
    const sink = this.options.sink;
    for (const message of ready.messages) sink.send(message);
    const hard = ready.hardState;
    if (ready.entries.length > 0 || (hard !== null && (hard.term !== this.savedTerm || hard.vote !== this.savedVote))) {
      const hardState = hard ?? this.unsaved;
      this.saving = ready;
      this.savingHardState = hardState;
      const update = { hardState, entries: ready.entries };
      // Shortcut c. A leader with a batch or with replies to send has work for the time its sync takes: the
      // sync goes to a worker thread and the Apps leave once it runs, so a follower woken by them
      // cannot delay its start. Otherwise the sync may block (one node per process), and the Apps
      // leave first.
      if (this.lastRole === 'leader' && (ready.entries.length > 1 || ready.committedEntries.length > 0)) {
        this.options.storage.save(update, this.inBackground, this.saveDone);
      } else {
        this.duringSync();
        this.options.storage.save(update, IN_FOREGROUND, this.saveDone);
      }
      return;
    }
    // Shortcut a: nothing durable changed but (perhaps) the commit index, which is volatile.
    if (hard !== null) this.unsaved = hard;
    for (const message of ready.persistedMessages) sink.send(message);
    this.report(ready);
    this.applyAndReleaseReads(ready);
    // Nothing to make durable. Heartbeats that confirm reads, and votes, leave now; after applying
    // entries the messages (often just the new commit index for the followers) leave at the end of
    // this loop turn instead, behind the replies that applying sent to clients.
    if (ready.committedEntries.length === 0) sink.flush();
    this.core.advance(ready);
    this.maybeSnapshot();
  }

  /**
   * While this Ready's save runs: one write per peer for the whole Ready (the Apps reach the
   * followers during our own sync, and no client input read later in this turn delays them), and
   * shortcut b: apply the committed entries and release the reads they satisfy.
   *
   * Why applying before our own fsync is safe: an entry in committedEntries is committed, so it is
   * already on a majority of disks. The leader counts a follower only once that follower's ack,
   * sent after its fsync (persistedMessages), arrives, and counts its own log only once `advance`
   * reports it durable; a follower commits only what its leader says is committed and it holds.
   * Our fsync adds nothing to that entry's safety, and the state machine is volatile: a crash
   * loses it with the rest of memory and the restart re-applies from the log. (A follower's Ready
   * may commit entries that arrive in this same Ready; they are committed all the same.)
   */
  private duringSync(): void {
    this.options.sink.flush();
    const ready = this.saving;
    if (ready !== null) this.applyAndReleaseReads(ready);
  }

  private afterSave(error: Error | null): void {
    const ready = this.saving;
    if (ready === null) return;
    this.saving = null;
    try {
      if (error !== null) throw error;
      this.unsaved = null;
      const hardState = this.savingHardState;
      if (hardState !== null) {
        this.savedTerm = hardState.term;
        this.savedVote = hardState.vote;
      }
      if (!this.stopped) {
        // Durable now: the votes and acknowledgements that promise it may leave.
        const sink = this.options.sink;
        if (ready.persistedMessages.length > 0) {
          for (const message of ready.persistedMessages) sink.send(message);
          sink.flush();
        }
        this.report(ready);
        this.core.advance(ready);
        this.maybeSnapshot();
      }
    } catch (caught) {
      this.fail(caught instanceof Error ? caught : new Error(String(caught)));
    }
    // A save that completed inside save() returns to the drive() that called it; a later one resumes it.
    if (!this.driving) this.drive();
  }

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.stopped = true;
    this.options.onFailure(error);
  }

  private applyAndReleaseReads(ready: Ready): void {
    for (const entry of ready.committedEntries) this.apply(entry);
    for (const read of ready.readStates) this.readIndexKnown(read.context, read.index);
    for (const context of ready.failedReads) this.readFailed(context);
    this.releaseReads();
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

  private serveRead(waiter: ReadWaiter<M>): void {
    try {
      waiter.resolve(waiter.read(this.machine));
    } catch (error) {
      waiter.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Role, term, vote, append, commit and apply: for the event stream and the log. */
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
      if (last !== undefined) {
        const runs = termRunsOf(ready.entries);
        onEvent({
          type: 'append',
          index: last.index,
          term: last.term,
          count: ready.entries.length,
          ...(runs.length > 1 ? { runs } : {}),
        });
      }
      const applied = ready.committedEntries[ready.committedEntries.length - 1];
      if (applied !== undefined) onEvent({ type: 'apply', index: applied.index });
    }
  }

  private wakeLeaderWatchers(): void {
    const watchers = this.leaderWatchers;
    this.leaderWatchers = [];
    for (const wake of watchers) wake();
  }

  private note(line: string): void {
    this.options.log?.(line);
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

/** Where each term's run of entries starts, as [index, term]: the safety monitor needs every entry's term. */
function termRunsOf(entries: readonly Entry[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const entry of entries) {
    if (runs.length === 0 || runs[runs.length - 1]![1] !== entry.term) runs.push([entry.index, entry.term]);
  }
  return runs;
}
