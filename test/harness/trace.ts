// Keeps the tail of a run's history as readable lines, for failure reports and scripted scenarios.

import { formatEvent } from './format';
import type { HistoryEvent, HistoryObserver } from './history';

export interface TraceOptions {
  /** Lines kept; older ones are forgotten. */
  readonly capacity?: number;
  /** Which events to keep. By default everything except heartbeat chatter. */
  readonly include?: (event: HistoryEvent) => boolean;
  /** Receives every kept line as it happens (the CLI's --verbose). */
  readonly sink?: (line: string) => void;
}

const isHeartbeatChatter = (event: HistoryEvent): boolean =>
  (event.kind === 'deliver' || event.kind === 'drop' || event.kind === 'duplicate') &&
  (event.message.type === 'Heartbeat' || event.message.type === 'HeartbeatResp') &&
  event.message.context === 0;

export class Trace implements Pick<HistoryObserver, 'onEvent'> {
  private readonly capacity: number;
  private readonly include: (event: HistoryEvent) => boolean;
  private readonly sink: ((line: string) => void) | undefined;
  // Events are formatted only when read: most runs pass and never print their trace.
  private buffer: HistoryEvent[] = [];

  constructor(options: TraceOptions = {}) {
    this.capacity = options.capacity ?? 200;
    this.include = options.include ?? ((event) => !isHeartbeatChatter(event));
    this.sink = options.sink;
  }

  onEvent(event: HistoryEvent): void {
    if (!this.include(event)) return;
    this.sink?.(formatEvent(event));
    this.buffer.push(event);
    // Trim in batches so that a long run does not shift the array on every event.
    if (this.buffer.length > 2 * this.capacity) this.buffer = this.buffer.slice(-this.capacity);
  }

  /** The most recent lines, oldest first. */
  lines(): string[] {
    return this.buffer.slice(-this.capacity).map(formatEvent);
  }

  text(): string {
    return this.lines().join('\n');
  }
}
