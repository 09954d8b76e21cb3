// Turns send / deliver / drop events into flights the diagram can draw. A send starts a flight,
// the matching deliver (paired by sender and id) fixes when it lands, a drop fixes where it dies.
// Times are display times (see display-clock.ts). A flight lasts at least `minFlightMs`, so traffic
// on a fast local network is still visible; at slow motion the real delays dominate.
//
// Routine traffic (heartbeats, their replies, empty appends, successful append replies) is thinned:
// while one such message is in the air on a link, the next of the same kind on that link is not
// drawn again, which at real speed would be a solid chain of dots. Elections, appends that carry
// entries, rejections and drops are always drawn.
import type { ClusterEvent, MessageType, NodeId } from '../../../../shared/api';

export type MessageEvent = Extract<ClusterEvent, { type: 'send' | 'deliver' | 'drop' }>;

export type FlightFate = 'flying' | 'delivered' | 'dropped';

export interface Flight {
  readonly key: string;
  readonly kind: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  readonly entries: number;
  readonly reject: boolean;
  readonly startMs: number;
  /** When the flight reaches `stopProgress`. */
  readonly endMs: number;
  /** 1 for a delivery; the fraction of the way where a dropped message dies. */
  readonly stopProgress: number;
  readonly fate: FlightFate;
  readonly dropReason: string | null;
}

export interface FlightTiming {
  /** The shortest a flight is drawn, however fast the real network was. */
  readonly minFlightMs: number;
  /** How long a dropped message's burst stays on screen. */
  readonly burstMs: number;
  /**
   * A flight with no deliver or drop (its receiver is dead, or the event was lost) is forgotten this
   * long after it should have landed, so it does not linger at the receiver's door.
   */
  readonly forgetAfterMs: number;
  /** Beyond this many flights the oldest are forgotten, so a storm cannot swamp the page. */
  readonly maxFlights: number;
}

export const DEFAULT_FLIGHT_TIMING: FlightTiming = {
  minFlightMs: 450,
  burstMs: 600,
  forgetAfterMs: 1000,
  maxFlights: 160,
};

/** Where the break of a cut link is drawn: the middle of the link. */
export const BREAK_POINT = 0.5;
/**
 * Where a message cut by a broken link dies: just short of the break, on the sender's side, so its
 * burst shows which way it was going and never covers the cut mark (the scissors or the arrow).
 */
export const CUT_POINT = 0.36;

function flightKey(from: NodeId, id: number): string {
  return `${from}#${id}`;
}

function slotKey(event: MessageEvent): string {
  return `${event.from}>${event.to}:${event.kind}`;
}

/** How far along the link a flight is at `nowMs`, in [0, stopProgress]. */
export function flightProgress(flight: Flight, nowMs: number): number {
  const span = flight.endMs - flight.startMs;
  const fraction = span <= 0 ? 1 : (nowMs - flight.startMs) / span;
  return flight.stopProgress * Math.min(1, Math.max(0, fraction));
}

/** 0 while the burst of a dropped flight has not started, rising to 1 as it fades out. */
export function burstFraction(flight: Flight, nowMs: number, burstMs: number): number {
  if (flight.fate !== 'dropped' || nowMs < flight.endMs) return 0;
  return Math.min(1, (nowMs - flight.endMs) / burstMs);
}

/** Whether a message is routine traffic that may be thinned (see the top of this file). */
export function isRoutine(event: Pick<MessageEvent, 'kind' | 'entries' | 'reject'>): boolean {
  switch (event.kind) {
    case 'Heartbeat':
    case 'HeartbeatResp':
      return true;
    case 'App':
      return (event.entries ?? 0) === 0;
    case 'AppResp':
      return !event.reject;
    default:
      return false;
  }
}

const THINNED_MEMORY = 2000;

export class FlightTracker {
  private readonly flights = new Map<string, Flight>();
  /** Per link and kind, the routine flight currently standing for that traffic. */
  private readonly routineSlots = new Map<string, string>();
  /** Keys of routine messages that were not drawn, so their deliver or drop is recognised. */
  private readonly thinned = new Set<string>();
  private expectedFlightMs: number;

  constructor(private readonly timing: FlightTiming = DEFAULT_FLIGHT_TIMING) {
    this.expectedFlightMs = timing.minFlightMs;
  }

  /** The flight time to plan for before a deliver arrives, from the network settings; never below the minimum. */
  setExpectedFlightMs(ms: number): void {
    this.expectedFlightMs = Math.max(this.timing.minFlightMs, Number.isFinite(ms) ? ms : 0);
  }

