// A deterministic in-memory Raft group made of real cores. One seed fixes everything: election
// timeouts, message loss and delays, and hence the whole run. Tests drive it with ticks and
// faults; observers (trace, safety checkers) see every event and a snapshot after every action.
import { quorumSize } from '../../src/shared/raft/quorum';
import type { ConfChange, Membership, Message, NodeId, ProposeResult, RaftConfig } from '../../src/shared/raft/types';
import { SeededRandom } from '../../src/shared/random';
import type { HistoryEvent, HistoryObserver, StepSnapshot, UnstampedEvent } from './history';
import { encodeText } from './kv';
import { type LinkConditions, type MessageFilter, RELIABLE, SimNetwork } from './network';
import { SimNode, type TornWrite } from './node';

export type RaftTuning = Omit<RaftConfig, 'id' | 'peers' | 'random'>;

/** Paper-like proportions in ticks: a heartbeat every tick, elections after 10 to 19 quiet ticks. */
export const DEFAULT_TUNING: RaftTuning = {
  electionTicksMin: 10,
  electionTicksMax: 20,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
  maxEntriesPerMessage: 64,
  maxBytesPerMessage: 1 << 20,
  maxInflightMessages: 64,
};

export interface ClusterOptions {
  /** Number of nodes, named n1..nN. Ignored when `ids` is given. */
  readonly size?: number;
  readonly ids?: readonly NodeId[];
  readonly seed?: number;
  readonly tuning?: Partial<RaftTuning>;
  /** Deliver messages as they fall due (default). When false, messages wait for `deliver()`. */
  readonly autoDeliver?: boolean;
  readonly network?: Partial<LinkConditions>;
  /**
   * Nodes that exist but start down and outside the group (named after the bootstrap ones): they
   * join through addNode + an addLearner change. Default 0.
   */
  readonly spares?: number;
}

/** A goal the cluster did not reach in the ticks allowed: a liveness problem, not a crash. */
export class TimedOut extends Error {
  override readonly name = 'TimedOut';
}

/** No single flush may deliver more than this; a core that never quiets down is a bug. */
const MAX_DELIVERIES_PER_FLUSH = 200_000;

export class SimCluster {
  /** Every node: the bootstrap group, then the spares. */
  readonly ids: readonly NodeId[];
  /** The group the configuration starts with (RaftConfig.peers of every node). */
  readonly bootstrap: readonly NodeId[];
  /** Nodes that have been started at least once (the bootstrap group and the spares that joined). */
  readonly joined = new Set<NodeId>();
  readonly network: SimNetwork;
  readonly random: SeededRandom;
  /** The settings each core starts with; setOptions changes them for running and restarted nodes alike. */
  tuning: RaftTuning;
  autoDeliver: boolean;
  /** Each save takes a uniform 0..saveDelayTicksMax ticks to become durable (0: at once). */
  saveDelayTicksMax = 0;
  /**
   * Every node takes a snapshot (and compacts) once it has applied this many entries past its last
   * one; 0 never. Small values make InstallSnapshot and restarts from a snapshot common.
   */
  snapshotEntries = 0;
  /** InstallSnapshot transfers that ended and that the sender has not been told of yet. */
  private readonly snapshotReports: { from: NodeId; to: NodeId; ok: boolean }[] = [];
  /** Nodes whose every save takes exactly this many ticks, whatever saveDelayTicksMax says. */
  private readonly slowDisks = new Map<NodeId, number>();
  private clock = 0;
  private readonly diskRandom: SeededRandom;
  private readonly members = new Map<NodeId, SimNode>();
  private readonly observers: Partial<HistoryObserver>[] = [];
  private nextReadId = 1;

