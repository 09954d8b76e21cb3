// The simulated network: every message sits in one queue with the tick it becomes deliverable.
// Faults are data: per-message loss, duplication and delay drawn from a seeded PRNG, plus a set
// of cut directed links. Whoever owns the nodes takes messages out and delivers them.
import { MESSAGE_TYPES, type Message, type MessageType, type NodeId } from '../../src/shared/raft/types';
import type { SeededRandom } from '../../src/shared/random';
import type { DropReason } from './history';

export interface LinkConditions {
  /** Probability that a message is lost. */
  readonly dropRate: number;
  /** Probability that a message is delivered twice (each copy with its own delay). */
  readonly duplicateRate: number;
  /** Each message waits a uniform number of ticks in [delayTicksMin, delayTicksMax]. */
  readonly delayTicksMin: number;
  readonly delayTicksMax: number;
  /** Shuffle the messages that fall due in the same tick instead of keeping send order. */
  readonly reorder: boolean;
}

export const RELIABLE: LinkConditions = {
  dropRate: 0,
  duplicateRate: 0,
  delayTicksMin: 0,
  delayTicksMax: 0,
  reorder: false,
};

export interface InFlight {
  /** Send order over the whole network; copies of a duplicated message share it. */
  readonly seq: number;
  readonly message: Message;
  readonly deliverAt: number;
}

export type MessageFilter = (message: Message) => boolean;

export type MessageCounts = Record<MessageType, number>;

export interface NetworkStats {
  readonly sent: MessageCounts;
  readonly delivered: MessageCounts;
  readonly dropped: Record<DropReason, number>;
  duplicated: number;
  delayed: number;
  /** Deliveries that overtook an earlier message on the same directed link. */
  reordered: number;
}

export interface NetworkListener {
  onDrop(message: Message, reason: DropReason): void;
  onDuplicate(message: Message): void;
}

function zeroCounts(): MessageCounts {
  const counts = {} as MessageCounts;
  for (const type of MESSAGE_TYPES) counts[type] = 0;
  return counts;
}

function emptyStats(): NetworkStats {
  return {
    sent: zeroCounts(),
    delivered: zeroCounts(),
    dropped: { loss: 0, cut: 0, down: 0 },
    duplicated: 0,
    delayed: 0,
    reordered: 0,
  };
}

const linkKey = (from: NodeId, to: NodeId): string => `${from}>${to}`;

export class SimNetwork {
  conditions: LinkConditions = RELIABLE;
  private queue: InFlight[] = [];
  private nextSeq = 1;
  private readonly cuts = new Set<string>();
  private readonly lastDeliveredSeq = new Map<string, number>();
  private counters = emptyStats();

  constructor(
    private readonly random: SeededRandom,
    private readonly listener: NetworkListener,
  ) {}

  get stats(): Readonly<NetworkStats> {
    return this.counters;
  }

  resetStats(): void {
    this.counters = emptyStats();
  }

  /** Messages not yet delivered, in send order. */
  pending(filter: MessageFilter = () => true): readonly InFlight[] {
    return this.queue.filter((item) => filter(item.message)).sort((a, b) => a.seq - b.seq);
  }

  send(message: Message, now: number): void {
    this.counters.sent[message.type]++;
    const { dropRate, duplicateRate } = this.conditions;
    if (this.isCut(message.from, message.to)) {
      this.drop(message, 'cut');
      return;
    }
    if (dropRate > 0 && this.random.chance(dropRate)) {
      this.drop(message, 'loss');
      return;
    }
    const seq = this.nextSeq++;
    this.enqueue(seq, message, now);
    if (duplicateRate > 0 && this.random.chance(duplicateRate)) {
      this.counters.duplicated++;
      this.listener.onDuplicate(message);
      this.enqueue(seq, message, now);
    }
  }

  /** Removes and returns the messages due by `now`, in delivery order. */
  takeDue(now: number): InFlight[] {
    return this.take((item) => item.deliverAt <= now);
  }

