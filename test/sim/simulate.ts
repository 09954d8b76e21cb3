// The simulator, in the spirit of TigerBeetle's VOPR and FoundationDB's simulation: one seed
// drives a random schedule of client requests and faults against real Raft cores, the safety
// checkers judge every step, and once the faults stop the group must recover within a bound.
import type { NodeId } from '../../src/shared/raft/types';
import { SeededRandom } from '../../src/shared/random';
import { SimCluster, TimedOut } from '../harness/cluster';
import type { HistoryEvent } from '../harness/history';
import { encodeSet } from '../harness/kv';
import { RELIABLE } from '../harness/network';
import { Trace } from '../harness/trace';
import { sameEntry } from './checkers/model';
import { allCheckers, SafetyMonitor } from './checkers/monitor';
import { InvariantViolation } from './checkers/violation';
import { SimulationFailure } from './failure';
import { type Action, emptyActions, type FaultMix, networkMix } from './fault-mix';
import { optionsForSeed, type SimOptions } from './options';

/**
 * Liveness bound: once the network is healed and every node is up, a leader must be elected, a
 * fresh write applied on every node and read back at every node within this many election timeouts
 * (electionTicksMax each), plus the catch-up allowance below. One election needs about one timeout;
 * the rest is room for split votes, for PreVote rounds that a stale log loses, and for CheckQuorum
 * leases to expire. Failing it means a livelock, not bad luck.
 */
export const LIVENESS_ELECTION_TIMEOUTS = 30;

/**
 * Catch-up allowance: a follower may lack the whole log, which then arrives maxEntriesPerMessage
 * entries per round trip. A round trip after healing takes at most 1 + 1 ticks on the wire plus
 * two saves of up to saveDelayTicksMax each; 8 ticks covers it with room to spare.
 */
export const CATCH_UP_TICKS_PER_ROUND_TRIP = 8;

const KEYS = ['a', 'b', 'c'] as const;

/** Relative odds of each action per step of the fault phase. */
const ACTION_WEIGHTS: Readonly<Record<Action, number>> = {
  tick: 55,
  propose: 14,
  read: 9,
  crash: 1.2,
  tornCrash: 0.5,
  restart: 3,
  partition: 0.8,
  oneWayCut: 0.8,
  isolate: 0.6,
  heal: 1.8,
  weather: 1.5,
  transfer: 0.4,
  campaign: 0.3,
  toggleOptions: 0.2,
  // Only in seeds with membershipChanges (weightsFor): add a learner, promote, remove, remove the leader.
  membership: 1,
};

/** Actions that are not a tick or a client request: their odds scale with a seed's fault intensity. */
const CLIENT_OR_TIME: ReadonlySet<Action> = new Set<Action>(['tick', 'propose', 'read']);

function weightsFor(faultIntensity: number, membershipChanges: boolean): [Action, number][] {
  return (Object.entries(ACTION_WEIGHTS) as [Action, number][]).map(([action, weight]) => [
    action,
    action === 'membership' && !membershipChanges ? 0 : CLIENT_OR_TIME.has(action) ? weight : weight * faultIntensity,
  ]);
}

/** Nodes that may join a group during a run, beyond its bootstrap members. */
const SPARES = 3;

export interface SimulateOptions extends Partial<SimOptions> {
  /** Receives every trace line as it happens. */
  readonly verbose?: (line: string) => void;
}

export interface SimResult {
  readonly seed: number;
  readonly options: SimOptions;
  readonly ticks: number;
  readonly livenessTicks: number;
  readonly commitIndex: number;
  readonly mix: FaultMix;
}

