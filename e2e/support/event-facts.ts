// Facts a scenario spec reads from the event history: who became what in which term, which
// faults happened when, and how each client request ended. Positions are indexes into the history,
// so "after the heal" means after the heal's fault event.
import type { ClusterEvent } from '../../src/shared/api';

export type RoleEvent = Extract<ClusterEvent, { type: 'role' }>;
export type FaultEvent = Extract<ClusterEvent, { type: 'fault' }>;

export function indexOfFault(events: readonly ClusterEvent[], action: FaultEvent['action'], from = 0): number {
  const at = events.findIndex((event, index) => index >= from && event.type === 'fault' && event.action === action);
  if (at < 0) throw new Error(`no '${action}' fault in the event history after position ${from}`);
  return at;
}

export function roleEvents(events: readonly ClusterEvent[], from = 0, to = events.length): RoleEvent[] {
  return events.slice(from, to).filter((event): event is RoleEvent => event.type === 'role');
}

/** Each term in which two or more different nodes became candidates, with those nodes. */
export function splitTerms(events: readonly ClusterEvent[]): Map<number, Set<string>> {
  const byTerm = new Map<number, Set<string>>();
  for (const event of roleEvents(events)) {
    if (event.role !== 'candidate') continue;
    byTerm.set(event.term, (byTerm.get(event.term) ?? new Set()).add(event.node));
  }
  return new Map([...byTerm].filter(([, nodes]) => nodes.size >= 2));
}

/** Client commands as request/reply pairs, in the order they were sent. */
export function commands(
  events: readonly ClusterEvent[],
): { op: string; key: string; via: string; ok: boolean | null; position: number }[] {
  const replies = new Map<number, Extract<ClusterEvent, { type: 'reply' }>>();
  for (const event of events) if (event.type === 'reply') replies.set(event.id, event);
  return events.flatMap((event, position) =>
    event.type === 'request'
      ? [{ op: event.op, key: event.key, via: event.via, ok: replies.get(event.id)?.ok ?? null, position }]
      : [],
  );
}