  /** Removes and returns the pending messages that match, regardless of their delay. */
  takeMatching(filter: MessageFilter): InFlight[] {
    return this.take((item) => filter(item.message));
  }

  /** Makes pending messages that match arrive `ticks` later; returns how many. */
  delayPending(filter: MessageFilter, ticks: number): number {
    const delayed = this.queue.filter((item) => filter(item.message));
    this.queue = this.queue.map((item) =>
      filter(item.message) ? { ...item, deliverAt: item.deliverAt + ticks } : item,
    );
    this.counters.delayed += delayed.length;
    return delayed.length;
  }

  /** Puts a second copy of every pending message that matches on the wire; returns how many. */
  duplicatePending(filter: MessageFilter): number {
    const copies = this.queue.filter((item) => filter(item.message));
    for (const item of copies) {
      this.counters.duplicated++;
      this.listener.onDuplicate(item.message);
      this.queue.push({ ...item });
    }
    return copies.length;
  }

  /** Drops pending messages that match; returns how many. */
  dropPending(filter: MessageFilter, reason: DropReason = 'loss'): number {
    const doomed = this.take((item) => filter(item.message));
    for (const item of doomed) this.drop(item.message, reason);
    return doomed.length;
  }

  /** A message reaches its receiver only if the link is still up when it arrives. */
  checkArrival(item: InFlight): boolean {
    if (this.isCut(item.message.from, item.message.to)) {
      this.drop(item.message, 'cut');
      return false;
    }
    const key = linkKey(item.message.from, item.message.to);
    const last = this.lastDeliveredSeq.get(key) ?? 0;
    if (item.seq < last) this.counters.reordered++;
    else this.lastDeliveredSeq.set(key, item.seq);
    this.counters.delivered[item.message.type]++;
    return true;
  }

  /** The receiver was down: the message is gone. */
  dropUndeliverable(item: InFlight): void {
    this.drop(item.message, 'down');
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cuts.has(linkKey(from, to));
  }

  /** Cuts from → to; with `bothWays` also to → from. */
  cut(from: NodeId, to: NodeId, bothWays = true): void {
    this.cuts.add(linkKey(from, to));
    if (bothWays) this.cuts.add(linkKey(to, from));
  }

  heal(from: NodeId, to: NodeId, bothWays = true): void {
    this.cuts.delete(linkKey(from, to));
    if (bothWays) this.cuts.delete(linkKey(to, from));
  }

  healAll(): void {
    this.cuts.clear();
  }

  /** Cuts every link between nodes on different sides; links inside a side stay as they are. */
  partition(sides: readonly (readonly NodeId[])[]): void {
    sides.forEach((side, i) => {
      for (const other of sides.slice(i + 1)) {
        for (const a of side) for (const b of other) this.cut(a, b);
      }
    });
  }

  cutLinks(): { from: NodeId; to: NodeId }[] {
    return [...this.cuts].map((key) => {
      const [from, to] = key.split('>') as [NodeId, NodeId];
      return { from, to };
    });
  }

  private enqueue(seq: number, message: Message, now: number): void {
    const { delayTicksMin, delayTicksMax } = this.conditions;
    const span = delayTicksMax - delayTicksMin;
    const delay = delayTicksMin + (span > 0 ? this.random.nextInt(span + 1) : 0);
    if (delay > 0) this.counters.delayed++;
    this.queue.push({ seq, message, deliverAt: now + delay });
  }

  private take(predicate: (item: InFlight) => boolean): InFlight[] {
    const taken: InFlight[] = [];
    const kept: InFlight[] = [];
    for (const item of this.queue) (predicate(item) ? taken : kept).push(item);
    if (taken.length === 0) return taken;
    this.queue = kept;
    taken.sort((a, b) => a.deliverAt - b.deliverAt || a.seq - b.seq);
    if (this.conditions.reorder) this.shuffle(taken);
    return taken;
  }

  private shuffle(items: InFlight[]): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.random.nextInt(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
  }

  private drop(message: Message, reason: DropReason): void {
    this.counters.dropped[reason]++;
    this.listener.onDrop(message, reason);
  }
}
