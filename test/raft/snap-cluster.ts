// An in-memory cluster of cores for the snapshot and membership tests: instant disks that hold a
// snapshot plus a log tail, a state machine per node (the applied entries, so that replicas can be
// compared entry by entry), snapshots taken and compacted as a host does, InstallSnapshot moved as
// the hosts move it (the bytes come from the sender's durable snapshot; the sender hears how the
// transfer ended), nodes that join after the start, and every leader ever seen per term.
import { BOOTSTRAP_MEMBERSHIP, createRaft, decodeConfChange, RefusedMessageError } from '../../src/shared/raft/index';
import type {
  ConfChange,
  Entry,
  HardState,
  InitialState,
  Message,
  NodeId,
  ProposeResult,
  RaftConfig,
  RaftCore,
  SnapshotMeta,
} from '../../src/shared/raft/types';
import { bytes, highestTermLeader, makeConfig } from './helpers';

/** The state machine: every entry applied, in order (a snapshot holds the prefix it covers). */
interface Machine {
  applied: Entry[];
}

interface Disk {
  hardState: HardState;
  snapshot: SnapshotMeta;
  /** The state machine at snapshot.index. */
  snapshotState: Entry[];
  /** Entries after snapshot.index. */
  entries: Entry[];
}

export class SnapCluster {
  readonly nodes = new Map<NodeId, RaftCore>();
  readonly machines = new Map<NodeId, Machine>();
  readonly disks = new Map<NodeId, Disk>();
  /** Every message put on the wire, in order. */
  readonly wire: Message[] = [];
  /** Per term, every node that was leader in it: election safety says at most one. */
  readonly leadersByTerm = new Map<number, Set<NodeId>>();
  /** Snapshot transfers that ended, as the sender's host reported them. */
  readonly snapshotReports: { from: NodeId; to: NodeId; ok: boolean }[] = [];
  /** Ready.snapshot installs, per node. */
  readonly installs: { node: NodeId; meta: SnapshotMeta }[] = [];
  /** Messages a node refused (RefusedMessageError), with why. */
  readonly refused: { message: Message; reason: string }[] = [];
  private queue: Message[] = [];
  private readonly cut = new Set<string>();
  private readonly down = new Set<NodeId>();
  /** Snapshot transfers fail (the sender hears 'failed') for these receivers. */
  readonly failSnapshotsTo = new Set<NodeId>();
  /** Nodes whose removal some node has applied from a committed config entry. */
  readonly removedCommitted = new Set<NodeId>();
  /** A node that became leader after its removal committed (thesis §4.2.2 says it must not). */
  readonly removedLeaders: { node: NodeId; term: number }[] = [];
  /** Drops each message with this chance (the random must be set). */
  dropRate = 0;
  random: { chance(p: number): boolean } | null = null;

  constructor(
    /** The bootstrap voters. */
    readonly bootstrap: readonly NodeId[],
    private readonly overrides: Partial<RaftConfig> = {},
  ) {
    for (const id of bootstrap) this.start(id, this.freshDisk());
  }

  private freshDisk(): Disk {
    return {
      hardState: { term: 0, vote: '', commit: 0 },
      snapshot: { index: 0, term: 0, membership: BOOTSTRAP_MEMBERSHIP },
      snapshotState: [],
      entries: [],
    };
  }

  get ids(): NodeId[] {
    return [...this.disks.keys()];
  }

  node(id: NodeId): RaftCore {
    const core = this.nodes.get(id);
    if (core === undefined) throw new Error(`no live node ${id}`);
    return core;
  }

  /** Starts an empty node that is in no membership yet, as a joining host would. */
  addNode(id: NodeId): void {
    if (this.disks.has(id)) throw new Error(`${id} exists`);
    this.start(id, this.freshDisk());
  }

  private start(id: NodeId, disk: Disk): void {
    this.disks.set(id, disk);
    const initial: InitialState = {
      hardState: disk.hardState,
      snapshot: disk.snapshot,
      entries: [...disk.entries],
      applied: disk.snapshot.index,
    };
    this.nodes.set(id, createRaft(makeConfig(id, this.bootstrap, this.overrides), initial));
    this.machines.set(id, { applied: [...disk.snapshotState] });
  }

  crash(id: NodeId): void {
    this.down.add(id);
    this.nodes.delete(id);
  }

  restart(id: NodeId): void {
    this.down.delete(id);
    this.start(id, this.disks.get(id)!);
  }