  constructor(options: ClusterOptions = {}) {
    this.bootstrap = options.ids ?? Array.from({ length: options.size ?? 3 }, (_, i) => `n${i + 1}`);
    const spares = Array.from({ length: options.spares ?? 0 }, (_, i) => `n${this.bootstrap.length + i + 1}`);
    this.ids = [...this.bootstrap, ...spares];
    this.random = new SeededRandom(options.seed ?? 1);
    this.tuning = { ...DEFAULT_TUNING, ...options.tuning };
    this.autoDeliver = options.autoDeliver ?? true;
    this.network = new SimNetwork(this.random.fork(0x5eed), {
      onDrop: (message, reason) => {
        this.emit({ kind: 'drop', message, reason });
        // The transfer a Snap stands for failed: its sender hears so (later, outside this call).
        if (message.type === 'Snap') this.snapshotReports.push({ from: message.from, to: message.to, ok: false });
      },
      onDuplicate: (message) => this.emit({ kind: 'duplicate', message }),
    });
    this.network.conditions = { ...RELIABLE, ...options.network };
    this.diskRandom = this.random.fork(0xd15c);
    const environment = {
      send: (message: Message) => this.network.send(message, this.clock),
      emit: (event: UnstampedEvent) => this.emit(event),
      now: () => this.clock,
      saveDelayTicks: (id: NodeId) =>
        this.slowDisks.get(id) ??
        (this.saveDelayTicksMax > 0 ? this.diskRandom.nextInt(this.saveDelayTicksMax + 1) : 0),
      config: (id: NodeId, incarnation: number) => this.configFor(id, incarnation),
    };
    for (const id of this.ids) this.members.set(id, new SimNode(id, environment));
    for (const id of this.bootstrap) {
      this.joined.add(id);
      this.node(id).start();
    }
  }

  get now(): number {
    return this.clock;
  }

  /** The members (voters and learners) of the group as the most advanced live node knows it. */
  get size(): number {
    const { voters, learners } = this.membership();
    return voters.length + learners.length;
  }

  get majority(): number {
    return quorumSize(this.membership().voters.length);
  }

  /** The committed membership of the live node with the highest commit index (the bootstrap group if none lives). */
  membership(): Membership {
    let best: { commit: number; membership: Membership } | null = null;
    for (const node of this.alive()) {
      const status = node.status();
      if (best === null || status.commit > best.commit) best = { commit: status.commit, membership: status.membership };
    }
    return best?.membership ?? { voters: this.bootstrap, learners: [] };
  }

  /** Starts a spare, empty and outside the group: it only joins once an addLearner change commits. */
  addNode(id: NodeId): void {
    if (this.joined.has(id)) throw new Error(`${id} has already joined`);
    this.joined.add(id);
    this.emit({ kind: 'fault', fault: 'join', detail: `${id} starts empty` });
    this.node(id).start();
    this.settle();
  }

  /** Proposes a membership change at `leader`; the result says whether it was taken, or why not. */
  changeMembership(leader: NodeId, change: ConfChange): ProposeResult {
    const result = this.node(leader).proposeConfChange(change);
    const outcome = result.ok ? `at ${result.firstIndex}` : `refused: ${result.detail ?? result.reason}`;
    this.emit({
      kind: 'fault',
      fault: 'membership',
      detail: `${leader} proposes ${change.type} ${change.node} ${outcome}`,
    });
    this.settle();
    return result;
  }

  node(id: NodeId): SimNode {
    const node = this.members.get(id);
    if (node === undefined) throw new Error(`no node ${id}; the cluster has ${this.ids.join(', ')}`);
    return node;
  }

  get nodes(): readonly SimNode[] {
    return [...this.members.values()];
  }

  alive(): SimNode[] {
    return this.nodes.filter((node) => node.alive);
  }

  /** Registers an observer; returns a function that removes it. */
  observe(observer: Partial<HistoryObserver>): () => void {
    this.observers.push(observer);
    return () => {
      const at = this.observers.indexOf(observer);
      if (at >= 0) this.observers.splice(at, 1);
    };
  }

  // --- time and delivery -------------------------------------------------------------------

  /** Advances logical time: every live core ticks, then due messages are delivered. */
  tick(count = 1): void {
    for (let i = 0; i < count; i++) {
      this.clock++;
      for (const node of this.alive()) node.completeDueSave(this.clock);
      for (const node of this.alive()) node.tick();
      this.settle();
    }
  }

  /** Ticks until `done()` holds; returns the ticks it took, or throws after `maxTicks`. */
  tickUntil(done: () => boolean, maxTicks: number, what: string): number {
    for (let ticks = 0; ticks <= maxTicks; ticks++) {
      if (done()) return ticks;
      if (ticks < maxTicks) this.tick();
    }
    throw new TimedOut(`${what}: not reached within ${maxTicks} ticks (t=${this.clock}, seed ${this.random.seed})`);
  }

