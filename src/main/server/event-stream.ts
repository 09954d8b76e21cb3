// Server-Sent Events for `GET /api/events`. The server subscribes to the cluster once while any
// client is connected and writes each batch as one `data:` line, serialized once for all clients.
// A client whose socket cannot keep up has batches dropped (and counted) instead of buffered, so a
// stalled browser tab never grows the server's memory.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClusterEvent, EventSubscriber } from '../../shared/api';

export interface EventStreamOptions {
  readonly subscribe: EventSubscriber;
  /**
   * The batch a new client receives first: each node's role as of now, after every older event has
   * gone to the clients already open (`ClusterBridge.openingEvents`). Without it a view knows no
   * roles until they change, and a view that guessed them from a snapshot raced the stream.
   */
  readonly opening?: () => readonly ClusterEvent[];
  /** A comment line at this period keeps proxies and idle timeouts from closing the stream. */
  readonly pingIntervalMs?: number;
  /** Bytes queued on one client's socket beyond which its batches are dropped. */
  readonly maxBufferedBytes?: number;
  /** Told how many events a slow client missed, so the cluster can count them. */
  readonly onDropped?: (events: number) => void;
  /** Streams open at once; more are refused, so open connections cannot pile up without bound. */
  readonly maxClients?: number;
}

/** Enough for a classroom's worth of tabs on one host; each stream costs a socket and its buffer. */
export const DEFAULT_MAX_EVENT_CLIENTS = 32;

interface Client {
  readonly response: ServerResponse;
  /** Events dropped since the client last caught up; reported to it in a comment. */
  missedEvents: number;
}

export class EventStream {
  private readonly subscribe: EventSubscriber;
  private readonly opening: () => readonly ClusterEvent[];
  private readonly pingIntervalMs: number;
  private readonly maxBufferedBytes: number;
  private readonly onDropped: (events: number) => void;
  readonly maxClients: number;
  private readonly clients = new Set<Client>();
  private unsubscribe: (() => void) | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private dropped = 0;

  constructor(options: EventStreamOptions) {
    this.subscribe = options.subscribe;
    this.opening = options.opening ?? (() => []);
    this.pingIntervalMs = options.pingIntervalMs ?? 15_000;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
    this.onDropped = options.onDropped ?? (() => {});
    this.maxClients = options.maxClients ?? DEFAULT_MAX_EVENT_CLIENTS;
    if (!Number.isSafeInteger(this.maxClients) || this.maxClients < 1) {
      throw new Error(`the event stream needs room for at least one client, not ${this.maxClients}`);
    }
  }

  /** Whether another stream may open now; the caller answers 503 when not. */
  get hasRoom(): boolean {
    return this.clients.size < this.maxClients;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Events not sent to some client because it was too slow (summed over clients). */
  get droppedEvents(): number {
    return this.dropped;
  }

  /** Starts streaming to this response. Check `hasRoom` first: past the cap this throws. */
  open(request: IncomingMessage, response: ServerResponse): void {
    if (!this.hasRoom) throw new Error(`the event stream already has ${this.maxClients} clients`);
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    request.socket.setNoDelay(true);
    response.write('retry: 2000\n: connected\n\n');
    // Subscribed first, so that the opening batch's flush of older events reaches the clients
    // already open; this one joins after it has its opening batch, so nothing older follows it.
    if (!this.unsubscribe) this.unsubscribe = this.subscribe((events) => this.broadcast(events));
    const opening = this.opening();
    if (opening.length > 0) response.write(`data: ${JSON.stringify(opening)}\n\n`);
    const client: Client = { response, missedEvents: 0 };
    this.clients.add(client);
    response.on('close', () => this.remove(client));
    if (!this.pingTimer) {
      this.pingTimer = setInterval(() => this.ping(), this.pingIntervalMs);
      this.pingTimer.unref();
    }
  }

  closeAll(): void {
    for (const client of [...this.clients]) {
      client.response.end();
      this.remove(client);
    }
  }

  private remove(client: Client): void {
    if (!this.clients.delete(client)) return;
    if (this.clients.size > 0) return;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  private broadcast(events: readonly ClusterEvent[]): void {
    if (events.length === 0) return;
    const frame = `data: ${JSON.stringify(events)}\n\n`;
    for (const client of this.clients) {
      const { response } = client;
      if (response.writableLength > this.maxBufferedBytes) {
        client.missedEvents += events.length;
        this.dropped += events.length;
        this.onDropped(events.length);
        continue;
      }
      const missed = client.missedEvents > 0;
      if (missed) {
        response.write(`: dropped ${client.missedEvents} events while this client was slow\n\n`);
        client.missedEvents = 0;
      }
      response.write(frame);
      // What it missed may have changed roles: it gets a fresh opening batch, once this batch has
      // reached every subscriber (the opening flushes the hub, which must not happen inside a flush).
      if (missed) queueMicrotask(() => this.reopen(client));
    }
  }

  private reopen(client: Client): void {
    if (!this.clients.has(client)) return;
    const opening = this.opening();
    if (opening.length === 0) return;
    if (client.response.writableLength > this.maxBufferedBytes) {
      client.missedEvents += opening.length;
      return;
    }
    client.response.write(`data: ${JSON.stringify(opening)}\n\n`);
  }

  private ping(): void {
    for (const { response } of this.clients) {
      if (response.writableLength <= this.maxBufferedBytes) response.write(': ping\n\n');
    }
  }
}
