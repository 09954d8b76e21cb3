// The dashboard's one store: the latest cluster snapshot (polled), the flights and timer resets
// derived from the event stream, the feed, and every action a control can take. Components read
// its fields and call its methods; nothing else talks to the bridge.
//
// Idle cost: polling runs only while the page is visible (slower while the cluster is paused), and
// the animation loop runs only while something moves (a flight, a running election timer, a
// highlighted request path); it stops at once when the page is hidden.
import type {
  ClusterBridge,
  ClusterEvent,
  ClusterState,
  KvOp,
  KvResult,
  LessonSettings,
  MembersChange,
  NodeId,
  NodeView,
  RaftOptions,
} from '../../../../shared/api';
import type { RecordedFrame } from '../../../../shared/recording';
import { ringSignature } from '../geometry/ring-paths';
import type { TimerReading } from '../geometry/timer-arc';
import { timerRemaining } from '../geometry/timer-arc';
import { DisplayClock, HostTimeMap } from '../model/display-clock';
import { type Flight, FlightTracker, type MessageEvent } from '../model/flight-tracker';
import { focusOfLine, type LineFocus } from '../model/line-focus';
import { type NarrationContext, Narrator } from '../model/narration';
import { type NameOf, shortNamer } from '../model/node-names';
import { type RequestTrace, RequestTracer } from '../model/request-trace';
import { positionOfKey, tokensPerGroupOf } from '../model/ring-keys';
import { pickBridge, type TransportKind } from '../transport/pick-bridge';
import { appendLines, type FeedLine } from './feed';
import { FRAME_SLACK_MS, FrameLoop } from './frame-loop';
import { Poller } from './poller';
import { rememberKey } from './written-keys';

/** Without the event stream, snapshots are all there is: poll often. */
const POLL_RUNNING_MS = 220;
/**
 * With the event stream, the events say when the picture changed (a role, a term, an append...):
 * a poll follows each such change within CHANGE_POLL_MS, and otherwise (heartbeats only) one every
 * IDLE_POLL_MS keeps the timers and the rest honest. Half of the renderer's idle cost was polling;
 * heartbeats reset the timers from the events, so an idle poll only corrects drift.
 */
const IDLE_POLL_MS = 5000;
const CHANGE_POLL_MS = 120;
/** At most this many events wait for a hidden tab (about ten minutes of an idle cluster at real time). */
const BACKLOG_LIMIT = 20_000;
const POLL_PAUSED_MS = 1000;
const POLL_FAILED_MS = 1500;
/** 25 frames a second is smooth enough for flights and less than half the work of a 60 Hz loop. */
const FRAME_MIN_MS = 40;
/**
 * While only heartbeats and their replies fly (an idle cluster), 8 frames a second: they are small
 * dots whose path the eye already knows, and each frame costs a paint of the flight overlay.
 */
const ROUTINE_FRAME_MIN_MS = 125;
/** Timer arcs move slowly: four updates a second, in steps of 1/48 of a turn, keep repaints rare. */
const TIMER_FRAME_MIN_MS = 250;
const TIMER_STEPS = 48;

export interface KvOutcome {
  readonly op: KvOp;
  readonly key: string;
  readonly result: KvResult | null;
  /** Set when the request itself failed (the server refused it or could not be reached). */
  readonly failure: string | null;
}

/** The client panel's request while it waits: when it left (wall ms), to count its timeout down. */
export interface PendingKv {
  readonly op: KvOp;
  readonly key: string;
  readonly sinceWallMs: number;
}

/** Events after which the snapshot looks different; message traffic alone changes nothing in it. */
const CHANGES_THE_PICTURE: ReadonlySet<ClusterEvent['type']> = new Set([
  'role',
  'term',
  'vote',
  'append',
  'commit',
  'fault',
  'reply',
]);

