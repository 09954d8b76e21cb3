// What fault tests look at: the leader and members of a group in a state snapshot, the events a
// view would see, and whether a promise is still waiting. Every wait is bounded polling, never a
// fixed sleep used as an assertion.

import type { ClusterHost } from '../../../src/main/host/cluster-host';
import type { RespClient } from '../../../src/main/net/resp-client';
import type { ClusterEvent, ClusterState, LogEntryView, NodeView } from '../../../src/shared/api';
import { text, waitFor } from './cluster';

/** The live leader of the group with the highest term, or null. */
export function leaderOf(state: ClusterState, group = 0): NodeView | null {
  let best: NodeView | null = null;
  for (const node of state.nodes) {
    if (node.group === group && node.alive && node.role === 'leader' && (!best || node.term > best.term)) best = node;
  }
  return best;
}

export function membersOf(state: ClusterState, group = 0): NodeView[] {
  return state.nodes.filter((node) => node.group === group);
}

export function nodeOf(state: ClusterState, id: string): NodeView {
  const node = state.nodes.find((n) => n.id === id);
  if (!node) throw new Error(`no node ${id} in the state`);
  return node;
}

export function maxTerm(state: ClusterState, group = 0): number {
  return Math.max(...membersOf(state, group).map((node) => node.term));
}

/** Resolves once exactly one live node among `ids` leads, with that node. */
export function waitForLeaderAmong(host: ClusterHost, ids: readonly string[], timeoutMs = 10_000): Promise<NodeView> {
  return waitFor(
    `a leader among ${ids.join(', ')}`,
    async () => {
      const state = await host.state();
      const leaders = state.nodes.filter((n) => ids.includes(n.id) && n.alive && n.role === 'leader');
      return leaders.length === 1 ? leaders[0] : null;
    },
    timeoutMs,
  );
}

function sameEntries(a: readonly LogEntryView[], b: readonly LogEntryView[]): boolean {
  return a.length === b.length && a.every((entry, i) => entryKey(entry) === entryKey(b[i]!));
}

function entryKey(entry: LogEntryView): string {
  return `${entry.index}/${entry.term}/${entry.command}`;
}

/**
 * Resolves once every live node of the group has the same last log index, commit index and
 * applied index, and the same log tail: the group has converged on one log.
 */
export function waitForOneLog(host: ClusterHost, group = 0, timeoutMs = 10_000): Promise<ClusterState> {
  return waitFor(
    `one log in group ${group}`,
    async () => {
      const state = await host.state();
      const live = membersOf(state, group).filter((n) => n.alive);
      const first = live[0];
      if (!first) return null;
      const converged = live.every(
        (n) =>
          n.lastLogIndex === first.lastLogIndex &&
          n.commitIndex === first.lastLogIndex &&
          n.appliedIndex === first.lastLogIndex &&
          sameEntries(n.log, first.log),
      );
      return converged ? state : null;
    },
    timeoutMs,
  );
}

/** A send, deliver or drop of one Raft message. */
export type MessageEvent = Extract<ClusterEvent, { readonly kind: unknown }>;

export function messageEvents(events: readonly ClusterEvent[]): MessageEvent[] {
  return events.filter(
    (event): event is MessageEvent => event.type === 'send' || event.type === 'deliver' || event.type === 'drop',
  );
}

/** Everything the host publishes to a view, in arrival order, with the real time of each batch. */
export interface EventRecorder {
  readonly events: ClusterEvent[];
  readonly batchTimesMs: number[];
  stop(): void;
}

export function recordEvents(host: ClusterHost): EventRecorder {
  const events: ClusterEvent[] = [];
  const batchTimesMs: number[] = [];
  const stop = host.onEvents((batch) => {
    batchTimesMs.push(performance.now());
    events.push(...batch);
  });
  return { events, batchTimesMs, stop };
}

/** True if `promise` has neither resolved nor rejected after `ms` of real time. */
export async function stillPendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const pending = Symbol('pending');
  const timer = new Promise<typeof pending>((resolve) => setTimeout(() => resolve(pending), ms));
  const outcome = await Promise.race([
    promise.then(
      () => null,
      () => null,
    ),
    timer,
  ]);
  return outcome === pending;
}

/** SETs `count` keys `${prefix}-i` one after another; returns the keys acknowledged with OK. */
export async function writeKeys(client: RespClient, prefix: string, count: number): Promise<string[]> {
  const acknowledged: string[] = [];
  for (let i = 0; i < count; i++) {
    const key = `${prefix}-${i}`;
    if (text(await client.command('SET', key, `value of ${key}`)) === 'OK') acknowledged.push(key);
  }
  return acknowledged;
}

export function valueFor(key: string): string {
  return `value of ${key}`;
}
