// Every node of a partition configuration in one process, exactly as the desktop app's main process
// runs them, plus what a teacher does to them on purpose: kill and restart, cut links, partition,
// slow the network, slow or pause time. The Electron main and `raftlab cluster` both use this one
// class, through the ClusterApi of src/shared/api.ts.
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import {
  ApiError,
  type ClockSettings,
  type ClusterApi,
  type ClusterEvent,
  type ClusterState,
  type GroupView,
  type KvRequest,
  type KvResult,
  type LessonSettings,
  type LinkRequest,
  type MembersChange,
  type NetworkSettings,
  type NodeView,
  type RaftOptions,
  type RingMoveView,
} from '../../shared/api';
import { allNodes, ConfigError, clusterIdOf, type Partitions, parsePartitions } from '../../shared/config';
import type { GroupsApi } from '../../shared/groups-api';
import type { NodeId } from '../../shared/raft/types';
import { SeededRandom } from '../../shared/random';
import { DEFAULT_TOKENS_PER_GROUP } from '../../shared/ring';
import { ringScopedClusterId, tokensPerGroupProblem } from '../../shared/ring-tokens';
import type { ScenarioSummary, StepResult } from '../../shared/staging-api';
import { reshardHandler } from '../kv/reshard-command';
import type { RingConfig } from '../kv/ring-command';
import { EMPTY_RING } from '../kv/ring-state';
import { bootstrapRing, RoutingTable } from '../kv/routing-table';
import type { ClientLimits } from '../net/node-server';
import { addressOfNodeId } from '../net/peer-transport';
import { RespClient } from '../net/resp-client';
import type { RespReply } from '../net/types';
import { RECORDING_FILE_NAME, recordingFileAt } from '../recording/recording-file';
import { SessionWatch } from '../recording/session-watch';
import { SCENARIOS } from '../scenarios/catalog';
import { ScenarioEngine } from '../scenarios/engine';
import { StagingTools } from '../staging/staging-tools';
import { openSnapshotStore, openStorage } from '../storage';
import { MemoryVolume } from '../storage/memory';
import type { RaftStorage } from '../storage/types';
import { ScaledClock } from './clock';
import { loadOrCreateSecretFile, randomSecret, SECRET_FILE_NAME } from './cluster-secret';
import { EventHub } from './event-hub';
import { GroupMover, type GroupMoverOptions, MoveCancelledError, ringWithGroup, ringWithoutGroup } from './group-mover';
import { LinkFaultTable } from './link-faults';
import { LIVE_RING_FILE, readLiveRing, writeLiveRing } from './live-ring-file';
import { describeFailure } from './node-failure';
import { NodeHost, type NodeTiming } from './node-host';
import { clusterEventOf, deadNodeView, initialRoleEvent, liveNodeView } from './views';

export interface ClusterHostOptions {
  readonly partitions: Partitions;
  /**
   * The ring's tokens per group, for every node it hosts (DEFAULT_TOKENS_PER_GROUP when absent; the
   * desktop app's classroom ring has fewer). A count other than the default is part of the config id.
   */
  readonly ringTokensPerGroup?: number;
  /** Each node keeps its state in `<dataDir>/<config id>/<ip>_<port>`. */
  readonly dataDir: string;
  readonly inMemory: boolean;
  readonly timing: NodeTiming;
  readonly timescale: number;
  readonly network?: NetworkSettings;
  /** Start with the clock paused and every message held (`--paused`), for staging a lesson. */
  readonly paused?: boolean;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxValueBytes: number;
  readonly requestTimeoutMs: number;
  /** `--snapshot-entries`; DEFAULT_SNAPSHOT_ENTRIES when absent. */
  readonly snapshotEntries?: number;
  /** `--max-clients` and `--idle-timeout`, for each node's port; DEFAULT_CLIENT_LIMITS when absent. */
  readonly clientLimits?: ClientLimits;
  /** Seeds elections and network randomness; random (and logged) when absent. */
  readonly seed?: number;
  /**
   * The nodes' cluster secret (CONTRACTS.md §5). When absent, one is made per configuration: in
   * `<dataDir>/<config id>/cluster.secret` (read again on the next start), or in memory.
   */
  readonly secret?: Uint8Array;
  readonly log?: (line: string) => void;
  /** Wraps each node's storage as it starts; tests inject storage failures through it. */
  readonly wrapStorage?: (id: NodeId, storage: RaftStorage) => RaftStorage;
  /**
   * Lesson mode: the Figure 8 lessons may be switched on (setLesson). Only `raftlab cluster` and the
   * desktop app, where a teacher drives the cluster, set it; anything else is refused.
   */
  readonly lessons?: boolean;
  /** Batch sizes and timeouts of the key moves when groups are added or removed. */
  readonly moverOptions?: GroupMoverOptions;
}