  /** Delivers every pending message that matches, whatever its delay; replies stay pending. */
  deliver(filter: MessageFilter = () => true, order: 'as-sent' | 'newest-first' = 'as-sent'): number {
    const batch = this.network.takeMatching(filter);
    if (order === 'newest-first') batch.reverse();
    for (const item of batch) this.arrive(item);
    this.afterStep();
    return batch.length;
  }

  /** Delivers pending messages, and the replies they cause, until the network is quiet. */
  deliverAll(filter: MessageFilter = () => true, maxRounds = 1000): number {
    let total = 0;
    for (let round = 0; round < maxRounds; round++) {
      const delivered = this.deliver(filter);
      if (delivered === 0) return total;
      total += delivered;
    }
    throw new Error(`deliverAll: still delivering after ${maxRounds} rounds`);
  }

  /** Drops pending messages that match; returns how many. */
  dropPending(filter: MessageFilter = () => true): number {
    return this.network.dropPending(filter);
  }

  // --- client operations -------------------------------------------------------------------

  propose(id: NodeId, commands: readonly (string | Uint8Array)[]): ProposeResult {
    const data = commands.map((command) => (typeof command === 'string' ? encodeText(command) : command));
    const result = this.node(id).propose(data);
    this.settle();
    return result;
  }

  /** Starts a linearizable read of `key` at `id`; returns its id, or null if the node refused. */
  read(id: NodeId, key: string): number | null {
    const readId = this.nextReadId++;
    const accepted = this.node(id).read(readId, key);
    this.settle();
    return accepted ? readId : null;
  }

  campaign(id: NodeId): void {
    this.node(id).campaign();
    this.settle();
  }

  transferLeadership(from: NodeId, to?: NodeId): boolean {
    const accepted = this.node(from).transferLeadership(to);
    this.emit({
      kind: 'fault',
      fault: 'transfer',
      detail: `${from} -> ${to ?? 'best follower'} ${accepted ? '' : '(refused)'}`,
    });
    this.settle();
    return accepted;
  }

  /** Switches PreVote and CheckQuorum on every live node, and for every later restart. */
  setOptions(options: { readonly preVote?: boolean; readonly checkQuorum?: boolean }): void {
    this.tuning = { ...this.tuning, ...options };
    for (const node of this.alive()) node.setOptions(options);
    const detail = `preVote=${this.tuning.preVote} checkQuorum=${this.tuning.checkQuorum}`;
    this.emit({ kind: 'fault', fault: 'options', detail });
    this.settle();
  }

  // --- faults --------------------------------------------------------------------------------

  /** Crashes `id`: its core, state machine and inbound messages are lost; its disk stays. */
  crash(id: NodeId): void {
    this.node(id).crash();
    this.afterStep();
  }

  /** Crashes `id` during its next Ready that has something to persist, after it sent that Ready's messages. */
  crashBeforeNextPersist(id: NodeId, survives: TornWrite = 'nothing'): void {
    this.node(id).crashAtNextPersist(survives);
    this.emit({ kind: 'fault', fault: 'torn-crash-armed', detail: `${id} (${survives} survives)` });
  }

  /** Calls off every crash armed by crashBeforeNextPersist that has not happened yet. */
  disarmTornCrashes(): void {
    for (const node of this.nodes) node.crashAtNextPersist(null);
  }

  /** Every later save of `id` takes `ticks` to become durable (0: at once); null gives it back to chance. */
  slowDisk(id: NodeId, ticks: number | null): void {
    if (ticks === null) this.slowDisks.delete(id);
    else this.slowDisks.set(id, ticks);
    this.emit({
      kind: 'fault',
      fault: 'slow-disk',
      detail: `${id} ${ticks === null ? 'back to chance' : `${ticks} ticks per save`}`,
    });
  }

  restart(id: NodeId): void {
    this.node(id).start();
    this.settle();
  }

  partition(sides: readonly (readonly NodeId[])[]): void {
    this.network.partition(sides);
    this.emit({ kind: 'fault', fault: 'partition', detail: sides.map((side) => side.join(' ')).join(' | ') });
    this.afterStep();
  }

  /** Cuts `id` off from every other node, both ways. */
  isolate(id: NodeId): void {
    for (const other of this.ids) if (other !== id) this.network.cut(id, other);
    this.emit({ kind: 'fault', fault: 'isolate', detail: id });
    this.afterStep();
  }

