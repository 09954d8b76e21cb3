// The network faults a teacher sets on purpose: cut links (both ways or one way), partitions,
// added latency, loss, and pause. The transport asks `verdict` for every message before it reaches
// TCP, so faults act on real traffic. Arguments may come straight from a view, so every setter
// checks its input and throws `ApiError` with a message that names the problem.
import { ApiError, type LinkRequest, type LinkView, type NetworkSettings } from '../../shared/api';
import type { NodeId, Random } from '../../shared/raft/types';
import type { LinkFaults, LinkVerdict } from '../net/types';

/** Beyond a minute of added delay every Raft timer has long fired; it is surely a typo. */
export const LATENCY_MS_MAX = 60_000;

const UNIT_STEPS = 2 ** 30;

export interface LinkFaultTableOptions {
  /** Every node id of the configuration, in its order; other ids are answered with a 404. */
  readonly nodes: readonly NodeId[];
  /** Draws the added latency and the losses, so a seed replays them. */
  readonly random: Random;
}

export class LinkFaultTable implements LinkFaults {
  private readonly nodes: NodeId[];
  private readonly order: Map<NodeId, number>;
  private readonly random: Random;
  /** Directed cuts: `from` → set of `to` whose messages from `from` are cut. */
  private readonly cuts = new Map<NodeId, Set<NodeId>>();
  private settings: NetworkSettings = { latencyMs: [0, 0], dropRate: 0 };
  private isPaused = false;
  /** Held messages a step lets go at their next examination, by message id. */
  private readonly stepped = new Set<number>();
  /** Messages dropped by hand: dropped at their next examination instead of delivered. */
  private readonly doomed = new Set<number>();
  private readonly releaseListeners = new Set<() => void>();

  constructor(options: LinkFaultTableOptions) {
    this.nodes = [...options.nodes];
    this.order = new Map(this.nodes.map((id, index) => [id, index]));
    this.random = options.random;
  }

  /** The nodes of a group added live (resharding) become nodes links can name. */
  addNodes(ids: readonly NodeId[]): void {
    for (const id of ids) {
      if (this.order.has(id)) continue;
      this.order.set(id, this.nodes.length);
      this.nodes.push(id);
    }
  }

  verdict(from: NodeId, to: NodeId, messageId?: number): LinkVerdict {
    if (messageId !== undefined && this.doomed.delete(messageId)) return { action: 'drop', reason: 'dropped by hand' };
    if (this.isPaused) {
      // A stepped message leaves at once: its added delay would never pass on the frozen clock.
      if (messageId !== undefined && this.stepped.delete(messageId)) return { action: 'deliver', delayMs: 0 };
      return { action: 'hold' };
    }
    if (this.isCut(from, to)) return { action: 'drop', reason: 'cut' };
    const { latencyMs, dropRate } = this.settings;
    if (dropRate > 0 && this.unit() < dropRate) return { action: 'drop', reason: 'loss' };
    const [minMs, maxMs] = latencyMs;
    const delayMs = maxMs > minMs ? minMs + (maxMs - minMs) * this.unit() : minMs;
    return { action: 'deliver', delayMs };
  }

  onRelease(listener: () => void): () => void {
    this.releaseListeners.add(listener);
    return () => this.releaseListeners.delete(listener);
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cuts.get(from)?.has(to) ?? false;
  }

  /** Cuts or heals the link between `a` and `b`; with `oneWay`, only messages from a to b. */
  setLink(request: LinkRequest): void {
    const { a, b } = request;
    this.checkNode(a, 'a');
    this.checkNode(b, 'b');
    if (a === b) throw new ApiError(400, `a link needs two different nodes, got ${a} twice`);
    if (typeof request.cut !== 'boolean') throw new ApiError(400, "field 'cut' must be true or false");
    if (request.oneWay !== undefined && typeof request.oneWay !== 'boolean') {
      throw new ApiError(400, "field 'oneWay' must be true or false");
    }
    const oneWay = request.oneWay ?? false;
    if (request.cut) {
      this.cutDirected(a, b);
      if (!oneWay) this.cutDirected(b, a);
    } else {
      this.cuts.get(a)?.delete(b);
      if (!oneWay) this.cuts.get(b)?.delete(a);
      this.release();
    }
  }