export class ClusterHost implements ClusterApi, GroupsApi {
  private partitions: Partitions;
  private nodeIds: NodeId[];
  /** The ring of record as this host knows it: every node here routes by it (docs/resharding.md). */
  private routing: RoutingTable;
  /** Every group ever numbered (index = group id): the bootstrap's, then those added live. */
  private groupsEver: NodeId[][];
  /** The resharding under way, if any, and the moves of the last one. */
  private resharding: { readonly mover: GroupMover; readonly done: Promise<void> } | null = null;
  private lastMoves: readonly RingMoveView[] = [];
  /** The last move's outcome, for reshardDone() once it is over (a failed move must not look done). */
  private lastReshard: Promise<void> = Promise.resolve();
  private previousGroups: readonly number[] | null = null;
  /** `RAFTLAB.RESHARD` on any node's port (raftlab admin add-group | remove-group) comes here. */
  private readonly reshardCommand = reshardHandler(this);
  private readonly clock: ScaledClock;
  private faults: LinkFaultTable;
  private readonly hub = new EventHub();
  private readonly nodes = new Map<NodeId, NodeHost>();
  /** What each killed node showed last, so the picture keeps its term and log while it is down. */
  private readonly lastViews = new Map<NodeId, NodeView>();
  /** Why each node that stopped itself did so, until it is restarted. */
  private readonly failures = new Map<NodeId, string>();
  private readonly memory = new MemoryVolume();
  private readonly kvClients = new Map<NodeId, Promise<RespClient>>();
  private readonly random: SeededRandom;
  private raftOptions: RaftOptions;
  private lesson: LessonSettings = { skipNoop: false, unsafeCommitByCount: false };
  /** The live safety monitor and the session's recording. */
  private readonly watch: SessionWatch;
  private stopTicking: (() => void) | null = null;
  private nextMessageId = 1;
  private nextRequestId = 1;
  /** The secret of the current configuration; settled by start(). */
  private secret: Uint8Array | null = null;
  /** Nodes added to a group through changeMembers (not in the partitions string), by id: their group. */
  private readonly joined = new Map<NodeId, number>();
  /** Serializes the operations that start or stop nodes, so two clicks never interleave. */
  private lifecycle: Promise<unknown> = Promise.resolve();
  readonly seed: number;
  /** Issue 15: stepping, dropping by hand, timers, vote tallies; and the guided scenarios. */
  private readonly staging = new StagingTools({
    liveNodes: () => this.nodes.values(),
    faults: () => this.faults,
    now: () => this.clock.now(),
  });
  private readonly scenarioEngine = new ScenarioEngine({
    api: this,
    subscribe: (listener) => this.hub.subscribe(listener),
    catalog: SCENARIOS,
    onStatus: (status) =>
      this.options.log?.(`scenario ${status.id}: step ${status.step}/${status.steps} ${status.phase}`),
  });
  private readonly ringTokensPerGroup: number;

  constructor(private readonly options: ClusterHostOptions) {
    this.ringTokensPerGroup = options.ringTokensPerGroup ?? DEFAULT_TOKENS_PER_GROUP;
    const problem = tokensPerGroupProblem(this.ringTokensPerGroup);
    if (problem !== undefined) throw new RangeError(problem);
    this.seed = options.seed ?? randomInt(2 ** 31);
    this.random = new SeededRandom(this.seed);
    this.partitions = options.partitions;
    this.nodeIds = allNodes(options.partitions);
    this.groupsEver = options.partitions.map((members) => [...members]);
    this.routing = new RoutingTable(bootstrapRing(options.partitions, this.ringTokensPerGroup));
    this.clock = new ScaledClock({ timescale: options.timescale, paused: options.paused ?? false });
    this.faults = this.makeFaults();
    if (options.paused) this.faults.setPaused(true);
    this.raftOptions = { preVote: options.preVote, checkQuorum: options.checkQuorum };
    this.watch = new SessionWatch({
      groupOf: (id) => this.groupOf(id),
      now: () => this.clock.now(),
      every: (ms, fn) => this.clock.every(ms, fn),
      snapshot: () => this.state(),
      header: {
        raftlab: 'recording',
        version: 1,
        startedAt: new Date().toISOString(),
        config: {
          partitions: options.partitions,
          timing: options.timing,
          timescale: options.timescale,
          seed: this.seed,
        },
      },
      ...(options.inMemory ? {} : { file: recordingFileAt(join(this.clusterFolder(), RECORDING_FILE_NAME)) }),
      ...(options.log ? { log: options.log } : {}),
    });
  }