  /** Rejoins `id`: heals every link to and from it. */
  reconnect(id: NodeId): void {
    for (const other of this.ids) if (other !== id) this.network.heal(id, other);
    this.emit({ kind: 'fault', fault: 'reconnect', detail: id });
    this.afterStep();
  }

  cut(from: NodeId, to: NodeId, bothWays = true): void {
    this.network.cut(from, to, bothWays);
    this.emit({
      kind: 'fault',
      fault: bothWays ? 'cut' : 'one-way-cut',
      detail: `${from} ${bothWays ? '<->' : '->'} ${to}`,
    });
    this.afterStep();
  }

  heal(from: NodeId, to: NodeId, bothWays = true): void {
    this.network.heal(from, to, bothWays);
    this.emit({ kind: 'fault', fault: 'heal-link', detail: `${from} ${bothWays ? '<->' : '->'} ${to}` });
    this.afterStep();
  }

  healAll(): void {
    this.network.healAll();
    this.emit({ kind: 'fault', fault: 'heal', detail: 'every link' });
    this.afterStep();
  }

  setConditions(conditions: Partial<LinkConditions>): void {
    this.network.conditions = { ...this.network.conditions, ...conditions };
    const c = this.network.conditions;
    const detail = `drop=${c.dropRate.toFixed(2)} dup=${c.duplicateRate.toFixed(2)} delay=${c.delayTicksMin}..${c.delayTicksMax} reorder=${c.reorder}`;
    this.emit({ kind: 'fault', fault: 'weather', detail });
  }

  // --- questions -----------------------------------------------------------------------------

  /** Live nodes that believe they lead, highest term first. */
  leaders(): SimNode[] {
    return this.alive()
      .filter((node) => node.status().role === 'leader')
      .sort((a, b) => b.status().term - a.status().term);
  }

  /** A leader that a majority of its voters, reachable both ways, follows in its term; or null. */
  stableLeader(): SimNode | null {
    for (const leader of this.leaders()) {
      const { id, term, membership } = leader.status();
      const followers = this.alive().filter((node) => {
        if (!membership.voters.includes(node.id)) return false;
        if (node === leader) return true;
        if (this.network.isCut(id, node.id) || this.network.isCut(node.id, id)) return false;
        const status = node.status();
        return status.term === term && status.leader === id;
      });
      if (followers.length >= quorumSize(membership.voters.length)) return leader;
    }
    return null;
  }

  waitForLeader(maxTicks = 40 * this.tuning.electionTicksMax): SimNode {
    this.tickUntil(() => this.stableLeader() !== null, maxTicks, 'a leader that a majority follows');
    return this.stableLeader()!;
  }

  /** How many nodes have applied `index`; throws if two of them applied different entries there. */
  appliedCount(index: number): number {
    let count = 0;
    let seen: string | null = null;
    for (const node of this.nodes) {
      const entry = node.stateMachine.applied[index - 1];
      if (entry === undefined) continue;
      const print = `${entry.term}/${entry.type}/${entry.data.join(',')}`;
      if (seen !== null && print !== seen) throw new Error(`nodes applied different entries at index ${index}`);
      seen = print;
      count++;
    }
    return count;
  }

  /**
   * The lab's `one()`: proposes `command` through whichever node leads, retrying across leader
   * changes, until at least `expected` nodes applied it. Returns its index.
   */
  agree(
    command: string,
    /** How many nodes must apply it; by default every member, as the group stands at each check. */
    expected: number | (() => number) = () => this.size,
    maxTicks = 40 * this.tuning.electionTicksMax,
  ): number {
    const needed = typeof expected === 'number' ? () => expected : expected;
    const data = encodeText(command);
    const deadline = this.clock + maxTicks;
    while (this.clock < deadline) {
      const leader = this.stableLeader();
      if (leader === null) {
        this.tick();
        continue;
      }
      const result = this.propose(leader.id, [data]);
      if (!result.ok) {
        this.tick();
        continue;
      }
      const retryAt = Math.min(deadline, this.clock + 2 * this.tuning.electionTicksMax);
      while (this.clock < retryAt) {
        const entry = this.appliedEntry(result.firstIndex);
        const landed = entry !== undefined && entry.term === result.term;
        if (landed && this.appliedCount(result.firstIndex) >= needed()) return result.firstIndex;
        this.tick();
      }
    }
    throw new TimedOut(
      `agree(${command}): not applied on ${expected} nodes within ${maxTicks} ticks (seed ${this.random.seed})`,
    );
  }