export function simulate(seed: number, settings: SimulateOptions = {}): SimResult {
  const { verbose, ...pinned } = settings;
  const options = optionsForSeed(seed, pinned);
  const trace = new Trace({ capacity: 200, ...(verbose ? { sink: verbose } : {}) });
  const fail = (property: string, detail: string): SimulationFailure =>
    new SimulationFailure({ seed, options, property, detail, trace: trace.lines() });
  try {
    return new Run(seed, options, trace).execute();
  } catch (error) {
    if (error instanceof SimulationFailure) throw error;
    if (error instanceof InvariantViolation) throw fail(error.property, error.detail);
    throw fail('Core or harness error', error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
}

class Run {
  private readonly cluster: SimCluster;
  private readonly random: SeededRandom;
  private readonly actions = emptyActions();
  private leadersElected = 0;
  /** Nodes a membership change removed (accepted; it may not have committed): never added back. */
  private readonly removed = new Set<NodeId>();
  private membershipChangesCommitted = 0;
  private readonly countedConfigs = new Set<number>();
  private readonly snapshots = { compact: 0, install: 0, restore: 0 };
  private writesAcknowledged = 0;
  private readsCompleted = 0;
  private nextValue = 1;
  private readonly weights: [Action, number][];
  private readonly totalWeight: number;
  private readonly restartWeight: number;

  constructor(
    private readonly seed: number,
    private readonly options: SimOptions,
    trace: Trace,
  ) {
    this.random = new SeededRandom(seed).fork(2);
    this.weights = weightsFor(options.faultIntensity, options.membershipChanges);
    this.totalWeight = this.weights.reduce((sum, [, weight]) => sum + weight, 0);
    this.restartWeight = ACTION_WEIGHTS.restart * options.faultIntensity;
    this.cluster = new SimCluster({
      size: options.clusterSize,
      spares: options.membershipChanges ? SPARES : 0,
      seed,
      tuning: {
        electionTicksMin: options.electionTicksMin,
        electionTicksMax: options.electionTicksMax,
        heartbeatTicks: options.heartbeatTicks,
        preVote: options.preVote,
        checkQuorum: options.checkQuorum,
        maxEntriesPerMessage: options.maxEntriesPerMessage,
        maxInflightMessages: options.maxInflightMessages,
        maxBytesPerMessage: options.maxBytesPerMessage,
        snapshotCatchUpEntries: options.snapshotCatchUpEntries,
      },
    });
    this.cluster.saveDelayTicksMax = options.saveDelayTicksMax;
    this.cluster.snapshotEntries = options.snapshotEntries;
    this.cluster.observe(trace);
    this.cluster.observe({ onEvent: (event) => this.count(event) });
    this.cluster.observe(
      new SafetyMonitor(
        this.cluster.ids,
        { seed, options, traceLines: () => trace.lines() },
        allCheckers(),
        this.cluster.bootstrap,
      ),
    );
  }

  execute(): SimResult {
    for (let step = 1; step <= this.options.steps; step++) {
      this.act(this.chooseAction());
      if (step % 100 === 0) this.expectMemoryMatchesDisk();
    }
    const faultTicks = this.cluster.now;
    this.recover();
    const livenessTicks = this.cluster.now - faultTicks;
    this.expectMemoryMatchesDisk();
    return {
      seed: this.seed,
      options: this.options,
      ticks: this.cluster.now,
      livenessTicks,
      commitIndex: Math.max(...this.cluster.alive().map((node) => node.status().commit)),
      mix: {
        actions: this.actions,
        ...networkMix(this.cluster.network.stats),
        leadersElected: this.leadersElected,
        snapshotsTaken: this.snapshots.compact,
        snapshotsInstalled: this.snapshots.install,
        restartsFromSnapshot: this.snapshots.restore,
        membershipChangesCommitted: this.membershipChangesCommitted,
        writesAcknowledged: this.writesAcknowledged,
        readsCompleted: this.readsCompleted,
      },
    };
  }

  /** Nodes that have run and are down now (spares that never joined are not down, only absent). */
  private down(): NodeId[] {
    return this.cluster.nodes.filter((node) => !node.alive && this.cluster.joined.has(node.id)).map((node) => node.id);
  }

  private chooseAction(): Action {
    const down = this.down().length > 0;
    let roll = this.random.next() * (down ? this.totalWeight : this.totalWeight - this.restartWeight);
    for (const [action, weight] of this.weights) {
      if (action === 'restart' && !down) continue;
      roll -= weight;
      if (roll < 0) return action;
    }
    return 'tick';
  }

  private act(action: Action): void {
    const cluster = this.cluster;
    const alive = cluster.alive();
    const anyAlive = alive.length > 0 ? this.pick(alive).id : null;
    this.actions[action]++;
    switch (action) {
      case 'tick':
        cluster.tick();
        return;
      case 'propose': {
        const target = this.proposalTarget();
        if (target === null) return;
        const count = 1 + this.random.nextInt(3);
        const commands = Array.from({ length: count }, () => encodeSet(this.pick(KEYS), `v${this.nextValue++}`));
        cluster.propose(target, commands);
        return;
      }
      case 'read':
        if (anyAlive !== null) cluster.read(anyAlive, this.pick(KEYS));
        return;
      case 'crash': {
        const victim = this.victim();
        if (victim !== null) cluster.crash(victim);
        return;
      }
      case 'tornCrash': {
        const victim = this.victim();
        if (victim !== null)
          cluster.crashBeforeNextPersist(victim, this.random.chance(0.5) ? 'nothing' : 'term-and-vote');
        return;
      }
      case 'restart':
        cluster.restart(this.pick(this.down()));
        return;
      case 'membership':
        this.changeMembership();
        return;
      case 'partition':
        cluster.partition(this.randomSides());
        return;
      case 'oneWayCut': {
        const [from, to] = this.twoDistinct();
        cluster.cut(from, to, false);
        return;
      }
      case 'isolate':
        cluster.isolate(this.victim() ?? this.pick(cluster.ids));
        return;
      case 'heal':
        if (this.random.chance(0.5)) cluster.healAll();
        else cluster.reconnect(this.pick(cluster.ids));
        return;
      case 'weather':
        cluster.setConditions(this.randomWeather());
        return;
      case 'transfer': {
        const leader = cluster.leaders()[0];
        if (leader !== undefined)
          cluster.transferLeadership(leader.id, this.random.chance(0.5) ? undefined : this.pick(cluster.ids));
        return;
      }
      case 'toggleOptions':
        // What a teacher does from the dashboard, in the middle of a run.
        cluster.setOptions(
          this.random.chance(0.5) ? { preVote: !cluster.tuning.preVote } : { checkQuorum: !cluster.tuning.checkQuorum },
        );
        return;
      case 'campaign':
        if (anyAlive !== null) cluster.campaign(anyAlive);
        return;
    }
  }

  /**
   * One membership change at the newest leader: add a learner (starting a spare), promote a
   * learner, remove a member, or remove the leader itself. The core may refuse (a change pending,
   * no entry of its term committed yet); that is part of the test too.
   */
  private changeMembership(): void {
    const cluster = this.cluster;
    const leader = cluster.leaders()[0];
    if (leader === undefined) return;
    const { voters, learners } = leader.status().membership;
    const members = [...voters, ...learners];
    switch (this.random.nextInt(4)) {
      case 0: {
        const newcomer = cluster.ids.find((id) => !members.includes(id) && !this.removed.has(id));
        if (newcomer === undefined) return;
        if (!cluster.joined.has(newcomer)) cluster.addNode(newcomer);
        else if (!cluster.node(newcomer).alive) cluster.restart(newcomer);
        cluster.changeMembership(leader.id, { type: 'addLearner', node: newcomer });
        return;
      }
      case 1:
        if (learners.length > 0) cluster.changeMembership(leader.id, { type: 'promote', node: this.pick(learners) });
        return;
      case 2: {
        // Keep at least two voters: a group of one cannot lose a member and still show much.
        const removable = voters.length > 2 ? members : learners;
        if (removable.length === 0) return;
        const node = this.pick(removable);
        if (cluster.changeMembership(leader.id, { type: 'remove', node }).ok) this.removed.add(node);
        return;
      }
      default:
        if (voters.length > 2 && cluster.changeMembership(leader.id, { type: 'remove', node: leader.id }).ok) {
          this.removed.add(leader.id);
        }
        return;
    }
  }

  /** Half the time the newest leader (losing a leader is what tests Raft most), else any live node. */
  private victim(): NodeId | null {
    const leader = this.cluster.leaders()[0];
    if (leader !== undefined && this.random.chance(0.5)) return leader.id;
    const alive = this.cluster.alive();
    return alive.length > 0 ? this.pick(alive).id : null;
  }

  /** Usually the newest leader, sometimes any node: followers must refuse cleanly. */
  private proposalTarget(): NodeId | null {
    const leader = this.cluster.leaders()[0];
    if (leader !== undefined && this.random.chance(0.8)) return leader.id;
    const alive = this.cluster.alive();
    return alive.length > 0 ? this.pick(alive).id : null;
  }

  private randomSides(): NodeId[][] {
    const ids = [...this.cluster.ids];
    for (let i = ids.length - 1; i > 0; i--) {
      const j = this.random.nextInt(i + 1);
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
    const cutAt = 1 + this.random.nextInt(ids.length - 1);
    const sides = [ids.slice(0, cutAt), ids.slice(cutAt)];
    // Now and then a three-way split, where no side may hold a majority.
    if (ids.length >= 5 && this.random.chance(0.25)) {
      const last = sides[1]!;
      const split = 1 + this.random.nextInt(Math.max(1, last.length - 1));
      if (split < last.length) return [sides[0]!, last.slice(0, split), last.slice(split)];
    }
    return sides;
  }

  private randomWeather() {
    const o = this.options;
    switch (this.random.nextInt(4)) {
      case 0:
        return { ...RELIABLE, delayTicksMax: 1 };
      case 1:
        return { ...RELIABLE, dropRate: o.maxDropRate * this.random.next(), delayTicksMax: 1 };
      case 2:
        return { ...RELIABLE, delayTicksMax: o.maxDelayTicks, reorder: true };
      default:
        return {
          dropRate: o.maxDropRate * this.random.next(),
          duplicateRate: o.maxDuplicateRate,
          delayTicksMin: 0,
          delayTicksMax: o.maxDelayTicks,
          reorder: true,
        };
    }
  }

  /** Heal everything, bring every node up, and demand a leader and a fresh write everywhere in bounded time. */
  private recover(): void {
    const cluster = this.cluster;
    cluster.disarmTornCrashes();
    cluster.healAll();
    cluster.setConditions({ ...RELIABLE, delayTicksMax: 1 });
    if (this.options.fullRestart) for (const node of cluster.alive()) cluster.crash(node.id);
    for (const id of this.down()) cluster.restart(id);
    const longestLog = Math.max(...cluster.nodes.map((node) => node.disk.lastIndex));
    const roundTrips = Math.ceil(longestLog / this.options.maxEntriesPerMessage);
    const budget =
      LIVENESS_ELECTION_TIMEOUTS * this.options.electionTicksMax + roundTrips * CATCH_UP_TICKS_PER_ROUND_TRIP;
    const deadline = cluster.now + budget;
    try {
      // Every member as the group stands when checked: a removal may still commit meanwhile.
      cluster.agree(`set live ${this.seed}`, () => cluster.size, budget);
      this.readEverywhere(deadline);
    } catch (error) {
      if (!(error instanceof TimedOut)) throw error;
      const leader = cluster.stableLeader();
      const why =
        leader === null
          ? 'no leader that a majority follows'
          : `leader ${leader.id} could not apply a write everywhere`;
      throw new InvariantViolation(
        'Liveness',
        `${why} within ${budget} ticks (${LIVENESS_ELECTION_TIMEOUTS} election timeouts and ${roundTrips} catch-up round trips) after healing at t=${deadline - budget}: ${
          error.message
        }`,
      );
    }
  }

  /** Every node must serve a linearizable read of the fresh write before the deadline. */
  private readEverywhere(deadline: number): void {
    const cluster = this.cluster;
    // Reads can complete inside cluster.read() itself, before it returns their id: record them all.
    const answers = new Map<number, string | null>();
    const failed = new Set<number>();
    const stop = cluster.observe({
      onEvent: (event) => {
        if (event.kind === 'read-done') answers.set(event.readId, event.value);
        else if (event.kind === 'read-failed') failed.add(event.readId);
      },
    });
    try {
      // Every member reads; a removed node, or one that never got in, has no group to ask.
      const { voters, learners } = cluster.membership();
      for (const node of [...voters, ...learners].map((id) => cluster.node(id))) {
        let readId: number | null = null;
        cluster.tickUntil(
          () => {
            if (readId === null || failed.has(readId)) readId = cluster.read(node.id, 'live');
            return readId !== null && answers.has(readId);
          },
          Math.max(0, deadline - cluster.now),
          `a read at ${node.id} after healing`,
        );
        const value = answers.get(readId!);
        if (value !== String(this.seed)) {
          throw new InvariantViolation(
            'Linearizable Reads',
            `${node.id} read live=${value} after healing, not ${this.seed}`,
          );
        }
      }
    } finally {
      stop();
    }
  }

  /** The core's log must equal its disk entry for entry once every Ready is carried out. */
  private expectMemoryMatchesDisk(): void {
    for (const node of this.cluster.alive()) {
      if (node.snapshot().savePending) continue;
      const disk = node.disk.entries;
      const first = node.disk.firstIndex;
      const memory = node.raft.entries(first, first + disk.length);
      const same = memory.length === disk.length && memory.every((entry, i) => sameEntry(entry, disk[i]!));
      if (!same)
        throw new InvariantViolation(
          'Memory Matches Disk',
          `${node.id}: its log differs from its disk after a drained Ready`,
        );
    }
  }

  private count(event: HistoryEvent): void {
    if (event.kind === 'snapshot') this.snapshots[event.phase]++;
    else if (event.kind === 'apply' && event.entry.type === 'config' && !this.countedConfigs.has(event.entry.index)) {
      // Each committed config entry once, at its first apply.
      this.countedConfigs.add(event.entry.index);
      this.membershipChangesCommitted++;
    } else if (event.kind === 'role' && event.role === 'leader') this.leadersElected++;
    else if (event.kind === 'write-ack') this.writesAcknowledged++;
    else if (event.kind === 'read-done') this.readsCompleted++;
  }

  private twoDistinct(): [NodeId, NodeId] {
    const from = this.pick(this.cluster.ids);
    const to = this.pick(this.cluster.ids.filter((id) => id !== from));
    return [from, to];
  }

  private pick<T>(choices: readonly T[]): T {
    return choices[this.random.nextInt(choices.length)]!;
  }
}
