// Counts of every fault and client action a run exercised, so that a passing run can show what it
// actually survived.
import type { NetworkStats } from '../harness/network';

export const ACTIONS = [
  'tick',
  'propose',
  'read',
  'crash',
  'tornCrash',
  'restart',
  'partition',
  'oneWayCut',
  'isolate',
  'heal',
  'weather',
  'transfer',
  'campaign',
  'toggleOptions',
  'membership',
] as const;

export type Action = (typeof ACTIONS)[number];

export interface FaultMix {
  readonly actions: Record<Action, number>;
  readonly messagesDelivered: number;
  readonly messagesLost: number;
  readonly messagesCut: number;
  readonly messagesToDeadNodes: number;
  readonly messagesDuplicated: number;
  readonly messagesDelayed: number;
  readonly messagesReordered: number;
  readonly leadersElected: number;
  readonly snapshotsTaken: number;
  readonly snapshotsInstalled: number;
  readonly restartsFromSnapshot: number;
  readonly membershipChangesCommitted: number;
  readonly writesAcknowledged: number;
  readonly readsCompleted: number;
}

export function emptyActions(): Record<Action, number> {
  const counts = {} as Record<Action, number>;
  for (const action of ACTIONS) counts[action] = 0;
  return counts;
}

export function networkMix(stats: NetworkStats) {
  return {
    messagesDelivered: Object.values(stats.delivered).reduce((sum, n) => sum + n, 0),
    messagesLost: stats.dropped.loss,
    messagesCut: stats.dropped.cut,
    messagesToDeadNodes: stats.dropped.down,
    messagesDuplicated: stats.duplicated,
    messagesDelayed: stats.delayed,
    messagesReordered: stats.reordered,
  };
}

export function addMix(total: FaultMix | null, run: FaultMix): FaultMix {
  if (total === null) return { ...run, actions: { ...run.actions } };
  const actions = { ...total.actions };
  for (const action of ACTIONS) actions[action] += run.actions[action];
  const sum = { ...total, actions } as Record<string, unknown>;
  for (const [key, value] of Object.entries(run)) {
    if (typeof value === 'number') sum[key] = (total[key as keyof FaultMix] as number) + value;
  }
  return sum as unknown as FaultMix;
}

export function formatMix(mix: FaultMix): string {
  const actions = ACTIONS.map((action) => `${action} ${mix.actions[action]}`).join(', ');
  const rest = Object.entries(mix)
    .filter(([, value]) => typeof value === 'number')
    .map(([key, value]) => `${key} ${value}`)
    .join(', ');
  return `actions: ${actions}\nmessages and outcomes: ${rest}`;
}
