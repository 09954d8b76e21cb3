import { describe, expect, it } from 'vitest';
import {
  BREAK_POINT,
  burstFraction,
  CUT_POINT,
  FlightTracker,
  flightProgress,
  type MessageEvent,
} from './flight-tracker';

const timing = { minFlightMs: 400, burstMs: 500, forgetAfterMs: 10_000, maxFlights: 3 };

function message(type: MessageEvent['type'], id: number, extra: Partial<MessageEvent> = {}): MessageEvent {
  return { type, id, at: 0, kind: 'App', from: 'a', to: 'b', term: 2, size: 10, entries: 1, ...extra } as MessageEvent;
}

function only(tracker: FlightTracker, nowMs: number) {
  const [flight, ...rest] = tracker.visible(nowMs);
  expect(rest).toEqual([]);
  if (!flight) throw new Error('expected one flight');
  return flight;
}

describe('message flights', () => {
  it('start at the sender on send and move at an even pace to the receiver', () => {
    const tracker = new FlightTracker(timing);
    tracker.apply(message('send', 1), 1000);
    const flight = only(tracker, 1000);
    expect(flight).toMatchObject({ from: 'a', to: 'b', kind: 'App', entries: 1, fate: 'flying' });
    expect(flightProgress(flight, 1000)).toBe(0);
    expect(flightProgress(flight, 1200)).toBeCloseTo(0.5);
    expect(flightProgress(flight, 9000)).toBe(1);
  });

  it('land at the delivery time when the network was slower than the minimum', () => {
    const tracker = new FlightTracker(timing);
    tracker.apply(message('send', 1), 1000);
    tracker.apply(message('deliver', 1), 2000);
    const flight = only(tracker, 1500);
    expect(flight.fate).toBe('delivered');
    expect(flightProgress(flight, 1500)).toBeCloseTo(0.5);
    expect(tracker.visible(2000)).toEqual([]);
  });

  it('last at least the minimum when delivery was almost instant', () => {
    const tracker = new FlightTracker(timing);
    tracker.apply(message('send', 1), 1000);
    tracker.apply(message('deliver', 1), 1001);
    expect(only(tracker, 1200).endMs).toBe(1400);
  });

  it('pair a deliver with its send by sender and id, not by id alone', () => {
    const tracker = new FlightTracker(timing);
    tracker.apply(message('send', 7, { from: 'a', to: 'b' }), 1000);
    tracker.apply(message('send', 7, { from: 'c', to: 'b' }), 1000);
    tracker.apply(message('deliver', 7, { from: 'c', to: 'b' }), 1100);
    const fates = tracker.visible(1100).map((f) => `${f.from}:${f.fate}`);
    expect(fates).toEqual(['a:flying', 'c:delivered']);
  });

  it('die at the break of a cut link and burst there before vanishing', () => {
    const tracker = new FlightTracker(timing);
    tracker.apply(message('send', 1), 1000);
    tracker.apply(message('drop', 1, { reason: 'cut' }), 1000);
    const flight = only(tracker, 1100);
    expect(flight.fate).toBe('dropped');
    expect(flight.stopProgress).toBe(CUT_POINT);
    expect(flightProgress(flight, 5000)).toBe(CUT_POINT);
    // Short of the break, on the sender's side: the burst (about a tenth of a link) leaves the cut mark clear.
    expect(CUT_POINT).toBeLessThan(BREAK_POINT - 0.1);
    expect(burstFraction(flight, flight.endMs + 250, timing.burstMs)).toBeCloseTo(0.5);
    expect(tracker.visible(flight.endMs + timing.burstMs)).toEqual([]);
  });

  it('die where they were when lost in transit, never right at either end', () => {
    const tracker = new FlightTracker(timing);
    tracker.apply(message('send', 1), 1000);
    tracker.apply(message('drop', 1, { reason: 'loss' }), 1240);
    expect(only(tracker, 1240).stopProgress).toBeCloseTo(0.6);
    tracker.apply(message('send', 2), 2000);
    tracker.apply(message('drop', 2, { reason: 'loss' }), 2000);
    expect(tracker.visible(2000).find((f) => f.key === 'a#2')?.stopProgress).toBe(0.25);
  });

  it('show a drop that arrives without its send as a short flight that dies', () => {
    const tracker = new FlightTracker(timing);
    tracker.apply(message('drop', 3, { reason: 'cut' }), 500);
    expect(only(tracker, 500)).toMatchObject({ fate: 'dropped', stopProgress: CUT_POINT });
  });

  it('ignore a deliver whose send was never seen', () => {
    const tracker = new FlightTracker(timing);
    tracker.apply(message('deliver', 9), 500);
    expect(tracker.visible(500)).toEqual([]);
  });

  it('forget the oldest flights beyond the limit', () => {
    const tracker = new FlightTracker(timing);
    for (let id = 1; id <= 5; id++) tracker.apply(message('send', id), 1000 + id);
    expect(tracker.visible(1010).map((f) => f.key)).toEqual(['a#3', 'a#4', 'a#5']);
  });

  it('forget a flight that never resolves soon after it should have landed', () => {
    const tracker = new FlightTracker({ ...timing, forgetAfterMs: 1000 });
    tracker.apply(message('send', 1), 1000);
    expect(tracker.visible(2399)).toHaveLength(1);
    expect(tracker.visible(2400)).toEqual([]);
  });

  it('give a slow flight with no news as long again as it was planned before forgetting it', () => {
    const tracker = new FlightTracker({ ...timing, forgetAfterMs: 1000 });
    tracker.setExpectedFlightMs(3000);
    tracker.apply(message('send', 1), 0);
    expect(tracker.visible(5999)).toHaveLength(1);
    expect(tracker.visible(6000)).toEqual([]);
  });

  it('plan for the expected network delay before the deliver arrives', () => {
    const tracker = new FlightTracker(timing);
    tracker.setExpectedFlightMs(2000);
    tracker.apply(message('send', 1), 0);
    expect(flightProgress(only(tracker, 1000), 1000)).toBeCloseTo(0.5);
    tracker.setExpectedFlightMs(5);
    tracker.apply(message('send', 2), 0);
    expect(tracker.visible(0).find((f) => f.key === 'a#2')?.endMs).toBe(timing.minFlightMs);
  });
});

