// Small helpers to drive the pure core in tests: build configs, entries and messages, collect Ready
// output, and a deterministic in-memory cluster with FIFO delivery and cuttable links.
import {
  BOOTSTRAP_MEMBERSHIP,
  createRaft,
  DEFAULT_FLOW_CONTROL,
  EMPTY_INITIAL_STATE,
} from '../../src/shared/raft/index';
import type {
  AppendEntries,
  AppendResponse,
  Entry,
  HardState,
  InitialState,
  Message,
  NodeId,
  RaftConfig,
  RaftCore,
  ReadState,
  Ready,
} from '../../src/shared/raft/types';
import { SeededRandom } from '../../src/shared/random';

export const IDS = ['n1', 'n2', 'n3', 'n4', 'n5'] as const;

export function peersOf(count: number): NodeId[] {
  return IDS.slice(0, count);
}

export function makeConfig(id: NodeId, peers: readonly NodeId[], overrides: Partial<RaftConfig> = {}): RaftConfig {
  return {
    id,
    peers,
    electionTicksMin: 10,
    electionTicksMax: 20,
    heartbeatTicks: 1,
    preVote: false,
    checkQuorum: false,
    ...DEFAULT_FLOW_CONTROL,
    random: new SeededRandom(hashId(id)),
    ...overrides,
  };
}

function hashId(id: string): number {
  let h = 7;
  for (let i = 0; i < id.length; i++) h = Math.imul(h, 31) + id.charCodeAt(i);
  return h >>> 0;
}

export function entry(index: number, term: number, text = ''): Entry {
  return { index, term, type: text === '' ? 'noop' : 'normal', data: new TextEncoder().encode(text) };
}

/** Entries 1..terms.length with the given terms. */
export function logOfTerms(terms: readonly number[]): Entry[] {
  return terms.map((term, i) => entry(i + 1, term, `e${i + 1}`));
}

export function initialState(entries: readonly Entry[] = [], hard: Partial<HardState> = {}, applied = 0): InitialState {
  return {
    hardState: { term: 0, vote: '', commit: 0, ...hard },
    snapshot: { index: 0, term: 0, membership: BOOTSTRAP_MEMBERSHIP },
    entries,
    applied,
  };
}

export function newNode(
  id: NodeId,
  peers: readonly NodeId[],
  overrides: Partial<RaftConfig> = {},
  initial: InitialState = EMPTY_INITIAL_STATE,
): RaftCore {
  return createRaft(makeConfig(id, peers, overrides), initial);
}

export function app(fields: Partial<AppendEntries> & { from: NodeId; to: NodeId; term: number }): AppendEntries {
  return { type: 'App', prevLogIndex: 0, prevLogTerm: 0, entries: [], commit: 0, ...fields };
}

