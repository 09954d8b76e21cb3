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
  NodeId,
  NodeView,
  RaftOptions,
} from '../../../../shared/api';
import { ringSignature } from '../geometry/ring-paths';
import type { TimerReading } from '../geometry/timer-arc';
import { timerRemaining } from '../geometry/timer-arc';
import { DisplayClock, HostTimeMap } from '../model/display-clock';
import { type Flight, FlightTracker, type MessageEvent } from '../model/flight-tracker';
import { narrate } from '../model/narration';
import { type NameOf, shortNamer } from '../model/node-names';
import { pickBridge, type TransportKind } from '../transport/pick-bridge';
import { appendLines, type FeedLine } from './feed';
import { FrameLoop } from './frame-loop';
import { Poller } from './poller';
import { rememberKey } from './written-keys';

const POLL_RUNNING_MS = 220;
const POLL_PAUSED_MS = 1000;
const POLL_FAILED_MS = 1500;
/** 25 frames a second is smooth enough for flights and less than half the work of a 60 Hz loop. */
const FRAME_MIN_MS = 40;
/** Timer arcs move slowly: ten updates a second, in steps of 1/48 of a turn, keep repaints rare. */
const TIMER_FRAME_MIN_MS = 100;
const TIMER_STEPS = 48;
const HIGHLIGHT_MS = 4000;

export interface KvOutcome {
  readonly op: KvOp;
  readonly key: string;
  readonly result: KvResult | null;
  /** Set when the request itself failed (the server refused it or could not be reached). */
  readonly failure: string | null;
}

export interface RequestPath {
  readonly via: NodeId;
  readonly servedBy: NodeId | null;
  readonly untilDisplayMs: number;
}

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
  requestPath = $state.raw<RequestPath | null>(null);
  timers = $state.raw<ReadonlyMap<NodeId, TimerReading>>(new Map());
  /** Display time, advanced by the animation loop. */
  now = $state(0);
  /** Display time for the election-timer arcs, advanced less often than `now`. */
  timerNow = $state(0);
  selected = $state<NodeId | null>(null);
  hidden = $state(false);
  busy = $state(0);

  readonly names: NameOf = $derived(shortNamer(this.state?.nodes.map((node) => node.id) ?? []));
  // From the nodes, not the bootstrap partitions: groups may be added or removed live.
  readonly nodeIds: readonly NodeId[] = $derived(this.state?.nodes.map((node) => node.id) ?? []);

  private bridge: ClusterBridge | null = null;
  private readonly clock = new DisplayClock();
  private readonly timeMap = new HostTimeMap();
  private readonly tracker = new FlightTracker();
  private readonly poller = new Poller(
    () => this.fetchState(),
    (succeeded) => (!succeeded ? POLL_FAILED_MS : this.paused ? POLL_PAUSED_MS : POLL_RUNNING_MS),
  );
  private readonly frames = new FrameLoop(
    FRAME_MIN_MS,
    () => this.needsMotion(),
    (wallMs) => this.onFrame(wallMs),
  );
  private lastTimerFrameWallMs = Number.NEGATIVE_INFINITY;
  private unsubscribe: (() => void) | null = null;
  private nextLineId = 1;
  private readonly toldVotes = new Map<NodeId, string>();
  private stopped = true;

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
  }

  // ---------------------------------------------------------------------------------------------
  // Reading.

  node(id: NodeId): NodeView | undefined {
    return this.state?.nodes.find((node) => node.id === id);
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
    } else if (!this.stopped) {
      this.poller.start();
    }
  };

  /** Asks for a snapshot now (after an action, say), instead of waiting for the next poll. */
  refresh(): Promise<void> {
    return this.poller.pollNow();
  }

  private async fetchState(): Promise<boolean> {
    const bridge = this.bridge;
    if (!bridge || this.stopped) return false;
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
    if (events.length === 0 || this.stopped) return;
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
    const context = { name: this.names, isLeader: (id: NodeId) => this.node(id)?.role === 'leader' };

    for (const event of events) {
      const atDisplay = this.timeMap.toDisplay(event.at);
      if (isMessageEvent(event)) {
        if (!this.hidden) this.tracker.apply(event, atDisplay);
        // A follower restarts its election timer on hearing from its leader (Raft §5.2).
        if (event.type === 'deliver' && (event.kind === 'App' || event.kind === 'Heartbeat')) {
          resetTimer(event.to, atDisplay);
        }
        continue;
      }
      if (event.type === 'role' || event.type === 'term') resetTimer(event.node, atDisplay);
      if (event.type === 'request') keys = rememberKey(keys, event.key);
      if (event.type === 'vote') {
        // The host repeats a vote when it saves unchanged hard state; tell each vote once.
        const vote = `${event.term}/${event.votedFor}`;
        if (this.toldVotes.get(event.node) === vote) continue;
        this.toldVotes.set(event.node, vote);
      }
      if (event.type === 'fault' && event.action === 'config') {
        this.tracker.clear();
        this.requestPath = null;
      }
      const text = narrate(event, context);
      if (text) lines.push(this.line(text, 'event'));
    }
    if (timers) this.timers = timers;
    if (keys !== this.keys) this.keys = keys;
    if (lines.length > 0) this.feed = appendLines(this.feed, lines);
    if (!this.hidden) {
      this.now = displayNow;
      this.flights = this.tracker.visible(displayNow);
      this.frames.ensure();
    }
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
    if (this.requestPath && this.requestPath.untilDisplayMs > this.now) return true;
    return this.state.nodes.some((node) => this.timerFraction(node.id) > 0);
  }

  private onFrame(wallMs: number): void {
    this.now = this.clock.now(performance.now());
    if (wallMs - this.lastTimerFrameWallMs >= TIMER_FRAME_MIN_MS) {
      this.lastTimerFrameWallMs = wallMs;
      this.timerNow = this.now;
    }
    const before = this.flights;
    const visible = this.tracker.visible(this.now);
    if (visible.length !== before.length || visible.some((flight, i) => flight !== before[i])) {
      this.flights = visible;
    }
    if (this.requestPath && this.requestPath.untilDisplayMs <= this.now) this.requestPath = null;
  }

  // ---------------------------------------------------------------------------------------------
  // Actions. Each says what it did in the feed, or why it failed, and refreshes the snapshot.

  private async act(description: string, action: (bridge: ClusterBridge) => Promise<void>): Promise<boolean> {
    const bridge = this.bridge;
    if (!bridge) return false;
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

  kill(node: NodeId): Promise<boolean> {
    return this.act(`kill ${node}`, (bridge) => bridge.kill(node));
  }

  restart(node: NodeId): Promise<boolean> {
    return this.act(`restart ${node}`, (bridge) => bridge.restart(node));
  }

  stepDown(node: NodeId): Promise<boolean> {
    return this.act(`step down ${node}`, (bridge) => bridge.stepDown(node));
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
      this.requestPath = null;
      this.selected = null;
      this.say('Restarted the cluster on the new configuration', 'action');
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
    let outcome: KvOutcome;
    try {
      const result = await bridge.kv({ op, key, ...(op === 'SET' ? { value } : {}), ...(via ? { via } : {}) });
      outcome = { op, key, result, failure: null };
      this.requestPath = {
        via: result.via,
        servedBy: result.servedBy,
        untilDisplayMs: this.clock.now(performance.now()) + HIGHLIGHT_MS,
      };
    } catch (error) {
      outcome = { op, key, result: null, failure: errorText(error) };
    } finally {
      this.busy--;
    }
    this.lastKv = outcome;
    this.frames.ensure();
    return outcome;
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