function isMessageEvent(event: ClusterEvent): event is MessageEvent {
  return event.type === 'send' || event.type === 'deliver' || event.type === 'drop';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describeCluster(state: ClusterState): string {
  const groups = state.groups.length;
  const leaders = state.groups.map((group) => `group ${group.id}: ${group.leader ?? 'no leader yet'}`).join('; ');
  return `Watching ${groups} group${groups === 1 ? '' : 's'} of ${state.nodes.length} nodes (${leaders})`;
}

function timeOfDay(): string {
  return new Date().toLocaleTimeString([], { hour12: false });
}

export class ClusterStore {
  state = $state.raw<ClusterState | null>(null);
  connected = $state(false);
  transport = $state<TransportKind>('http');
  /** Why the last poll failed, shown in the header until a poll succeeds. */
  pollError = $state<string | null>(null);
  feed = $state.raw<FeedLine[]>([]);
  flights = $state.raw<Flight[]>([]);
  /** Keys seen in client traffic, most recent last. */
  keys = $state.raw<string[]>([]);
  /** The key being typed in the client panel, previewed on the ring. */
  previewKey = $state('');
  lastKv = $state.raw<KvOutcome | null>(null);
  /** The latest request's path through the cluster, hop by hop as its events arrive. */
  requestTrace = $state.raw<RequestTrace | null>(null);
  /** The panel's request in flight; its old reply is cleared meanwhile. */
  pendingKv = $state.raw<PendingKv | null>(null);
  /** Wall time, ticked once a second only while a request waits (for its countdown). */
  wallNow = $state(0);
  timers = $state.raw<ReadonlyMap<NodeId, TimerReading>>(new Map());
  /** Display time, advanced by the animation loop. */
  now = $state(0);
  /** Display time for the election-timer arcs, advanced less often than `now`. */
  timerNow = $state(0);
  selected = $state<NodeId | null>(null);
  /** The feed line whose "why" is shown, and what it is about (nodes, log cells, their messages). */
  focus = $state.raw<(LineFocus & { readonly lineId: number }) | null>(null);
  /** Presenter mode: the diagram lays itself out for larger type. Set by the view. */
  presenter = $state(false);
  hidden = $state(false);
  busy = $state(0);
  /** Host time (ms) of the recorded moment shown instead of the live cluster, or null when live. */
  recordedAt = $state<number | null>(null);
  /** The file `raftlab replay` serves, once known: the recorded states shown later do not say it. */
  replayFile = $state<string | null>(null);

  readonly names: NameOf = $derived(shortNamer(this.state?.nodes.map((node) => node.id) ?? []));
  // From the nodes, not the bootstrap partitions: groups may be added or removed live.
  readonly nodeIds: readonly NodeId[] = $derived(this.state?.nodes.map((node) => node.id) ?? []);

  private bridge: ClusterBridge | null = null;
  private readonly clock = new DisplayClock();
  private readonly timeMap = new HostTimeMap();
  private readonly tracker = new FlightTracker();
  private readonly poller = new Poller(
    () => this.fetchState(),
    (succeeded) =>
      !succeeded ? POLL_FAILED_MS : this.paused ? POLL_PAUSED_MS : this.connected ? IDLE_POLL_MS : POLL_RUNNING_MS,
  );
  private readonly frames = new FrameLoop(
    () =>
      this.tracker.size === 0
        ? TIMER_FRAME_MIN_MS // only the timer arcs move
        : this.flights.some((flight) => flight.kind !== 'Heartbeat' && flight.kind !== 'HeartbeatResp')
          ? FRAME_MIN_MS
          : ROUTINE_FRAME_MIN_MS,
    () => this.needsMotion(),
    (wallMs) => this.onFrame(wallMs),
  );
  private lastTimerFrameWallMs = Number.NEGATIVE_INFINITY;
  private unsubscribe: (() => void) | null = null;
  private nextLineId = 1;
  /** What narration needs to know besides the events: names, groups, the CheckQuorum window. */
  private readonly narrationContext: NarrationContext = {
    name: (id) => this.names(id),
    // The group's committed voters (joined nodes included, removed ones gone), else the bootstrap list.
    groupOf: (id) => {
      const group = this.state?.groups.find((g) => g.members.includes(id) || g.learners.includes(id));
      if (group) return { id: group.id, members: group.members };
      const partitions = this.state?.partitions;
      const index = partitions?.findIndex((members) => members.includes(id)) ?? -1;
      return partitions && index >= 0 ? { id: index, members: partitions[index]! } : undefined;
    },
    // CheckQuorum counts who was heard within an election timeout; the shortest drawn one stands in
    // for the configured minimum. A message lost since also rules a peer out (see the Narrator).
    quorumWindowMs: () => {
      const drawn = (this.state?.nodes ?? []).map((node) => node.electionTimeoutMs).filter((ms) => ms > 0);
      return drawn.length > 0 ? Math.min(...drawn) : 1000;
    },
  };
  /** Tells the events as sentences; it reads the events only, never the polled snapshot. */
  private readonly narrator = new Narrator(this.narrationContext);
  private stopped = true;
  /** The live feed, kept while a recorded moment is shown. */
  private liveFeed: FeedLine[] | null = null;
  /** Events that arrived while the tab was hidden (bounded; the oldest go first). */
  private backlog: ClusterEvent[] = [];
  /** Each group's leader as the role events last told it; the request path draws forwards to it. */
  private readonly eventLeaders = new Map<number, NodeId>();
  private readonly tracer = new RequestTracer({
    name: (id) => this.names(id),
    groupOfKey: (key) => {
      const groups = Math.max(1, this.state?.partitions.length ?? 1);
      return positionOfKey(key, groups, tokensPerGroupOf(this.state?.ring, groups)).group;
    },
    groupOfNode: (id) => this.groupIndexOf(id),
    leaderOf: (group) => this.eventLeaders.get(group) ?? this.state?.groups[group]?.leader ?? null,
  });
  private countdown: ReturnType<typeof setInterval> | null = null;

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const picked = pickBridge((connected) => {
      this.connected = connected;
    });
    this.bridge = picked.bridge;
    this.transport = picked.kind;
    this.hidden = document.hidden;
    document.addEventListener('visibilitychange', this.onVisibility);
    this.unsubscribe = this.bridge.onEvents((events) => this.onEvents(events));
    if (!this.hidden) this.poller.start();
  }

  stop(): void {
    this.stopped = true;
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.poller.stop();
    this.frames.stop();
    this.stopCountdown();
  }

  // ---------------------------------------------------------------------------------------------
  // Reading.

  node(id: NodeId): NodeView | undefined {
    return this.state?.nodes.find((node) => node.id === id);
  }

  private groupIndexOf(id: NodeId): number {
    return this.state?.partitions.findIndex((members) => members.includes(id)) ?? -1;
  }

  leaderOf(group: number): NodeView | undefined {
    const leaderId = this.state?.groups[group]?.leader;
    return leaderId ? this.node(leaderId) : undefined;
  }

  /** The share of a node's election timeout still to run, at the current display time. */
  timerFraction(id: NodeId): number {
    const reading = this.timers.get(id);
    const node = this.node(id);
    if (!reading || !node?.alive || node.role === 'leader') return 0;
    const timescale = this.state?.clock.timescale ?? 1;
    return Math.ceil(timerRemaining(reading, this.timerNow, 1 / timescale) * TIMER_STEPS) / TIMER_STEPS;
  }

  get paused(): boolean {
    return this.state?.clock.paused ?? false;
  }

  // ---------------------------------------------------------------------------------------------
  // Polling.

  private readonly onVisibility = (): void => {
    this.hidden = document.hidden;
    if (this.hidden) {
      this.poller.stop();
      this.frames.stop();
      this.tracker.clear();
      this.flights = [];
    } else if (!this.stopped && this.recordedAt === null) {
      // What happened while away is told now, in one go; its messages have long landed, so none fly.
      const backlog = this.backlog;
      this.backlog = [];
      if (backlog.length > 0) this.tellEvents(backlog, true);
      this.poller.start();
    }
  };

  /** Asks for a snapshot now (after an action, say), instead of waiting for the next poll. */
  refresh(): Promise<void> {
    return this.poller.pollNow();
  }

  /**
   * Shows a recorded moment (the timeline): its state and its narration replace the live picture,
   * which stops updating until `showLive()`. Controls then refuse to act on what is not live.
   */
  showRecorded(frame: RecordedFrame): void {
    this.liveFeed ??= this.feed;
    this.recordedAt = frame.at;
    this.poller.stop();
    this.tracker.clear();
    this.flights = [];
    this.applyState(frame.state);
    // The moment's events since its keyframe, told by a narrator of their own (the live one goes on).
    const narrator = new Narrator(this.narrationContext);
    const lines: FeedLine[] = [];
    for (const event of frame.events) {
      for (const text of narrator.narrate(event)) {
        lines.push({ id: this.nextLineId++, text, time: `${(event.at / 1000).toFixed(1)} s`, tone: 'event' });
      }
    }
    this.feed = appendLines([], lines);
  }

  showLive(): void {
    if (this.recordedAt === null) return;
    this.recordedAt = null;
    if (this.liveFeed) this.feed = this.liveFeed;
    this.liveFeed = null;
    if (!this.hidden && !this.stopped) this.poller.start();
  }

  private async fetchState(): Promise<boolean> {
    const bridge = this.bridge;
    if (!bridge || this.stopped || this.recordedAt !== null) return false;
    try {
      this.applyState(await bridge.state());
      this.pollError = null;
      if (this.transport === 'ipc') this.connected = true;
      return true;
    } catch (error) {
      this.pollError = errorText(error);
      if (this.transport === 'ipc') this.connected = false;
      return false;
    }
  }

  private applyState(next: ClusterState): void {
    const previous = this.state;
    // The ring is rebuilt only when it really changed, so its paths are not recomputed every poll.
    const state =
      previous && ringSignature(previous.ring) === ringSignature(next.ring) ? { ...next, ring: previous.ring } : next;
    if (state.replay) this.replayFile = state.replay.file;
    const wallMs = performance.now();
    this.clock.setPaused(state.clock.paused, wallMs);
    const displayNow = this.clock.now(wallMs);
    const timers = new Map<NodeId, TimerReading>();
    for (const node of state.nodes) {
      timers.set(node.id, {
        elapsedMs: node.electionElapsedMs,
        timeoutMs: node.electionTimeoutMs,
        atDisplayMs: displayNow,
      });
    }
    const latencyMs = (state.network.latencyMs[0] + state.network.latencyMs[1]) / 2;
    this.tracker.setExpectedFlightMs(latencyMs * state.clock.timescale);
    this.state = state;
    this.timers = timers;
    if (this.selected && !state.nodes.some((node) => node.id === this.selected)) this.selected = null;
    this.now = displayNow;
    this.timerNow = displayNow;
    if (!previous) this.say(describeCluster(state), 'action');
    this.frames.ensure();
  }

  // ---------------------------------------------------------------------------------------------
  // Events.

  private onEvents(events: readonly ClusterEvent[]): void {
    if (events.length === 0 || this.stopped || this.recordedAt !== null) return;
    // A hidden tab does no work for what it cannot show: the events wait, in order, until it shows.
    if (this.hidden) {
      this.backlog.push(...events);
      if (this.backlog.length > BACKLOG_LIMIT) this.backlog.splice(0, this.backlog.length - BACKLOG_LIMIT);
      return;
    }
    this.tellEvents(events, false);
  }

  /** Narrates, traces and draws a batch of events; `replay` is a backlog, whose flights are over. */
  private tellEvents(events: readonly ClusterEvent[], replay: boolean): void {
    const displayNow = this.clock.now(performance.now());
    const timescale = this.state?.clock.timescale ?? 1;
    let newestAt = Number.NEGATIVE_INFINITY;
    for (const event of events) newestAt = Math.max(newestAt, event.at);
    this.timeMap.observe(newestAt, displayNow, timescale);

    const lines: FeedLine[] = [];
    let timers: Map<NodeId, TimerReading> | null = null;
    const resetTimer = (node: NodeId, atDisplayMs: number): void => {
      const current = (timers ?? this.timers).get(node);
      if (!current || current.atDisplayMs > atDisplayMs) return;
      timers ??= new Map(this.timers);
      timers.set(node, { ...current, elapsedMs: 0, atDisplayMs });
    };
    let keys = this.keys;
    let traced = false;
    let changed = false;

    for (const event of events) {
      const atDisplay = this.timeMap.toDisplay(event.at);
      for (const text of this.narrator.narrate(event)) lines.push(this.line(text, 'event'));
      if (event.type === 'role') this.noteLeader(event.node, event.role, event.initial ? event.leader : undefined);
      if (this.tracer.apply(event)) traced = true;
      if (isMessageEvent(event)) {
        if (!this.hidden && !replay) this.tracker.apply(event, atDisplay);
        // A follower restarts its election timer on hearing from its leader (Raft §5.2).
        if (event.type === 'deliver' && (event.kind === 'App' || event.kind === 'Heartbeat')) {
          resetTimer(event.to, atDisplay);
        }
        continue;
      }
      if (event.type === 'role' || event.type === 'term') resetTimer(event.node, atDisplay);
      if (CHANGES_THE_PICTURE.has(event.type)) changed = true;
      if (event.type === 'request') keys = rememberKey(keys, event.key);
      if (event.type === 'fault' && event.action === 'config') {
        this.tracker.clear();
        this.tracer.clear();
        this.eventLeaders.clear();
        traced = true;
      }
    }
    if (traced) this.requestTrace = this.tracer.current;
    if (changed) this.poller.pollSoon(CHANGE_POLL_MS);
    if (timers) this.timers = timers;
    if (keys !== this.keys) this.keys = keys;
    if (lines.length > 0) this.feed = appendLines(this.feed, lines);
    if (!this.hidden) {
      // While the animation loop runs, its next frame (at most a routine interval away, and sooner
      // for anything but heartbeats) draws the new flights: drawing them here too would render the
      // diagram once per batch on top of once per frame. A flight's position is a function of
      // time, so it only appears a little way along its path.
      if (!this.frames.running) {
        this.now = displayNow;
        this.flights = this.tracker.visible(displayNow);
      }
      this.frames.ensure();
    }
  }

  /** `known`: the leader an opening event says the node knows of. */
  private noteLeader(node: NodeId, role: string, known?: NodeId | null): void {
    const group = this.groupIndexOf(node);
    if (group < 0) return;
    if (role === 'leader') this.eventLeaders.set(group, node);
    else if (known) this.eventLeaders.set(group, known);
    else if (this.eventLeaders.get(group) === node) this.eventLeaders.delete(group);
  }

  private line(text: string, tone: FeedLine['tone']): FeedLine {
    return { id: this.nextLineId++, text, time: timeOfDay(), tone };
  }

  private say(text: string, tone: FeedLine['tone']): void {
    this.feed = appendLines(this.feed, [this.line(text, tone)]);
  }

  // ---------------------------------------------------------------------------------------------
  // Animation: a requestAnimationFrame loop that exists only while something moves.

  private needsMotion(): boolean {
    if (this.hidden || !this.state) return false;
    // While paused the display clock stands still: flights and timers are frozen, nothing moves.
    if (this.clock.paused) return false;
    if (this.tracker.size > 0) return true;
    return this.state.nodes.some((node) => this.timerFraction(node.id) > 0);
  }

  private onFrame(wallMs: number): void {
    this.now = this.clock.now(performance.now());
    if (wallMs - this.lastTimerFrameWallMs >= TIMER_FRAME_MIN_MS - FRAME_SLACK_MS) {
      this.lastTimerFrameWallMs = wallMs;
      this.timerNow = this.now;
    }
    const before = this.flights;
    const visible = this.tracker.visible(this.now);
    if (visible.length !== before.length || visible.some((flight, i) => flight !== before[i])) {
      this.flights = visible;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Actions. Each says what it did in the feed, or why it failed, and refreshes the snapshot.

  private async act(description: string, action: (bridge: ClusterBridge) => Promise<void>): Promise<boolean> {
    const bridge = this.bridge;
    if (!bridge) return false;
    if (this.recordedAt !== null || this.replayFile !== null) {
      this.say(
        `Could not ${description}: this is a recorded moment, not the live cluster` +
          (this.replayFile !== null ? ' (raftlab replay is read-only)' : '; press Live on the timeline first'),
        'error',
      );
      return false;
    }
    this.busy++;
    try {
      await action(bridge);
      return true;
    } catch (error) {
      this.say(`Could not ${description}: ${errorText(error)}`, 'error');
      return false;
    } finally {
      this.busy--;
      void this.refresh();
    }
  }

  /** For the staging and scenario components: an action reported like every other. */
  stage(description: string, action: (bridge: ClusterBridge) => Promise<void>): Promise<boolean> {
    return this.act(description, action);
  }

  kill(node: NodeId): Promise<boolean> {
    return this.act(`kill ${node}`, (bridge) => bridge.kill(node));
  }

  restart(node: NodeId): Promise<boolean> {
    return this.act(`restart ${node}`, (bridge) => bridge.restart(node));
  }

  stepDown(node: NodeId): Promise<boolean> {
    // Only a leader can hand over leadership; anything else would do nothing, so say why instead.
    const view = this.node(node);
    if (view && (view.role !== 'leader' || !view.alive)) {
      const leader = this.state?.groups[view.group]?.leader;
      const what = view.alive ? `is a ${view.role === 'precandidate' ? 'pre-candidate' : view.role}` : 'is dead';
      const hint = leader ? `; the leader of group ${view.group} is ${this.names(leader)}` : '';
      this.say(`${this.names(node)} ${what}: only a leader can step down${hint}`, 'error');
      return Promise.resolve(false);
    }
    return this.act(`step down ${node}`, (bridge) => bridge.stepDown(node));
  }

  /** Adds a node (it starts empty in the host) to, or removes one from, a group. */
  changeMembers(group: number, change: MembersChange): Promise<boolean> {
    const what =
      'add' in change ? `add ${change.add} to group ${group}` : `remove ${change.remove} from group ${group}`;
    return this.act(what, (bridge) => bridge.changeMembers(group, change));
  }

  forceTimeout(node: NodeId): Promise<boolean> {
    return this.act(`force a timeout on ${node}`, (bridge) => bridge.forceTimeout(node));
  }

  setLink(a: NodeId, b: NodeId, cut: boolean, oneWay = false): Promise<boolean> {
    const verb = cut ? 'cut' : 'heal';
    const arrow = oneWay ? '→' : '–';
    return this.act(`${verb} link ${a} ${arrow} ${b}`, (bridge) => bridge.setLink({ a, b, cut, oneWay }));
  }

  partition(sides: readonly (readonly NodeId[])[]): Promise<boolean> {
    return this.act('partition the network', (bridge) => bridge.partition(sides));
  }

  heal(): Promise<boolean> {
    return this.act('heal the network', (bridge) => bridge.heal());
  }

  setPaused(paused: boolean): Promise<boolean> {
    // Freeze (or release) the picture at once; the next snapshot confirms it.
    this.clock.setPaused(paused, performance.now());
    return this.act(paused ? 'pause' : 'resume', (bridge) => bridge.setClock({ paused }));
  }

  togglePaused(): Promise<boolean> {
    return this.setPaused(!this.paused);
  }

  setTimescale(timescale: number): Promise<boolean> {
    return this.act('change the speed', (bridge) => bridge.setClock({ timescale }));
  }

  setLatency(minMs: number, maxMs: number): Promise<boolean> {
    const latencyMs: [number, number] = [Math.min(minMs, maxMs), Math.max(minMs, maxMs)];
    return this.act('change the latency', (bridge) => bridge.setNetwork({ latencyMs }));
  }

  setDropRate(dropRate: number): Promise<boolean> {
    return this.act('change the drop rate', (bridge) => bridge.setNetwork({ dropRate }));
  }

  setLesson(settings: Partial<LessonSettings>): Promise<boolean> {
    return this.act('change the Figure 8 lesson', (bridge) => bridge.setLesson(settings));
  }

  /** The session's recording (JSON lines), for the timeline and its export. */
  async fetchRecording(): Promise<string> {
    if (!this.bridge) throw new Error('not connected');
    return this.bridge.recording();
  }

  setRaftOptions(options: Partial<RaftOptions>): Promise<boolean> {
    return this.act('change the Raft options', (bridge) => bridge.setRaftOptions(options));
  }

  /** Restarts the cluster on a new configuration; resolves to the server's error, or null on success. */
  async reconfigure(partitions: string): Promise<string | null> {
    const bridge = this.bridge;
    if (!bridge) return 'not connected';
    this.busy++;
    try {
      await bridge.reconfigure(partitions);
      this.tracker.clear();
      this.flights = [];
      this.tracer.clear();
      this.requestTrace = null;
      this.selected = null;
      return null;
    } catch (error) {
      return errorText(error);
    } finally {
      this.busy--;
      void this.refresh();
    }
  }

  async kv(op: KvOp, key: string, value: string, via: NodeId | null): Promise<KvOutcome> {
    const bridge = this.bridge;
    this.keys = rememberKey(this.keys, key);
    if (!bridge) return { op, key, result: null, failure: 'not connected' };
    this.busy++;
    // The old reply goes at once: what shows while waiting is this request, counting down.
    this.lastKv = null;
    this.pendingKv = { op, key, sinceWallMs: performance.now() };
    this.startCountdown();
    let outcome: KvOutcome;
    try {
      const result = await bridge.kv({ op, key, ...(op === 'SET' ? { value } : {}), ...(via ? { via } : {}) });
      outcome = { op, key, result, failure: null };
    } catch (error) {
      outcome = { op, key, result: null, failure: errorText(error) };
    } finally {
      this.busy--;
      this.pendingKv = null;
      this.stopCountdown();
    }
    this.lastKv = outcome;
    return outcome;
  }

  private startCountdown(): void {
    this.wallNow = performance.now();
    this.countdown ??= setInterval(() => {
      this.wallNow = performance.now();
    }, 1000);
  }

  private stopCountdown(): void {
    if (this.countdown !== null) clearInterval(this.countdown);
    this.countdown = null;
  }

  /** Shows (or, for the line already shown, hides) what a feed line is about. */
  toggleFocus(line: FeedLine): void {
    if (this.focus?.lineId === line.id) {
      this.focus = null;
      return;
    }
    this.focus = { lineId: line.id, ...focusOfLine(line.text, this.nodeIds, this.names) };
  }

  // ---------------------------------------------------------------------------------------------
  // Selection, for the keyboard.

  selectRelative(step: 1 | -1): void {
    const ids = this.nodeIds;
    if (ids.length === 0) return;
    const index = this.selected ? ids.indexOf(this.selected) : -1;
    const next = index < 0 ? (step > 0 ? 0 : ids.length - 1) : (index + step + ids.length) % ids.length;
    this.selected = ids[next] ?? null;
  }
}
