// One simulated server: a real Raft core driven by the production Ready loop
// (src/main/host/ready-loop.ts, the one NodeHost runs), on a disk whose saves the simulation makes
// slow or tears, a faulty simulated network, and a scheduler the node drains after each input. Only
// the disk survives a crash; a restart restores the state machine from the disk's snapshot and
// re-applies the committed entries after it.
//
// Snapshots are driven here, through the core's API, not by the Ready loop: the loop's snapshot
// machinery (its `snapshots` option) writes files and restores the table asynchronously, and the
// simulation is synchronous and deterministic. So the harness takes one (takeSnapshot:
// snapshotMeta, the disk keeps a copy of the state machine, compact), and installs a received one
// when a Ready carries Ready.snapshot, before the loop sees that Ready (the order the Ready
// contract asks for); the loop then gets the Ready without it. The bytes of InstallSnapshot come
// from the sender's disk (cluster.ts).
import { ReadyLoop } from '../../src/main/host/ready-loop';
import type { MessageSink } from '../../src/main/host/ready-ports';
import { ManualClock } from '../../src/main/net/testing/clocks';
import { createRaft } from '../../src/shared/raft';
import type {
  ConfChange,
  Entry,
  Message,
  NodeId,
  ProposeResult,
  RaftConfig,
  RaftCore,
  RaftStatus,
  Ready,
  Role,
  SnapshotMeta,
} from '../../src/shared/raft/types';
import { MemoryDisk } from './disk';
import type { NodeSnapshot, UnstampedEvent } from './history';
import { decodeSet, decodeText, KvStateMachine, type StoredValue } from './kv';
import { StepScheduler } from './scheduler';
import { SimStorage, type TornWrite } from './sim-storage';

export type { TornWrite } from './sim-storage';

export interface NodeEnvironment {
  send(message: Message): void;
  emit(event: UnstampedEvent): void;
  now(): number;
  /** How long this node's next save takes to become durable, in ticks; 0 completes it at once. */
  saveDelayTicks(id: NodeId): number;
  /** The config for one life of this node; a restart gets a fresh PRNG stream. */
  config(id: NodeId, incarnation: number): RaftConfig;
}

/** The simulated state machine as the loop sees it: each apply is reported, and answers with its index. */
class ObservedMachine {
  constructor(
    private readonly applied: (entry: Entry) => void,
    /** Replaced whole when a snapshot is installed. */
    public kv = new KvStateMachine(),
  ) {}

  get appliedIndex(): number {
    return this.kv.appliedIndex;
  }

  apply(entry: Entry): number {
    this.kv.apply(entry);
    this.applied(entry);
    return entry.index;
  }
}

/** One life of a node: what a crash throws away. */
interface Life {
  readonly loop: ReadyLoop<ObservedMachine, number>;
  readonly storage: SimStorage;
  readonly scheduler: StepScheduler;
}

const ignore = (): void => {};

export class SimNode {
  readonly disk = new MemoryDisk();
  private life: Life | null = null;
  private machine = new ObservedMachine(ignore);
  private incarnation = 0;
  private last: {
    role: Role;
    term: number;
    leader: NodeId | null;
    commit: number;
    lastIndex: number;
    lastTerm: number;
    /** Where the core's log starts: its snapshot index (or the compaction point). */
    logStart: number;
  } = { role: 'follower', term: 0, leader: null, commit: 0, lastIndex: 0, lastTerm: 0, logStart: 0 };
  /** Messages leave at once: every flush point is as early as it can be, the strictest order to test. */
  private readonly sink: MessageSink;
  /** lastIndex, lastTerm, disk lastIndex, disk lastTerm, core log start when the memory log was last reported. */
  private readonly memoryKey = [0, 0, 0, 0, 0];
  /** The last 'memory' event said the memory log departs from the disk. */
  private memoryReported = false;
  /** The loop's timers (waiting for a leader change); the simulation never needs them to fire. */
  private readonly clock = new ManualClock();
  /** The state machine of the last InstallSnapshot delivered, for the Ready that installs it. */
  private received: { readonly index: number; readonly state: KvStateMachine } | null = null;

  constructor(
    readonly id: NodeId,
    private readonly env: NodeEnvironment,
  ) {
    this.sink = { send: (message) => env.send(message), flush: ignore };
  }