  apply(event: MessageEvent, displayAtMs: number): void {
    const key = flightKey(event.from, event.id);
    const existing = this.flights.get(key);
    if (event.type === 'send') {
      if (existing) return;
      if (isRoutine(event) && this.slotBusy(event, displayAtMs)) {
        this.rememberThinned(key);
        return;
      }
      this.start(key, event, displayAtMs);
      return;
    }
    if (this.thinned.delete(key)) {
      // A thinned message that is lost is still shown dying, unless its link already shows a drop.
      if (event.type === 'drop' && this.slotFlight(event)?.fate !== 'dropped')
        this.dropAt(this.start(key, event, displayAtMs), event, displayAtMs);
      return;
    }
    if (event.type === 'deliver') {
      if (existing && existing.fate === 'flying') {
        this.flights.set(key, {
          ...existing,
          fate: 'delivered',
          endMs: Math.max(displayAtMs, existing.startMs + this.timing.minFlightMs),
        });
      }
      return;
    }
    if (!existing && isRoutine(event) && this.slotBusy(event, displayAtMs)) return;
    this.dropAt(existing ?? this.start(key, event, displayAtMs), event, displayAtMs);
  }

  private dropAt(flight: Flight, event: MessageEvent, displayAtMs: number): void {
    if (flight.fate !== 'flying') return;
    const plannedMs = flight.endMs - flight.startMs;
    const stopProgress = dropPoint(event.reason, (displayAtMs - flight.startMs) / plannedMs);
    this.flights.set(flight.key, {
      ...flight,
      fate: 'dropped',
      stopProgress,
      endMs: flight.startMs + stopProgress * plannedMs,
      dropReason: event.reason ?? null,
    });
  }

  /** The flights still to draw at `nowMs`, oldest first; the finished ones are forgotten. */
  visible(nowMs: number): Flight[] {
    for (const [key, flight] of this.flights) {
      if (this.finished(flight, nowMs)) this.flights.delete(key);
    }
    return [...this.flights.values()];
  }

  get size(): number {
    return this.flights.size;
  }

  clear(): void {
    this.flights.clear();
    this.routineSlots.clear();
    this.thinned.clear();
  }

  private slotFlight(event: MessageEvent): Flight | undefined {
    const slot = this.routineSlots.get(slotKey(event));
    return slot === undefined ? undefined : this.flights.get(slot);
  }

  /** A routine flight of this kind is on this link and started less than a minimum flight ago. */
  private slotBusy(event: MessageEvent, displayAtMs: number): boolean {
    const flight = this.slotFlight(event);
    return flight !== undefined && displayAtMs - flight.startMs < this.timing.minFlightMs;
  }

  private rememberThinned(key: string): void {
    this.thinned.add(key);
    if (this.thinned.size > THINNED_MEMORY) {
      const oldest = this.thinned.values().next().value;
      if (oldest !== undefined) this.thinned.delete(oldest);
    }
  }

  private finished(flight: Flight, nowMs: number): boolean {
    switch (flight.fate) {
      case 'delivered':
        return nowMs >= flight.endMs;
      case 'dropped':
        return nowMs >= flight.endMs + this.timing.burstMs;
      case 'flying':
        return nowMs >= flight.endMs + Math.max(this.timing.forgetAfterMs, flight.endMs - flight.startMs);
    }
  }

  private start(key: string, event: MessageEvent, displayAtMs: number): Flight {
    const flight: Flight = {
      key,
      kind: event.kind,
      from: event.from,
      to: event.to,
      term: event.term,
      entries: event.entries ?? 0,
      reject: event.reject ?? false,
      startMs: displayAtMs,
      endMs: displayAtMs + this.expectedFlightMs,
      stopProgress: 1,
      fate: 'flying',
      dropReason: null,
    };
    this.flights.set(key, flight);
    if (isRoutine(event)) this.routineSlots.set(slotKey(event), key);
    while (this.flights.size > this.timing.maxFlights) {
      const oldest = this.flights.keys().next().value;
      if (oldest === undefined) break;
      this.flights.delete(oldest);
    }
    return flight;
  }
}

/** Where a dropped message dies: at the break of a cut link, at the door of a dead node, else where it was. */
export function dropPoint(reason: string | undefined, progressAtDrop: number): number {
  if (reason === 'cut') return CUT_POINT;
  if (reason === 'dead') return 0.9;
  const progress = Number.isFinite(progressAtDrop) ? progressAtDrop : 0;
  return Math.min(0.8, Math.max(0.25, progress));
}