/** An acknowledgement (reject: false) unless told otherwise, with no conflict hint. */
export function appResp(
  fields: Partial<AppendResponse> & { from: NodeId; to: NodeId; term: number; index: number },
): AppendResponse {
  return { type: 'AppResp', reject: false, conflictTerm: 0, conflictIndex: 0, ...fields };
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Everything a node emitted over any number of Readys. */
export interface Collected {
  readonly readys: Ready[];
  readonly messages: Message[];
  readonly sent: Message[];
  readonly persistedMessages: Message[];
  readonly entries: Entry[];
  readonly committedEntries: Entry[];
  readonly hardStates: HardState[];
  readonly readStates: ReadState[];
  readonly failedReads: number[];
}

/** Takes and advances every Ready the node has, as a host with an instant disk would. */
export function drain(core: RaftCore): Collected {
  const out: Collected = {
    readys: [],
    messages: [],
    sent: [],
    persistedMessages: [],
    entries: [],
    committedEntries: [],
    hardStates: [],
    readStates: [],
    failedReads: [],
  };
  for (let guard = 0; core.hasReady(); guard++) {
    if (guard > 1000) throw new Error('drain: the node never runs out of Readys');
    const ready = core.ready();
    out.readys.push(ready);
    out.messages.push(...ready.messages);
    out.persistedMessages.push(...ready.persistedMessages);
    out.sent.push(...ready.messages, ...ready.persistedMessages);
    out.entries.push(...ready.entries);
    out.committedEntries.push(...ready.committedEntries);
    if (ready.hardState) out.hardStates.push(ready.hardState);
    out.readStates.push(...ready.readStates);
    out.failedReads.push(...ready.failedReads);
    core.advance(ready);
  }
  return out;
}

/** Makes `core` leader by campaigning and feeding it grants from `voters`; returns what it sent. */
export function electDirectly(core: RaftCore, voters: readonly NodeId[]): Collected {
  core.campaign();
  drain(core);
  const { id, term } = core.status();
  for (const from of voters) core.step({ type: 'VoteResp', from, to: id, term, reject: false });
  return drain(core);
}

/** The message kinds whose `type` may be T (VoteRequest's type is 'PreVote' | 'Vote'). */
type MessageOf<M, T> = M extends { readonly type: infer K } ? (T extends K ? M : never) : never;

export function ofType<T extends Message['type']>(messages: readonly Message[], type: T): MessageOf<Message, T>[] {
  return messages.filter((m): m is MessageOf<Message, T> => m.type === type);
}

/**
 * N cores with instant disks and an ordered network. Links can be cut one way. `run()` delivers until
 * nothing moves; ticks are explicit, so tests control time exactly.
 */
/** The leader of the highest term among `nodes` (a deposed one may still think it leads), or null. */
export function highestTermLeader(nodes: ReadonlyMap<NodeId, RaftCore>): NodeId | null {
  let found: NodeId | null = null;
  let term = -1;
  for (const [id, core] of nodes) {
    const s = core.status();
    if (s.role === 'leader' && s.term > term) {
      found = id;
      term = s.term;
    }
  }
  return found;
}

export class Cluster {
  readonly nodes = new Map<NodeId, RaftCore>();
  readonly applied = new Map<NodeId, Entry[]>();
  readonly readStates = new Map<NodeId, ReadState[]>();
  readonly failedReads = new Map<NodeId, number[]>();
  /** Every message put on the wire, in order (delivered or not). */
  readonly wire: Message[] = [];
  private queue: Message[] = [];
  private readonly cut = new Set<string>();
  private readonly down = new Set<NodeId>();
  private readonly drops: ((m: Message) => boolean)[] = [];
  /** Last hard state and log each node persisted, for restarts. */
  readonly disks = new Map<NodeId, { hardState: HardState; entries: Entry[] }>();

  constructor(
    readonly ids: readonly NodeId[],
    private readonly overrides: Partial<RaftConfig> = {},
    initial: Readonly<Record<NodeId, InitialState>> = {},
  ) {
    for (const id of ids) this.start(id, initial[id] ?? EMPTY_INITIAL_STATE);
  }

  node(id: NodeId): RaftCore {
    const core = this.nodes.get(id);
    if (core === undefined) throw new Error(`no node ${id}`);
    return core;
  }

  private start(id: NodeId, initial: InitialState): void {
    this.nodes.set(id, createRaft(makeConfig(id, this.ids, this.overrides), initial));
    this.applied.set(id, []);
    this.readStates.set(id, []);
    this.failedReads.set(id, []);
    if (!this.disks.has(id)) this.disks.set(id, { hardState: initial.hardState, entries: [...initial.entries] });
  }

  /** Drops the next message on the wire that matches. */
  dropNext(match: (m: Message) => boolean): void {
    this.drops.push(match);
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  healLink(from: NodeId, to: NodeId): void {
    this.cut.delete(`${from}>${to}`);
  }

  isolate(id: NodeId): void {
    for (const other of this.ids) {
      if (other === id) continue;
      this.cutLink(id, other);
      this.cutLink(other, id);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  crash(id: NodeId): void {
    this.down.add(id);
    this.nodes.delete(id);
  }

  restart(id: NodeId): void {
    this.down.delete(id);
    const disk = this.disks.get(id)!;
    this.start(id, {
      hardState: disk.hardState,
      snapshot: { index: 0, term: 0, membership: BOOTSTRAP_MEMBERSHIP },
      entries: disk.entries,
      applied: 0,
    });
  }

  /** One host loop turn for one node: persist, send, apply, advance. */
  private process(id: NodeId): boolean {
    const core = this.nodes.get(id);
    if (core === undefined || !core.hasReady()) return false;
    const ready = core.ready();
    const disk = this.disks.get(id)!;
    if (ready.hardState) disk.hardState = ready.hardState;
    if (ready.entries.length > 0) {
      const first = ready.entries[0]!.index;
      disk.entries.length = first - 1;
      disk.entries.push(...ready.entries);
    }
    this.send(ready.messages);
    this.send(ready.persistedMessages);
    this.applied.get(id)!.push(...ready.committedEntries);
    this.readStates.get(id)!.push(...ready.readStates);
    this.failedReads.get(id)!.push(...ready.failedReads);
    core.advance(ready);
    return true;
  }

  private send(messages: readonly Message[]): void {
    for (const m of messages) {
      this.wire.push(m);
      this.queue.push(m);
    }
  }

  /** Delivers until no node has work and no message is in flight. */
  run(maxSteps = 100_000): void {
    for (let steps = 0; ; steps++) {
      if (steps > maxSteps) throw new Error('cluster: no quiescence');
      let moved = false;
      for (const id of this.ids) moved = this.process(id) || moved;
      const batch = this.queue;
      this.queue = [];
      for (const m of batch) {
        moved = true;
        if (this.cut.has(`${m.from}>${m.to}`) || this.down.has(m.to)) continue;
        const drop = this.drops.findIndex((match) => match(m));
        if (drop >= 0) {
          this.drops.splice(drop, 1);
          continue;
        }
        this.nodes.get(m.to)?.step(m);
      }
      if (!moved) return;
    }
  }

  /** Ticks every live node once and delivers everything that follows, `count` times. */
  tick(count = 1): void {
    for (let i = 0; i < count; i++) {
      for (const core of this.nodes.values()) core.tick();
      this.run();
    }
  }

  leader(): NodeId | null {
    return highestTermLeader(this.nodes);
  }

  /** Campaigns `id` and delivers until the election settles. */
  elect(id: NodeId): void {
    this.node(id).campaign();
    this.run();
    if (this.node(id).status().role !== 'leader') throw new Error(`${id} did not win the election`);
  }

  /** The command texts a node applied, noops left out. */
  appliedTexts(id: NodeId): string[] {
    const decoder = new TextDecoder();
    return this.applied
      .get(id)!
      .filter((e) => e.type === 'normal')
      .map((e) => decoder.decode(e.data));
  }

  /** Messages on the wire of one type, optionally between two nodes. */
  count(type: Message['type'], from?: NodeId, to?: NodeId): number {
    return this.wire.filter(
      (m) => m.type === type && (from === undefined || m.from === from) && (to === undefined || m.to === to),
    ).length;
  }
}