  get alive(): boolean {
    return this.life !== null;
  }

  get stateMachine(): KvStateMachine {
    return this.machine.kv;
  }

  /** The running core. Throws for a crashed node: tests must not poke the dead. */
  get raft(): RaftCore {
    return this.running().loop.core;
  }

  status(): RaftStatus {
    return this.raft.status();
  }

  /** Boots (or reboots) the core from whatever the disk holds. */
  start(): void {
    if (this.life !== null) throw new Error(`${this.id} is already running`);
    this.incarnation++;
    const initial = this.disk.load();
    const core = this.installingSnapshots(createRaft(this.env.config(this.id, this.incarnation), initial));
    this.received = null;
    this.machine = new ObservedMachine(
      (entry) => this.env.emit({ kind: 'apply', node: this.id, entry }),
      this.disk.snapshot?.state.clone() ?? new KvStateMachine(),
    );
    const storage = new SimStorage(this.disk, {
      saveDelayTicks: () => this.env.saveDelayTicks(this.id),
      now: () => this.env.now(),
      writer: () => {
        // Roles are reported before the writes a role makes.
        this.observe();
        return { role: this.last.role, term: this.last.term };
      },
      persisted: ({ role, term, hardState, update }) =>
        this.env.emit({ kind: 'persist', node: this.id, role, term, hardState, entries: update.entries }),
      torn: () => this.crash(true),
    });
    const scheduler = new StepScheduler();
    const loop = new ReadyLoop<ObservedMachine, number>({
      core,
      durable: initial.hardState,
      machine: this.machine,
      storage,
      sink: this.sink,
      scheduler,
      clock: this.clock,
      // Whatever the loop stops itself for (a save the disk refused, an apply out of order) is a
      // bug in the loop or the core: fail the run, loudly.
      onFailure: (error) => {
        throw error;
      },
      // As NodeHost does: each life numbers its reads apart, so a delayed answer to an earlier
      // life's read cannot release one of this life's.
      firstReadContext: this.incarnation * 2 ** 32 + 1,
    });
    this.life = { loop, storage, scheduler };
    // A fresh core holds exactly its disk (the model assumes so at restart).
    this.memoryKey.fill(-1);
    this.memoryReported = false;
    if (this.incarnation > 1) this.env.emit({ kind: 'restart', node: this.id });
    const { index, term } = initial.snapshot;
    if (index > 0) this.env.emit({ kind: 'snapshot', node: this.id, phase: 'restore', index, term });
    this.observe();
    loop.schedule();
    this.settle();
  }

  /** Loses everything but the disk. */
  crash(torn = false): void {
    const life = this.life;
    if (life === null) return;
    this.life = null;
    life.loop.halt();
    life.storage.crash();
    life.scheduler.clear();
    this.env.emit({ kind: 'crash', node: this.id, torn });
  }

  /**
   * The next Ready that has something to persist sends its messages and then the node dies with
   * that save torn: nothing of it durable, or (as the WAL orders its writes) only the new term and vote.
   * `null` calls it off.
   */
  crashAtNextPersist(torn: TornWrite | null = 'nothing'): void {
    if (this.life !== null) this.life.storage.tearNext = torn;
  }

  tick(): void {
    this.running().loop.tick();
    this.settle();
  }

  deliver(message: Message): void {
    this.running().loop.receive(message);
    this.settle();
  }

  campaign(): void {
    this.running().loop.forceTimeout();
    this.settle();
  }

  transferLeadership(to?: NodeId): boolean {
    const accepted = this.running().loop.transferLeadership(to);
    this.settle();
    return accepted;
  }

  /** A membership change, straight to the core (the Ready loop has no call for it); the loop carries it out. */
  proposeConfChange(change: ConfChange): ProposeResult {
    const loop = this.running().loop;
    const result = loop.core.proposeConfChange(change);
    loop.schedule();
    this.settle();
    return result;
  }

  setOptions(options: { readonly preVote?: boolean; readonly checkQuorum?: boolean }): void {
    this.running().loop.setRaftOptions(options);
    this.settle();
  }