  /**
   * Splits the network into `sides`: every link between two sides is cut both ways. It replaces
   * any earlier cuts, so that partitioning twice gives the second partition, not the union. Nodes
   * on no side keep all their links.
   */
  partition(sides: readonly (readonly NodeId[])[]): void {
    if (!Array.isArray(sides)) throw new ApiError(400, "field 'sides' must be a list of lists of node ids");
    const sideOf = new Map<NodeId, number>();
    sides.forEach((side, sideIndex) => {
      if (!Array.isArray(side) || side.length === 0) {
        throw new ApiError(400, `side ${sideIndex} of the partition must be a non-empty list of node ids`);
      }
      for (const id of side) {
        this.checkNode(id, `sides[${sideIndex}]`);
        const earlier = sideOf.get(id);
        if (earlier !== undefined) {
          throw new ApiError(400, `node ${id} is on two sides of the partition (${earlier} and ${sideIndex})`);
        }
        sideOf.set(id, sideIndex);
      }
    });
    if (sides.length < 2) throw new ApiError(400, 'a partition needs at least two sides');
    this.cuts.clear();
    for (const [from, fromSide] of sideOf) {
      for (const [to, toSide] of sideOf) {
        if (fromSide !== toSide) this.cutDirected(from, to);
      }
    }
    this.release();
  }

  healAll(): void {
    this.cuts.clear();
    this.release();
  }

  network(): NetworkSettings {
    return this.settings;
  }

  /** Changes the added latency and/or the drop rate; the fields left out keep their value. */
  setNetwork(settings: Partial<NetworkSettings>): void {
    let { latencyMs, dropRate } = this.settings;
    if (settings.latencyMs !== undefined) latencyMs = checkLatency(settings.latencyMs);
    if (settings.dropRate !== undefined) dropRate = checkDropRate(settings.dropRate);
    this.settings = { latencyMs, dropRate };
  }

  get paused(): boolean {
    return this.isPaused;
  }

  /** While paused every verdict is 'hold'; resuming lets the transport re-examine what it held. */
  setPaused(paused: boolean): void {
    if (paused === this.isPaused) return;
    this.isPaused = paused;
    if (!paused) {
      this.release();
      // Everything held was examined again just now: stale marks must not match a reused id.
      this.stepped.clear();
      this.doomed.clear();
    }
  }

  /**
   * While paused: lets these held messages go. The caller picks them so that on every link they
   * are the oldest held (links release from their head only).
   */
  stepHeld(ids: readonly number[]): void {
    if (!this.isPaused) throw new ApiError(409, 'stepping needs the clock paused; pause it first');
    for (const id of ids) this.stepped.add(id);
    this.release();
  }

  /** Drops one message instead of delivering it, once its link reaches it (at once if it is oldest). */
  dropHeld(id: number): void {
    this.doomed.add(id);
    this.release();
  }

  /** Dropped by hand and not yet reached by its link: the view hides it already. */
  isDoomed(id: number): boolean {
    return this.doomed.has(id);
  }

  /** The cut links for the state snapshot: a two-way cut is one entry, ordered as the configuration. */
  cutLinks(): LinkView[] {
    const links: LinkView[] = [];
    for (const from of this.nodes) {
      for (const to of this.cuts.get(from) ?? []) {
        const twoWay = this.isCut(to, from);
        if (twoWay && this.indexOf(to) < this.indexOf(from)) continue;
        links.push({ a: from, b: to, oneWay: !twoWay });
      }
    }
    return links;
  }

  private cutDirected(from: NodeId, to: NodeId): void {
    let targets = this.cuts.get(from);
    if (!targets) {
      targets = new Set();
      this.cuts.set(from, targets);
    }
    targets.add(to);
  }

  private checkNode(id: unknown, field: string): asserts id is NodeId {
    if (typeof id !== 'string' || id === '') throw new ApiError(400, `field '${field}' must be a node id string`);
    if (!this.order.has(id)) throw new ApiError(404, `unknown node ${id}`);
  }

  private indexOf(id: NodeId): number {
    return this.order.get(id) ?? -1;
  }

  private unit(): number {
    return this.random.nextInt(UNIT_STEPS) / UNIT_STEPS;
  }

  private release(): void {
    for (const listener of [...this.releaseListeners]) listener();
  }
}

function checkLatency(value: unknown): readonly [number, number] {
  if (!Array.isArray(value) || value.length !== 2) {
    throw new ApiError(400, "field 'latencyMs' must be [min, max] in ms");
  }
  const [minMs, maxMs] = value as unknown[];
  for (const ms of [minMs, maxMs]) {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > LATENCY_MS_MAX) {
      throw new ApiError(400, `field 'latencyMs' must hold two numbers from 0 to ${LATENCY_MS_MAX}, got ${String(ms)}`);
    }
  }
  if ((minMs as number) > (maxMs as number)) {
    throw new ApiError(400, `field 'latencyMs' must be [min, max] with min <= max, got [${minMs}, ${maxMs}]`);
  }
  return [minMs as number, maxMs as number];
}

function checkDropRate(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new ApiError(400, `field 'dropRate' must be a number from 0 to 1, got ${String(value)}`);
  }
  return value;
}
