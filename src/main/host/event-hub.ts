// Carries ClusterEvents from the nodes to the views in batches, at most one batch per interval (20
// a second by default). The buffer is bounded and overflow is counted, not queued, so a flood of
// events never slows the nodes or grows memory. With no subscriber it holds nothing and runs no
// timer; producers can ask `wants(type)` before they even build an event.
//
// The batching timer runs on real time, not on the host clock: a paused cluster still has to show
// the view its "paused" event.
import type { ClusterEvent, ClusterEventType } from '../../shared/api';

export type EventBatchListener = (events: readonly ClusterEvent[]) => void;

export interface BatchTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemTimers: BatchTimers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

export interface EventHubOptions {
  /** Events waiting for the next batch; beyond this they are dropped and counted. */
  readonly maxBufferedEvents?: number;
  /** The least real time between two batches. */
  readonly batchIntervalMs?: number;
  readonly timers?: BatchTimers;
  /** Where a throwing subscriber is reported; it never stops delivery to the others. */
  readonly onListenerError?: (error: unknown) => void;
}

interface Subscriber {
  readonly listener: EventBatchListener;
  /** Undefined means every type. */
  readonly types: ReadonlySet<ClusterEventType> | undefined;
}

export class EventHub {
  private readonly maxBufferedEvents: number;
  private readonly batchIntervalMs: number;
  private readonly timers: BatchTimers;
  private readonly onListenerError: (error: unknown) => void;
  private readonly subscribers = new Set<Subscriber>();
  private pending: ClusterEvent[] = [];
  private timer: unknown;
  private dropped = 0;

  constructor(options: EventHubOptions = {}) {
    this.maxBufferedEvents = options.maxBufferedEvents ?? 5000;
    this.batchIntervalMs = options.batchIntervalMs ?? 50;
    this.timers = options.timers ?? systemTimers;
    this.onListenerError =
      options.onListenerError ?? ((error) => console.error('raftlab: event subscriber failed:', error));
  }

  /** True while anyone listens: producers skip building events otherwise. */
  get active(): boolean {
    return this.subscribers.size > 0;
  }

  /** True if some subscriber would receive an event of this type. */
  wants(type: ClusterEventType): boolean {
    for (const subscriber of this.subscribers) {
      if (!subscriber.types || subscriber.types.has(type)) return true;
    }
    return false;
  }

  /** Events lost to a full buffer (here) or to a slow view (reported with `countDropped`). */
  get droppedEvents(): number {
    return this.dropped;
  }

  countDropped(count: number): void {
    if (Number.isFinite(count) && count > 0) this.dropped += count;
  }

  publish(event: ClusterEvent): void {
    if (!this.wants(event.type)) return;
    if (this.pending.length >= this.maxBufferedEvents) {
      this.dropped++;
      return;
    }
    this.pending.push(event);
    if (this.timer === undefined) this.timer = this.timers.setTimeout(() => this.flush(), this.batchIntervalMs);
  }

  /**
   * Receives every batch (only the given types, if any). Has the shape of `ClusterBridge.onEvents`
   * when called with one argument. Returns an unsubscribe.
   */
  subscribe(listener: EventBatchListener, types?: readonly ClusterEventType[]): () => void {
    const subscriber: Subscriber = { listener, types: types ? new Set(types) : undefined };
    this.subscribers.add(subscriber);
    return () => {
      this.subscribers.delete(subscriber);
      if (this.subscribers.size === 0) this.clear();
    };
  }

  /** Drops every subscriber and pending event (at shutdown). */
  dispose(): void {
    this.subscribers.clear();
    this.clear();
  }

  private clear(): void {
    this.pending = [];
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Delivers the pending batch now instead of at the next interval: a view about to open is told
   * the state as of now, so everything older must reach the views already open first.
   */
  flushNow(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.flush();
  }

  private flush(): void {
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    for (const subscriber of [...this.subscribers]) {
      const events = subscriber.types ? batch.filter((event) => subscriber.types?.has(event.type)) : batch;
      if (events.length === 0) continue;
      try {
        subscriber.listener(events);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