  /** Proposes through the loop, and hands the batch to the core at once to learn its indexes. */
  propose(commands: readonly Uint8Array[]): ProposeResult {
    const loop = this.running().loop;
    for (const data of commands) {
      const write = decodeSet(data);
      loop.propose(
        data,
        (index) => {
          // The loop resolves only when the entry at the proposed index has the proposed term.
          if (write !== null)
            this.env.emit({ kind: 'write-ack', node: this.id, key: write.key, value: write.value, index });
        },
        ignore,
      );
    }
    const result = loop.flushProposals();
    if (result === null) throw new Error(`${this.id}: the loop had no proposals to hand over`);
    if (result.ok) {
      this.env.emit({
        kind: 'propose',
        node: this.id,
        index: result.firstIndex,
        term: result.term,
        commands: commands.map((data) => decodeText(data)),
      });
    }
    this.settle();
    return result;
  }

  /** Starts a linearizable read of `key`; false when the core knows no leader to ask. */
  read(readId: number, key: string): boolean {
    this.env.emit({ kind: 'read-start', node: this.id, readId, key });
    const accepted = this.running().loop.read(
      (machine) => machine.kv.get(key),
      (stored) => {
        const value = stored as StoredValue | undefined;
        this.env.emit({
          kind: 'read-done',
          node: this.id,
          readId,
          key,
          value: value?.value ?? null,
          index: value?.index ?? 0,
        });
      },
      () => this.env.emit({ kind: 'read-failed', node: this.id, readId }),
    );
    if (!accepted) this.env.emit({ kind: 'read-failed', node: this.id, readId });
    this.settle();
    return accepted;
  }

  /**
   * Takes a snapshot of the state machine now and compacts, as the host does every N applied
   * entries. Only when the loop is idle with nothing unsaved: the state machine has then applied
   * exactly what the core counts as applied, and every entry up to it is on the disk.
   */
  takeSnapshot(): SnapshotMeta | null {
    const life = this.life;
    if (life === null || life.storage.savePending) return null;
    const core = life.loop.core;
    const status = core.status();
    if (this.machine.appliedIndex !== status.applied || status.applied <= this.disk.snapshotMeta.index) return null;
    const meta = core.snapshotMeta();
    this.disk.compact(meta, this.machine.kv.clone());
    core.compact(meta);
    this.env.emit({ kind: 'snapshot', node: this.id, phase: 'compact', index: meta.index, term: meta.term });
    life.loop.schedule();
    this.settle();
    return meta;
  }

  /** InstallSnapshot's bytes arrived (from the sender's disk); its Snap message follows at once. */
  receiveSnapshot(index: number, state: KvStateMachine): void {
    this.received = { index, state };
  }

  /** The sender's side of InstallSnapshot: the transfer to `to` ended. */
  reportSnapshot(to: NodeId, ok: boolean): void {
    const life = this.life;
    if (life === null) return;
    life.loop.core.reportSnapshot(to, ok);
    life.loop.schedule();
    this.settle();
  }