  isolate(id: NodeId): void {
    for (const other of this.ids) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  /** The host takes a snapshot of its state machine now and compacts (ReadyLoop's takeSnapshot). */
  takeSnapshot(id: NodeId): SnapshotMeta {
    const core = this.node(id);
    const meta = core.snapshotMeta();
    const machine = this.machines.get(id)!;
    const disk = this.disks.get(id)!;
    // Nothing new applied since the last one: a host skips it.
    if (meta.index <= disk.snapshot.index) return disk.snapshot;
    disk.snapshot = meta;
    disk.snapshotState = machine.applied.slice(0, meta.index);
    core.compact(meta);
    // Storage keeps the log after the snapshot (it may keep more; the core keeps its own margin).
    disk.entries = disk.entries.filter((e) => e.index > meta.index);
    return meta;
  }

  private process(id: NodeId): boolean {
    const core = this.nodes.get(id);
    if (core === undefined || !core.hasReady()) return false;
    const ready = core.ready();
    const disk = this.disks.get(id)!;
    const machine = this.machines.get(id)!;
    if (ready.snapshot !== null) {
      // Install first (types.ts, Ready.snapshot): the received state, the log now starts after it.
      const state = this.received.get(id);
      if (state === undefined || state.meta.index !== ready.snapshot.index) {
        throw new Error(`${id}: Ready.snapshot ${ready.snapshot.index} without a received snapshot`);
      }
      disk.snapshot = ready.snapshot;
      disk.snapshotState = state.state;
      disk.entries = [];
      machine.applied = [...state.state];
      this.installs.push({ node: id, meta: ready.snapshot });
    }
    if (ready.hardState) disk.hardState = ready.hardState;
    if (ready.entries.length > 0) {
      const first = ready.entries[0]!.index;
      disk.entries = disk.entries.filter((e) => e.index < first);
      disk.entries.push(...ready.entries);
    }
    if (ready.softState?.role === 'leader') {
      const term = core.status().term;
      if (this.removedCommitted.has(id)) this.removedLeaders.push({ node: id, term });
      const set = this.leadersByTerm.get(term) ?? new Set<NodeId>();
      set.add(id);
      this.leadersByTerm.set(term, set);
    }
    this.send(ready.messages);
    this.send(ready.persistedMessages);
    for (const entry of ready.committedEntries) {
      if (entry.index !== machine.applied.length + 1) {
        throw new Error(`${id}: applied ${entry.index} after ${machine.applied.length}`);
      }
      machine.applied.push(entry);
      if (entry.type === 'config') {
        const change = decodeConfChange(entry.data);
        if (change.type === 'remove') this.removedCommitted.add(change.node);
      }
    }
    core.advance(ready);
    return true;
  }

  private readonly received = new Map<NodeId, { meta: SnapshotMeta; state: Entry[] }>();

  private send(messages: readonly Message[]): void {
    for (const m of messages) {
      this.wire.push(m);
      this.queue.push(m);
    }
  }

  private deliver(m: Message): void {
    const dropped = this.random !== null && this.dropRate > 0 && this.random.chance(this.dropRate);
    const lost = dropped || this.cut.has(`${m.from}>${m.to}`) || this.down.has(m.to) || !this.nodes.has(m.to);
    if (m.type !== 'Snap') {
      if (!lost) this.step(m);
      return;
    }
    // InstallSnapshot: the sender's host streams its durable snapshot; the receiver's host offers it.
    const ok = !lost && !this.failSnapshotsTo.has(m.to);
    if (ok) {
      const sender = this.disks.get(m.from)!;
      if (sender.snapshot.index !== m.snapshot.index) throw new Error(`${m.from} sends a snapshot it does not hold`);
      this.received.set(m.to, { meta: m.snapshot, state: sender.snapshotState });
      this.step(m);
    }
    this.snapshotReports.push({ from: m.from, to: m.to, ok });
    this.nodes.get(m.from)?.reportSnapshot(m.to, ok);
  }

  /** As a host does: a refused message is dropped and counted, the node goes on. */
  private step(m: Message): void {
    try {
      this.nodes.get(m.to)!.step(m);
    } catch (error) {
      if (!(error instanceof RefusedMessageError)) throw error;
      this.refused.push({ message: m, reason: error.message });
    }
  }

  run(maxSteps = 100_000): void {
    for (let steps = 0; ; steps++) {
      if (steps > maxSteps) throw new Error('cluster: no quiescence');
      let moved = false;
      for (const id of this.ids) moved = this.process(id) || moved;
      const batch = this.queue;
      this.queue = [];
      for (const m of batch) {
        moved = true;
        this.deliver(m);
      }
      if (!moved) return;
    }
  }

  tick(count = 1): void {
    for (let i = 0; i < count; i++) {
      for (const core of this.nodes.values()) core.tick();
      this.run();
    }
  }

  leader(): NodeId | null {
    return highestTermLeader(this.nodes);
  }

  /** Ticks until some node leads (and its no-op committed), or throws. */
  settle(limit = 500): NodeId {
    for (let i = 0; i < limit; i++) {
      const leader = this.leader();
      if (leader !== null) {
        const s = this.node(leader).status();
        if (s.commit === s.lastIndex) return leader;
      }
      this.tick();
    }
    throw new Error('no leader settled');
  }

  elect(id: NodeId): void {
    this.node(id).campaign();
    this.run();
    if (this.node(id).status().role !== 'leader') throw new Error(`${id} did not win the election`);
  }

  put(text: string): ProposeResult {
    const leader = this.leader();
    if (leader === null) throw new Error('no leader');
    const result = this.node(leader).propose([bytes(text)]);
    this.run();
    // One tick carries the new commit index to the followers.
    this.tick();
    return result;
  }

  change(change: ConfChange): ProposeResult {
    const leader = this.leader();
    if (leader === null) throw new Error('no leader');
    const result = this.node(leader).proposeConfChange(change);
    this.run();
    this.tick();
    return result;
  }

  /** Command texts a node's state machine holds, in order. */
  texts(id: NodeId): string[] {
    const decoder = new TextDecoder();
    return this.machines
      .get(id)!
      .applied.filter((e) => e.type === 'normal')
      .map((e) => decoder.decode(e.data));
  }

  /** Throws unless every pair of state machines agrees on every index both applied. */
  checkStateMachines(): void {
    const ids = [...this.machines.keys()];
    for (const a of ids) {
      for (const b of ids) {
        const x = this.machines.get(a)!.applied;
        const y = this.machines.get(b)!.applied;
        for (let i = 0; i < Math.min(x.length, y.length); i++) {
          if (x[i]!.term !== y[i]!.term || x[i]!.index !== y[i]!.index) {
            throw new Error(`${a} and ${b} applied different entries at ${i + 1}`);
          }
        }
      }
    }
  }

  /** Throws if any term had two leaders. */
  checkElectionSafety(): void {
    for (const [term, set] of this.leadersByTerm) {
      if (set.size > 1) throw new Error(`term ${term} had leaders ${[...set].join(', ')}`);
    }
  }
}
