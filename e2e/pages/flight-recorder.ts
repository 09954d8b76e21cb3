// Watches the diagram's flights from inside the page, so that no flight that lives between two
// looks is missed: every flight element added while recording, with each fate it showed.
import type { Page } from '@playwright/test';

export interface RecordedFlight {
  readonly kind: string;
  readonly from: string;
  readonly to: string;
  /** Every data-fate the element showed, in order (flying, then delivered or dropped). */
  readonly fates: readonly string[];
  /** Milliseconds after recording started that the element appeared, or was first seen to change. */
  readonly appearedMs: number;
  /** True when the element was already drawn before recording started (only its fate changed since). */
  readonly preexisting: boolean;
}

interface RecorderGlobal {
  __e2eFlights?: {
    observer: MutationObserver;
    startedMs: number;
    seen: Map<Element, RecordedFlight & { fates: string[] }>;
  };
}

export class FlightRecorder {
  constructor(readonly page: Page) {}

  /** Starts (or restarts) recording; flights already drawn are not counted. */
  async start(): Promise<void> {
    await this.page.evaluate(() => {
      const scope = window as unknown as RecorderGlobal;
      scope.__e2eFlights?.observer.disconnect();
      const startedMs = performance.now();
      const seen = new Map<Element, RecordedFlight & { fates: string[] }>();
      const note = (element: Element, added: boolean): void => {
        if (element.getAttribute('data-testid') !== 'flight') return;
        const fate = element.getAttribute('data-fate') ?? '';
        const known = seen.get(element);
        if (known) {
          if (known.fates.at(-1) !== fate) known.fates.push(fate);
          return;
        }
        seen.set(element, {
          kind: element.getAttribute('data-kind') ?? '',
          from: element.getAttribute('data-from') ?? '',
          to: element.getAttribute('data-to') ?? '',
          fates: [fate],
          appearedMs: performance.now() - startedMs,
          preexisting: !added,
        });
      };
      const observer = new MutationObserver((records) => {
        for (const record of records) {
          if (record.type === 'attributes' && record.target instanceof Element) note(record.target, false);
          for (const node of record.addedNodes) {
            if (!(node instanceof Element)) continue;
            note(node, true);
            for (const inner of node.querySelectorAll('[data-testid="flight"]')) note(inner, true);
          }
        }
      });
      observer.observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ['data-fate'],
      });
      scope.__e2eFlights = { observer, startedMs, seen };
    });
  }

  /** The flights seen since `start`, without stopping. */
  read(): Promise<RecordedFlight[]> {
    return this.page.evaluate(() => {
      const recording = (window as unknown as RecorderGlobal).__e2eFlights;
      return recording ? [...recording.seen.values()].map((flight) => ({ ...flight, fates: [...flight.fates] })) : [];
    });
  }

  async stop(): Promise<RecordedFlight[]> {
    const flights = await this.read();
    await this.page.evaluate(() => {
      const scope = window as unknown as RecorderGlobal;
      scope.__e2eFlights?.observer.disconnect();
      delete scope.__e2eFlights;
    });
    return flights;
  }
}

/** Whether a recorded flight went between the two nodes, either way. */
export function between(flight: RecordedFlight, a: string, b: string): boolean {
  return (flight.from === a && flight.to === b) || (flight.from === b && flight.to === a);
}