  /** The core as the loop sees it: a Ready that carries a snapshot has it installed first. */
  private installingSnapshots(core: RaftCore): RaftCore {
    const install = (meta: SnapshotMeta): void => {
      const received = this.received;
      if (received === null || received.index !== meta.index) {
        throw new Error(`${this.id}: Ready.snapshot at ${meta.index} but no such snapshot was received`);
      }
      this.received = null;
      this.disk.install(meta, received.state);
      this.machine.kv = received.state.clone();
      this.env.emit({ kind: 'snapshot', node: this.id, phase: 'install', index: meta.index, term: meta.term });
    };
    // The loop hands back the copy it got; the core wants its own Ready in advance().
    let handedOut: { readonly copy: Ready; readonly original: Ready } | null = null;
    return new Proxy(core, {
      get(target, property) {
        if (property === 'ready') {
          return (): Ready => {
            const ready = target.ready();
            if (ready.snapshot === null) return ready;
            install(ready.snapshot);
            const copy: Ready = { ...ready, snapshot: null };
            handedOut = { copy, original: ready };
            return copy;
          };
        }
        if (property === 'advance') {
          return (ready: Ready): void => {
            const original = handedOut?.copy === ready ? handedOut.original : ready;
            handedOut = null;
            target.advance(original);
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  /** Completes a slow save whose time has come; the loop then carries on with the next Readies. */
  completeDueSave(now: number): void {
    const life = this.life;
    if (life === null || !life.storage.savePending) return;
    life.storage.completeDue(now);
    this.settle();
  }

  snapshot(): NodeSnapshot {
    const life = this.life;
    if (life !== null) this.refreshLast(life.loop.core.status());
    return {
      id: this.id,
      alive: life !== null,
      ...this.last,
      applied: this.machine.appliedIndex,
      savePending: life?.storage.savePending ?? false,
      diskLastIndex: this.disk.lastIndex,
      diskLastTerm: this.disk.lastTerm,
    };
  }

  /**
   * Where the core's log departs from the disk, and the core's entries from there on: received or
   * proposed, in a save not yet durable or not yet handed to one. Cheap in the common case: a node
   * with no save in flight and a log ending where its disk does has none.
   */
  private unsavedEntries(life: Life): { from: number; entries: readonly Entry[]; snapshot?: number } | null {
    const core = life.loop.core;
    const { lastIndex, lastTerm, logStart } = this.last;
    const disk = this.disk;
    if (logStart > disk.snapshotMeta.index) {
      // The core took an InstallSnapshot the next Ready installs: its log is that snapshot, then its entries.
      return { from: logStart + 1, entries: core.entries(logStart + 1, lastIndex + 1), snapshot: logStart };
    }
    if (lastIndex === disk.lastIndex && lastTerm === disk.lastTerm) return null;
    let same = Math.min(lastIndex, disk.lastIndex);
    // At or below the disk's snapshot point both hold the same (committed) entries.
    const floor = disk.snapshotMeta.index;
    while (same > floor && core.entries(same, same + 1)[0]?.term !== disk.termAt(same)) same--;
    return { from: same + 1, entries: core.entries(same + 1, lastIndex + 1) };
  }

  /** Tells the checkers when the memory log's departure from the disk changed (see the 'memory' event). */
  private reportMemory(life: Life): void {
    const { lastIndex, lastTerm } = this.last;
    const disk = this.disk;
    const key = this.memoryKey;
    const start = this.last.logStart;
    if (
      key[0] === lastIndex &&
      key[1] === lastTerm &&
      key[2] === disk.lastIndex &&
      key[3] === disk.lastTerm &&
      key[4] === start
    )
      return;
    key[0] = lastIndex;
    key[1] = lastTerm;
    key[2] = disk.lastIndex;
    key[3] = disk.lastTerm;
    key[4] = start;
    const unsaved = this.unsavedEntries(life);
    if (unsaved === null && !this.memoryReported) return;
    this.memoryReported = unsaved !== null;
    this.env.emit({
      kind: 'memory',
      node: this.id,
      from: unsaved?.from ?? Number.POSITIVE_INFINITY,
      entries: unsaved?.entries ?? [],
      ...(unsaved?.snapshot === undefined ? {} : { snapshot: unsaved.snapshot }),
    });
  }

  private running(): Life {
    if (this.life === null) throw new Error(`${this.id} is down`);
    return this.life;
  }

  /** Runs the loop for what the last input scheduled (a save may make it wait), then reports roles. */
  private settle(): void {
    const scheduler = this.life?.scheduler;
    if (scheduler !== undefined && !scheduler.empty) {
      // What the input changed (a role, entries in memory) is told before what the loop does with it.
      this.observe();
      scheduler.drain();
    }
    this.observe();
  }

  private observe(): void {
    if (this.life === null) return;
    const before = this.last;
    this.refreshLast(this.life.loop.core.status());
    // Before the role: a new leader is judged by the log it holds in memory.
    this.reportMemory(this.life);
    const now = this.last;
    if (now.role !== before.role || now.term !== before.term) {
      this.env.emit({ kind: 'role', node: this.id, role: now.role, term: now.term, leader: now.leader });
    }
  }

  private refreshLast(status: RaftStatus): void {
    this.last = {
      role: status.role,
      term: status.term,
      leader: status.leader,
      commit: status.commit,
      lastIndex: status.lastIndex,
      lastTerm: status.lastTerm,
      logStart: status.firstIndex - 1,
    };
  }
}