describe('routine traffic thinning', () => {
  const beat = (type: MessageEvent['type'], id: number, extra: Partial<MessageEvent> = {}) =>
    message(type, id, { kind: 'Heartbeat', entries: undefined, ...extra });

  it('draws one heartbeat per link while it is in the air, not a chain of them', () => {
    const tracker = new FlightTracker(timing);
    tracker.apply(beat('send', 1), 1000);
    tracker.apply(beat('send', 2), 1050);
    tracker.apply(beat('deliver', 2), 1060);
    tracker.apply(beat('send', 3), 1500);
    expect(tracker.visible(1500).map((f) => f.key)).toEqual(['a#1', 'a#3']);
  });

  it('keeps heartbeats on different links apart', () => {
    const tracker = new FlightTracker(timing);
    tracker.apply(beat('send', 1, { to: 'b' }), 1000);
    tracker.apply(beat('send', 2, { to: 'c' }), 1000);
    expect(tracker.visible(1000)).toHaveLength(2);
  });

  it('never thins elections, appends with entries or rejections', () => {
    const tracker = new FlightTracker({ ...timing, maxFlights: 10 });
    tracker.apply(message('send', 1, { kind: 'Vote' }), 1000);
    tracker.apply(message('send', 2, { kind: 'Vote' }), 1001);
    tracker.apply(message('send', 3, { kind: 'App', entries: 2 }), 1002);
    tracker.apply(message('send', 4, { kind: 'App', entries: 2 }), 1003);
    tracker.apply(message('send', 5, { kind: 'AppResp', reject: true }), 1004);
    tracker.apply(message('send', 6, { kind: 'AppResp', reject: true }), 1005);
    expect(tracker.visible(1005)).toHaveLength(6);
  });

  it('still shows a thinned message dying when it is lost', () => {
    const tracker = new FlightTracker(timing);
    tracker.apply(beat('send', 1), 1000);
    tracker.apply(beat('send', 2), 1050);
    tracker.apply(beat('drop', 2, { reason: 'loss' }), 1060);
    expect(tracker.visible(1060).map((f) => `${f.key}:${f.fate}`)).toEqual(['a#1:flying', 'a#2:dropped']);
  });

  it('shows one burst, not one per message, on a link already showing a cut', () => {
    const tracker = new FlightTracker(timing);
    tracker.apply(beat('send', 1), 1000);
    tracker.apply(beat('drop', 1, { reason: 'cut' }), 1000);
    tracker.apply(beat('send', 2), 1050);
    tracker.apply(beat('drop', 2, { reason: 'cut' }), 1050);
    expect(tracker.visible(1050).map((f) => f.key)).toEqual(['a#1']);
  });
});

describe('drops without a send', () => {
  it('are thinned like their sends on a link that already shows one', () => {
    const tracker = new FlightTracker(timing);
    const drop = (id: number, at: number) =>
      tracker.apply(message('drop', id, { kind: 'Heartbeat', entries: undefined, reason: 'cut' }), at);
    drop(1, 1000);
    drop(2, 1050);
    drop(3, 1600);
    expect(tracker.visible(1600).map((f) => f.key)).toEqual(['a#1', 'a#3']);
  });
});