  /** Starts every node. Rejects (having stopped those already started) if any cannot start. */
  async start(): Promise<void> {
    let unfinished: { readonly ring: RingConfig; readonly pending: RingConfig | null } | null = null;
    try {
      this.secret = await this.clusterSecret();
      unfinished = await this.loadLiveRing();
      for (const id of this.nodeIds) await this.startNode(id);
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.stopTicking = this.clock.every(this.options.timing.tickMs, () => {
      for (const node of this.nodes.values()) node.tick();
    });
    this.watch.start();
    // A move the last run of this host left half done: finish it (every step is idempotent).
    // The step starts from the record's ring, not the routing table's: replaying the logs may have
    // moved the table on already (a source that adopted before the stop).
    const pending = unfinished?.pending ?? null;
    if (unfinished !== null && pending !== null) {
      const old = unfinished.ring;
      const leaving = old.groups.filter((g) => !pending.groups.some((n) => n.id === g.id)).map((g) => g.id);
      this.beginReshard(old, pending, async () => {
        for (const group of leaving) await this.retireGroup(group);
      });
    }
  }

  /** Graceful: every node finishes its Ready, closes its port and flushes. */
  async stop(): Promise<void> {
    // Not awaited: a paused clock would hold it for ever. A cancelled mover proposes nothing more
    // (every step checks first), and a step it repeats later is a no-op (docs/resharding.md).
    this.resharding?.mover.cancel();
    this.resharding = null;
    this.stopTicking?.();
    this.stopTicking = null;
    await Promise.all([...this.nodes.values()].map((node) => node.stop()));
    this.nodes.clear();
    this.closeKvClients();
  }

  /** Stops for good: also the clock and the event hub. */
  async dispose(): Promise<void> {
    await this.scenarioEngine.stop();
    await this.stop();
    await this.watch.stop();
    this.hub.dispose();
    this.clock.dispose();
  }

  onEvents(listener: (events: readonly ClusterEvent[]) => void): () => void {
    return this.hub.subscribe(listener);
  }

  openingEvents(): readonly ClusterEvent[] {
    this.hub.flushNow();
    const at = this.clock.now();
    return this.nodeIds.flatMap((id) => {
      const node = this.nodes.get(id);
      return node ? [initialRoleEvent(node, at)] : [];
    });
  }

  /** A view that fell behind (a slow SSE client) missed these: they count in `droppedEvents`. */
  countDroppedEvents(count: number): void {
    this.hub.countDropped(count);
  }

  // ---------------------------------------------------------------------------------------------
  // ClusterApi

  async state(): Promise<ClusterState> {
    const tickMs = this.options.timing.tickMs;
    const nodes = this.nodeIds.map((id) => {
      const node = this.nodes.get(id);
      return node
        ? this.staging.decorate(liveNodeView(node, tickMs), node)
        : deadNodeView(id, this.groupOf(id), this.lastViews.get(id), this.failures.get(id));
    });
    const groups: GroupView[] = this.routing.current.groups.map(({ id, members }) => {
      let leader: NodeId | null = null;
      let leaderTerm = -1;
      for (const view of nodes) {
        if (view.group === id && view.alive && view.role === 'leader' && view.term > leaderTerm) {
          leader = view.id;
          leaderTerm = view.term;
        }
      }
      return { id, leader, ...this.membersOf(id, members, leader) };
    });
    return {
      partitions: this.partitions,
      groups,
      nodes,
      links: this.faults.cutLinks(),
      ring: {
        hashSpace: this.routing.ring.hashSpace,
        tokens: this.routing.ring.tokens,
        tokensPerGroup: this.ringTokensPerGroup,
        version: this.routing.version,
        moves: this.resharding?.mover.progress ?? this.lastMoves,
        ...(this.previousGroups ? { previousGroups: this.previousGroups } : {}),
      },
      network: this.faults.network(),
      clock: this.clock.settings(),
      raft: this.raftOptions,
      droppedEvents: this.hub.droppedEvents,
      safety: this.watch.safety(),
      lesson: { available: this.options.lessons === true, ...this.lesson },
      staging: { held: this.staging.held(), scenario: this.scenarioEngine.status() },
    };
  }

  /** The Figure 8 lessons (LessonOptions in shared/raft/types.ts): lesson mode only. */
  async setLesson(settings: Partial<LessonSettings>): Promise<void> {
    if (this.options.lessons !== true) {
      throw new ApiError(
        409,
        'the Figure 8 lessons can be switched on only in lesson mode: `raftlab cluster` or the desktop app',
      );
    }
    for (const field of ['skipNoop', 'unsafeCommitByCount'] as const) {
      const value = settings[field];
      if (value !== undefined && typeof value !== 'boolean') throw new ApiError(400, `${field} must be true or false`);
    }
    this.lesson = { ...this.lesson, ...definedOnly(settings) };
    for (const node of this.nodes.values()) node.setRaftOptions({ lesson: this.lesson });
    this.fault({
      action: 'lesson',
      detail:
        `Figure 8 lesson: leader no-op ${this.lesson.skipNoop ? 'off' : 'on'}, ` +
        (this.lesson.unsafeCommitByCount ? 'UNSAFE commit by counting replicas' : 'commit rule on (§5.4.2)'),
    });
  }

  recording(): Promise<string> {
    return this.watch.recording();
  }

  kill(id: NodeId): Promise<void> {
    return this.serialized(async () => {
      const node = this.requireNode(id);
      this.lastViews.set(id, liveNodeView(node, this.options.timing.tickMs));
      this.nodes.delete(id);
      await node.kill();
      this.dropKvClient(id);
      this.fault({ action: 'kill', node: id });
    });
  }

  restart(id: NodeId): Promise<void> {
    return this.serialized(async () => {
      this.requireKnown(id);
      if (this.nodes.has(id)) throw new ApiError(409, `${id} is already running`);
      await this.startNode(id);
      this.failures.delete(id);
      this.fault({ action: 'restart', node: id });
    });
  }

  async stepDown(id: NodeId): Promise<void> {
    const node = this.requireNode(id);
    if (!node.isLeader()) throw new ApiError(409, `${id} is not a leader`);
    if (!node.transferLeadership()) throw new ApiError(409, `${id} has no follower to hand leadership to`);
    this.fault({ action: 'transfer', node: id });
  }

  async forceTimeout(id: NodeId): Promise<void> {
    this.requireNode(id).forceTimeout();
    this.fault({ action: 'timeout', node: id });
  }

  async takeSnapshot(id: NodeId): Promise<void> {
    try {
      await this.requireNode(id).takeSnapshot();
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError(409, `${id} took no snapshot: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async setLink(request: LinkRequest): Promise<void> {
    this.faults.setLink(request);
    this.fault({
      action: request.cut ? 'cut' : 'heal',
      a: request.a,
      b: request.b,
      detail: request.oneWay ? 'one way' : 'both ways',
    });
  }

  async partition(sides: readonly (readonly NodeId[])[]): Promise<void> {
    this.faults.partition(sides);
    this.fault({ action: 'partition', detail: sides.map((side) => side.join(' ')).join(' | ') });
  }

  async heal(): Promise<void> {
    this.faults.healAll();
    this.fault({ action: 'heal', detail: 'every link' });
  }

  async setNetwork(settings: Partial<NetworkSettings>): Promise<void> {
    this.faults.setNetwork(settings);
    const { latencyMs, dropRate } = this.faults.network();
    this.fault({ action: 'network', detail: `latency ${latencyMs[0]}-${latencyMs[1]} ms, drop ${dropRate}` });
  }

  async setClock(settings: Partial<ClockSettings>): Promise<void> {
    if (settings.timescale !== undefined) this.clock.setTimescale(settings.timescale);
    if (settings.paused !== undefined) {
      if (typeof settings.paused !== 'boolean') throw new ApiError(400, 'paused must be true or false');
      // Messages are held first, timers frozen second; on resume the other way round.
      if (settings.paused) this.faults.setPaused(true);
      this.clock.setPaused(settings.paused);
      if (settings.paused) this.staging.onPaused();
      if (!settings.paused) this.faults.setPaused(false);
    }
    const { timescale, paused } = this.clock.settings();
    const detail =
      settings.paused === true ? 'paused' : settings.paused === false ? 'resumed' : `timescale ${timescale}`;
    this.fault({
      action: 'clock',
      detail: paused && settings.paused === undefined ? `timescale ${timescale} (paused)` : detail,
    });
  }

  async setRaftOptions(options: Partial<RaftOptions>): Promise<void> {
    for (const field of ['preVote', 'checkQuorum'] as const) {
      const value = options[field];
      if (value !== undefined && typeof value !== 'boolean') throw new ApiError(400, `${field} must be true or false`);
    }
    this.raftOptions = { ...this.raftOptions, ...definedOnly(options) };
    for (const node of this.nodes.values()) node.setRaftOptions(this.raftOptions);
    this.fault({
      action: 'options',
      detail: `PreVote ${this.raftOptions.preVote ? 'on' : 'off'}, CheckQuorum ${this.raftOptions.checkQuorum ? 'on' : 'off'}`,
    });
  }

  async kv(request: KvRequest): Promise<KvResult> {
    const { op, key } = request;
    if (op !== 'SET' && op !== 'GET' && op !== 'DEL')
      throw new ApiError(400, `op must be SET, GET or DEL, not ${String(op)}`);
    if (typeof key !== 'string' || key.length === 0) throw new ApiError(400, 'key must be a non-empty string');
    if (op === 'SET' && typeof request.value !== 'string') throw new ApiError(400, 'SET needs a string value');
    const via = request.via ?? this.anyLiveNode();
    if (request.via !== undefined) this.requireNode(request.via);
    const group = this.routing.groupOf(new TextEncoder().encode(key));
    const id = this.nextRequestId++;
    this.publish({
      type: 'request',
      at: this.clock.now(),
      id,
      via,
      op,
      key,
      timeoutMs: this.options.requestTimeoutMs,
    });
    const started = performance.now();
    const args = op === 'SET' ? [op, key, request.value as string] : [op, key];
    let reply: RespReply;
    try {
      reply = await (await this.kvClient(via)).command(...args);
    } catch (error) {
      this.dropKvClient(via);
      reply = {
        type: 'error',
        value: `ERR ${via} did not answer: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    const ms = Math.round((performance.now() - started) * 10) / 10;
    const ok = reply.type !== 'error';
    const servedBy = ok ? this.leaderOf(group) : null;
    this.publish({
      type: 'reply',
      at: this.clock.now(),
      id,
      via,
      servedBy,
      group,
      ok,
      ms,
      ...(reply.type === 'error' ? { error: reply.value } : {}),
    });
    return {
      ok,
      value:
        reply.type === 'bulk' && reply.value !== null
          ? Buffer.from(reply.value).toString('utf8')
          : reply.type === 'integer'
            ? String(reply.value)
            : null,
      error: reply.type === 'error' ? reply.value : null,
      servedBy,
      group,
      ms,
      via,
    };
  }

  reconfigure(text: string): Promise<void> {
    let partitions: Partitions;
    try {
      partitions = parsePartitions(text);
    } catch (error) {
      if (error instanceof ConfigError) throw new ApiError(400, error.message);
      throw error;
    }
    return this.serialized(async () => {
      const unchanged = JSON.stringify(partitions) === JSON.stringify(this.partitions);
      await this.stop();
      this.lastViews.clear();
      this.failures.clear();
      this.joined.clear();
      this.watch.resetMonitor();
      this.partitions = partitions;
      this.nodeIds = allNodes(partitions);
      this.groupsEver = partitions.map((members) => [...members]);
      this.routing = new RoutingTable(bootstrapRing(partitions, this.ringTokensPerGroup));
      this.lastMoves = [];
      this.previousGroups = null;
      const previous = this.faults;
      this.faults = this.makeFaults();
      this.faults.setNetwork(previous.network());
      this.faults.setPaused(previous.paused);
      await this.start();
      this.fault({
        action: 'config',
        detail: `${partitions.length} group(s), ${this.nodeIds.length} nodes`,
        ...(unchanged ? { unchanged } : {}),
      });
    });
  }

  changeMembers(group: number, change: MembersChange): Promise<void> {
    if (!Number.isInteger(group) || group < 0 || group >= this.partitions.length) {
      return Promise.reject(
        new ApiError(404, `unknown group ${String(group)}; the groups are 0 to ${this.partitions.length - 1}`),
      );
    }
    const leader = this.leaderOf(group);
    const leaderNode = leader === null ? undefined : this.nodes.get(leader);
    if (leaderNode === undefined)
      return Promise.reject(new ApiError(409, `group ${group} has no leader right now; try again`));
    if ('remove' in change) {
      const removed = change.remove;
      return leaderNode.removeMember(removed).then(
        // The removal committed: a lagging follower may not learn it from its log, so it is told.
        () => this.nodes.get(removed)?.leaveGroup(),
        (error: unknown) => {
          throw new ApiError(409, error instanceof Error ? error.message : String(error));
        },
      );
    }
    const id = change.add;
    return this.serialized(async () => {
      try {
        addressOfNodeId(id);
      } catch {
        throw new ApiError(400, `'${id}' is not an ip:port node id`);
      }
      if (this.nodeIds.includes(id)) throw new ApiError(409, `address in use: ${id} is already a node of this cluster`);
      this.joined.set(id, group);
      this.nodeIds.push(id);
      try {
        // It starts empty, as a learner-to-be: it knows the members and waits to be sent the log.
        await this.startNode(id);
        await new Promise<void>((resolve, reject) => {
          leaderNode.addMember(id, resolve).catch(reject);
        });
      } catch (error) {
        const started = this.nodes.get(id);
        this.nodes.delete(id);
        this.joined.delete(id);
        this.nodeIds = this.nodeIds.filter((other) => other !== id);
        await started?.kill().catch(() => undefined);
        if (error instanceof ApiError) throw error;
        throw new ApiError(409, error instanceof Error ? error.message : String(error));
      }
    });
  }

  // ---------------------------------------------------------------------------------------------
  // StagingApi (issue 15): see src/main/staging and src/main/scenarios.

  async step(count: number): Promise<StepResult> {
    const result = this.staging.step(count);
    this.fault({ action: 'clock', detail: `stepped ${result.delivered} message(s)` });
    return result;
  }

  async dropMessage(id: number): Promise<void> {
    this.staging.dropMessage(id);
  }

  async alignTimers(): Promise<void> {
    const count = this.staging.alignTimers();
    this.fault({ action: 'timeout', detail: `aligned ${count} election timer(s)` });
  }

  async spreadTimers(): Promise<void> {
    const count = this.staging.spreadTimers();
    this.fault({ action: 'timeout', detail: `spread ${count} election timer(s)` });
  }

  async scenarios(): Promise<ScenarioSummary[]> {
    return this.scenarioEngine.list();
  }

  startScenario(id: string): Promise<void> {
    return this.scenarioEngine.start(id);
  }

  stopScenario(): Promise<void> {
    return this.scenarioEngine.stop();
  }

  async nextScenarioStep(): Promise<void> {
    this.scenarioEngine.next();
  }

  // ---------------------------------------------------------------------------------------------

  /** The members of `group` as its leader (or any live member) knows them now. */
  private membersNow(group: number): NodeId[] {
    const { members, learners } = this.membersOf(group, this.partitions[group] ?? [], this.leaderOf(group));
    return [...members, ...learners];
  }

  // Resharding (issue 13, docs/resharding.md): add and remove groups while clients run.

  /** Starts the nodes of a new group, then moves its keys to it in the background. */
  addGroup(members: readonly NodeId[]): Promise<{ group: number }> {
    return this.serialized(async () => {
      this.requireNoReshard();
      const checked = this.checkNewMembers(members);
      const group = this.groupsEver.length;
      const next = ringWithGroup(this.routing.current, checked, group);
      this.groupsEver.push([...checked]);
      this.nodeIds.push(...checked);
      this.faults.addNodes(checked);
      await this.saveLiveRing(next);
      for (const id of checked) await this.startNode(id);
      this.fault({ action: 'group', detail: `group ${group} added: ${checked.join(', ')}` });
      this.beginReshard(this.routing.current, next, () => undefined);
      return { group };
    });
  }

  /** Moves group `group`'s keys to the others in the background, then stops its nodes. */
  removeGroup(group: number): Promise<void> {
    return this.serialized(async () => {
      this.requireNoReshard();
      const current = this.routing.current;
      if (!Number.isInteger(group) || !current.groups.some((g) => g.id === group)) {
        throw new ApiError(
          404,
          `no group ${String(group)} on the ring (groups: ${current.groups.map((g) => g.id).join(', ')})`,
        );
      }
      if (current.groups.length === 1)
        throw new ApiError(409, 'the last group cannot be removed: its keys would have nowhere to go');
      const next = ringWithoutGroup(current, group);
      await this.saveLiveRing(next);
      this.beginReshard(current, next, () => this.retireGroup(group));
    });
  }

  /** Resolves when the resharding under way (if any) has finished; rejects if it was abandoned. */
  async reshardDone(): Promise<void> {
    await (this.resharding?.done ?? this.lastReshard);
  }

  private beginReshard(old: RingConfig, next: RingConfig, after: () => Promise<void> | undefined): void {
    this.previousGroups = old.groups.map((g) => g.id);
    const mover = new GroupMover(
      {
        clock: this.clock,
        liveNodes: (group) => [...this.nodes.values()].filter((node) => node.group === group && node.alive),
        onMove: (move, phase) => this.publish({ type: 'migrate', at: this.clock.now(), phase, ...move }),
        ...(this.options.log ? { log: this.options.log } : {}),
      },
      this.options.moverOptions,
    );
    const done = (async () => {
      try {
        await mover.run(old, next);
        this.routing.offer(next);
        await after();
        await this.saveLiveRing(null);
        this.options.log?.(`ring v${next.version}: ${next.groups.map((g) => g.id).join(', ')}`);
      } catch (error) {
        if (!(error instanceof MoveCancelledError))
          this.options.log?.(`resharding to ring v${next.version} failed: ${String(error)}`);
        throw error;
      } finally {
        this.lastMoves = mover.progress;
        if (this.resharding?.mover === mover) this.resharding = null;
      }
    })();
    // Awaited by stop() and reshardDone(); never an unhandled rejection.
    done.catch(() => undefined);
    this.resharding = { mover, done };
    this.lastReshard = done;
  }

  /** A removed group's nodes stop once everything is handed over; they leave the picture. */
  // Not serialized: stop() (inside a serialized reconfigure) awaits the move that calls this.
  private async retireGroup(group: number): Promise<void> {
    const members = this.groupsEver[group] ?? [];
    this.nodeIds = this.nodeIds.filter((id) => !members.includes(id));
    for (const id of members) {
      const node = this.nodes.get(id);
      this.nodes.delete(id);
      this.dropKvClient(id);
      await node?.stop();
      this.lastViews.delete(id);
      this.failures.delete(id);
    }
    this.fault({ action: 'group', detail: `group ${group} removed; its nodes stopped` });
  }

  private requireNoReshard(): void {
    if (this.resharding !== null) throw new ApiError(409, 'a resharding is under way; wait until its moves are done');
  }

  private checkNewMembers(members: readonly NodeId[]): NodeId[] {
    if (!Array.isArray(members) || members.length === 0)
      throw new ApiError(400, 'members must be a non-empty list of ip:port');
    let parsed: Partitions;
    try {
      parsed = parsePartitions(JSON.stringify([members]));
    } catch (error) {
      if (error instanceof ConfigError) throw new ApiError(400, error.message);
      throw error;
    }
    const used = new Set(this.groupsEver.flat());
    const taken = parsed[0]!.find((id) => used.has(id));
    if (taken !== undefined) throw new ApiError(409, `${taken} is already a node of this cluster (or was one)`);
    return [...parsed[0]!];
  }

  private liveRingPath(): string {
    return join(this.clusterFolder(), LIVE_RING_FILE);
  }

  /** Takes the live ring from the data folder, if a previous run left one; returns a move to finish. */
  private async loadLiveRing(): Promise<{ readonly ring: RingConfig; readonly pending: RingConfig | null } | null> {
    if (this.options.inMemory) return null;
    const record = await readLiveRing(this.liveRingPath(), this.partitions);
    if (record === null) return null;
    this.groupsEver = record.groupsEver.map((members) => [...members]);
    this.routing = new RoutingTable(record.ring);
    const live = record.pending ?? record.ring;
    // During an unfinished move both rings' nodes run: a removed group hands over before it stops.
    const groups = new Set([...record.ring.groups, ...live.groups].map((g) => g.id));
    this.nodeIds = [...groups].flatMap((id) => this.groupsEver[id] ?? []);
    this.faults.addNodes(this.nodeIds);
    return { ring: record.ring, pending: record.pending };
  }

  private async saveLiveRing(pending: RingConfig | null): Promise<void> {
    if (this.options.inMemory) return;
    await writeLiveRing(this.liveRingPath(), {
      bootstrap: this.partitions,
      groupsEver: this.groupsEver,
      ring: this.routing.current,
      pending,
    });
  }

  // ---------------------------------------------------------------------------------------------

  /** The folder of this configuration's nodes (and of its secret). */
  private clusterFolder(): string {
    return join(
      this.options.dataDir,
      ringScopedClusterId(clusterIdOf(this.partitions).slice(0, 12), this.ringTokensPerGroup),
    );
  }

  private async clusterSecret(): Promise<Uint8Array> {
    if (this.options.secret !== undefined) return this.options.secret;
    // In memory: a new secret per process is enough, since every node of the cluster runs here.
    if (this.options.inMemory) return this.secret ?? randomSecret();
    const loaded = await loadOrCreateSecretFile(join(this.clusterFolder(), SECRET_FILE_NAME));
    for (const note of loaded.notes) this.options.log?.(note);
    return loaded.secret;
  }

  private async startNode(id: NodeId): Promise<void> {
    const { options } = this;
    this.secret ??= await this.clusterSecret();
    const secret = this.secret;
    const opened = openStorage({
      dir: join(this.clusterFolder(), id.replace(/[^A-Za-z0-9.-]/g, '_')),
      inMemory: options.inMemory,
      memoryVolume: this.memory,
    });
    const storage = options.wrapStorage ? options.wrapStorage(id, opened) : opened;
    const group = this.groupOf(id);
    const node = new NodeHost({
      id,
      partitions: this.groupsEver,
      clusterId: ringScopedClusterId(clusterIdOf(this.partitions), this.ringTokensPerGroup),
      ringTokensPerGroup: this.ringTokensPerGroup,
      // A group added live starts owning nothing; replaying its log brings it to the live ring.
      initialRing:
        group < this.partitions.length ? bootstrapRing(this.partitions, this.ringTokensPerGroup) : EMPTY_RING,
      routing: this.routing,
      reshard: this.reshardCommand,
      storage,
      clock: this.clock,
      timing: options.timing,
      preVote: this.raftOptions.preVote,
      checkQuorum: this.raftOptions.checkQuorum,
      maxValueBytes: options.maxValueBytes,
      requestTimeoutMs: options.requestTimeoutMs,
      clientLimits: options.clientLimits,
      // Beside the storage as opened, even when a test wraps it.
      snapshotStore: openSnapshotStore(opened, id),
      ...(options.snapshotEntries === undefined ? {} : { snapshotEntries: options.snapshotEntries }),
      seed: this.random.nextInt(2 ** 31),
      secret,
      faults: this.faults,
      ...(this.joined.has(id)
        ? { joined: { group: this.joined.get(id)!, members: this.membersNow(this.joined.get(id)!) } }
        : {}),
      // Removed from its group: it stops and leaves the picture (its folder stays, as a killed node's).
      onRemoved: () => {
        if (this.nodes.get(id) !== node) return;
        this.nodes.delete(id);
        this.nodeIds = this.nodeIds.filter((other) => other !== id);
        this.joined.delete(id);
        this.dropKvClient(id);
        node
          .stop()
          .catch((error: unknown) => this.options.log?.(`${id}: stopping after its removal: ${String(error)}`));
      },
      nextMessageId: () => this.nextMessageId++,
      onEvent: (event) => {
        if (event.type === 'transport' && event.event.type === 'deliver') {
          this.staging.noteDelivered(event.event.message.from, id, this.clock.now());
        }
        const clusterEvent = clusterEventOf(id, event, this.clock.now());
        this.watch.observe(clusterEvent);
        if (this.hub.active) this.hub.publish(clusterEvent);
      },
      ...(options.log ? { log: options.log } : {}),
      // A storage failure or a broken invariant stops the node (fail-stop); the others go on, and
      // the picture shows it dead, with the reason.
      onFailure: (error) => {
        if (this.nodes.get(id) !== node) return;
        const reason = describeFailure(error);
        this.nodes.delete(id);
        this.failures.set(id, reason);
        this.dropKvClient(id);
        this.fault({ action: 'kill', node: id, detail: reason });
        this.lastViews.set(id, liveNodeView(node, options.timing.tickMs));
      },
    });
    try {
      await node.start();
    } catch (error) {
      // A refused recovery or a port in use: release what the start opened (the storage and its
      // folder lock, sockets), so that a fixed folder can be started again in this process.
      await node.kill().catch(() => undefined);
      throw error;
    }
    this.nodes.set(id, node);
    this.watch.nodeStarted(id, node.status().lastIndex);
    if (this.lesson.skipNoop || this.lesson.unsafeCommitByCount) node.setRaftOptions({ lesson: this.lesson });
  }

  private makeFaults(): LinkFaultTable {
    const faults = new LinkFaultTable({ nodes: this.nodeIds, random: this.random.fork(7) });
    if (this.options.network) faults.setNetwork(this.options.network);
    return faults;
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lifecycle.then(work, work);
    this.lifecycle = run.catch(() => undefined);
    return run;
  }

  private requireKnown(id: NodeId): void {
    if (typeof id !== 'string' || !this.nodeIds.includes(id)) throw new ApiError(404, `unknown node ${String(id)}`);
  }

  private requireNode(id: NodeId): NodeHost {
    this.requireKnown(id);
    const node = this.nodes.get(id);
    if (!node) throw new ApiError(409, `${id} is not running`);
    return node;
  }

  private groupOf(id: NodeId): number {
    return this.joined.get(id) ?? this.groupsEver.findIndex((members) => members.includes(id));
  }

  /** A group's committed membership as its leader (else any live member) knows it; the bootstrap list before. */
  private membersOf(
    group: number,
    bootstrap: readonly NodeId[],
    leader: NodeId | null,
  ): { members: readonly NodeId[]; learners: readonly NodeId[] } {
    const node =
      (leader ? this.nodes.get(leader) : undefined) ?? [...this.nodes.values()].find((n) => n.group === group);
    if (node === undefined) return { members: bootstrap, learners: [] };
    const { voters, learners } = node.status().membership;
    return { members: voters.length > 0 ? voters : bootstrap, learners };
  }

  private leaderOf(group: number): NodeId | null {
    let best: NodeHost | null = null;
    for (const node of this.nodes.values()) {
      if (node.group === group && node.isLeader() && (!best || node.status().term > best.status().term)) best = node;
    }
    return best?.nodeId ?? null;
  }

  private anyLiveNode(): NodeId {
    const live = [...this.nodes.keys()];
    if (live.length === 0) throw new ApiError(409, 'no node is running');
    return live[this.random.nextInt(live.length)]!;
  }

  private kvClient(id: NodeId): Promise<RespClient> {
    const existing = this.kvClients.get(id);
    if (existing) return existing.then((client) => (client.closed ? this.connectKv(id) : client));
    return this.connectKv(id);
  }

  private connectKv(id: NodeId): Promise<RespClient> {
    const { host, port } = addressOfNodeId(id);
    const pending = RespClient.connect(host, port, { commandTimeoutMs: 0 });
    pending.catch(() => this.kvClients.delete(id));
    this.kvClients.set(id, pending);
    return pending;
  }

  private dropKvClient(id: NodeId): void {
    const pending = this.kvClients.get(id);
    this.kvClients.delete(id);
    pending?.then((client) => client.close()).catch(() => undefined);
  }

  private closeKvClients(): void {
    for (const id of [...this.kvClients.keys()]) this.dropKvClient(id);
  }

  private fault(detail: Omit<Extract<ClusterEvent, { type: 'fault' }>, 'type' | 'at'>): void {
    this.options.log?.(
      `fault: ${detail.action}${detail.node ? ` ${detail.node}` : ''}${detail.a ? ` ${detail.a} ${detail.b}` : ''}${detail.detail ? ` (${detail.detail})` : ''}`,
    );
    this.publish({ type: 'fault', at: this.clock.now(), ...detail });
  }

  private publish(event: ClusterEvent): void {
    this.watch.observe(event);
    if (this.hub.active) this.hub.publish(event);
  }
}

function definedOnly<T extends object>(value: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