  snapshot(): StepSnapshot {
    return { tick: this.clock, nodes: this.nodes.map((node) => node.snapshot()) };
  }

  // --- internals -------------------------------------------------------------------------------

  private appliedEntry(index: number) {
    for (const node of this.nodes) {
      const entry = node.stateMachine.applied[index - 1];
      if (entry !== undefined) return entry;
    }
    return undefined;
  }

  private configFor(id: NodeId, incarnation: number): RaftConfig {
    const position = this.ids.indexOf(id);
    return {
      ...this.tuning,
      id,
      peers: this.bootstrap,
      random: this.random.fork(1000 * (position + 1) + incarnation),
    };
  }

  /** In auto mode, delivers everything due now (and what that causes), then reports the step. */
  private settle(): void {
    if (this.autoDeliver) this.flush();
    this.takeDueSnapshots();
    this.afterStep();
  }

  /** Takes a snapshot of `id` now, if it has applied anything since its last (see snapshotEntries). */
  takeSnapshot(id: NodeId): boolean {
    const taken = this.node(id).takeSnapshot() !== null;
    if (this.autoDeliver) this.flush();
    return taken;
  }

  private takeDueSnapshots(): void {
    if (this.snapshotEntries <= 0) return;
    for (const node of this.alive()) {
      if (node.stateMachine.appliedIndex - node.disk.snapshotMeta.index >= this.snapshotEntries) {
        node.takeSnapshot();
      }
    }
    if (this.autoDeliver) this.flush();
  }

  /** Tells senders how their InstallSnapshot transfers ended. */
  private reportSnapshots(): void {
    while (this.snapshotReports.length > 0) {
      const { from, to, ok } = this.snapshotReports.shift()!;
      const sender = this.members.get(from);
      if (sender?.alive) sender.reportSnapshot(to, ok);
    }
  }

  private flush(): void {
    for (let delivered = 0; ; ) {
      this.reportSnapshots();
      const due = this.network.takeDue(this.clock);
      if (due.length === 0) return;
      for (const item of due) this.arrive(item);
      delivered += due.length;
      if (delivered > MAX_DELIVERIES_PER_FLUSH) {
        throw new Error(
          `t=${this.clock}: more than ${MAX_DELIVERIES_PER_FLUSH} deliveries in one tick; a message storm`,
        );
      }
    }
  }

  private arrive(item: { readonly seq: number; readonly message: Message; readonly deliverAt: number }): void {
    const target = this.members.get(item.message.to);
    if (target === undefined || !target.alive) {
      this.network.dropUndeliverable(item);
      return;
    }
    if (!this.network.checkArrival(item)) return;
    const message = item.message;
    if (message.type === 'Snap') {
      // InstallSnapshot: the bytes come from the sender's disk, which keeps its two newest snapshots.
      const held = this.members.get(message.from)?.disk.snapshotAt(message.snapshot.index) ?? null;
      this.snapshotReports.push({ from: message.from, to: message.to, ok: held !== null });
      if (held === null) {
        this.emit({
          kind: 'fault',
          fault: 'snapshot-gone',
          detail: `${message.from} no longer holds snapshot ${message.snapshot.index}`,
        });
        return;
      }
      target.receiveSnapshot(message.snapshot.index, held.state);
    }
    this.emit({ kind: 'deliver', message });
    target.deliver(message);
  }

  private emit(event: UnstampedEvent): void {
    // Every event is a fresh literal made for this call, so stamping it in place is safe (and cheap:
    // a long simulation emits millions of them).
    const stamped = Object.assign(event, { tick: this.clock }) as HistoryEvent;
    for (const observer of this.observers) observer.onEvent?.(stamped);
    // Whatever was on its way to a dead node is lost, even if the node comes back soon.
    if (stamped.kind === 'crash') this.network.dropPending((message) => message.to === stamped.node, 'down');
  }

  private afterStep(): void {
    if (this.observers.every((observer) => observer.afterStep === undefined)) return;
    const snapshot = this.snapshot();
    for (const observer of this.observers) observer.afterStep?.(snapshot);
  }
}
