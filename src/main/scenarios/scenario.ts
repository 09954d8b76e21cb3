// A guided scenario is data: an id, a title, a summary, what the cluster must be like, and steps.
// Steps are of three kinds: an action on the cluster, a wait for something observed in the state
// or the event history (with a timeout), and a narrated pause that waits for Next. One engine
// (engine.ts) runs them all; a new scenario is one small file in this folder plus a line in
// catalog.ts.
import type { ClusterApi, ClusterEvent, ClusterState, NodeId } from '../../shared/api';

/** What a step sees and may use. `vars` carries facts between steps (the old leader, a term). */
export interface ScenarioContext {
  readonly api: ClusterApi;
  /** A fresh snapshot of the cluster. */
  state(): Promise<ClusterState>;
  /** Every event since the scenario started, oldest first. */
  readonly events: readonly ClusterEvent[];
  readonly vars: Map<string, unknown>;
}

export type Narration = string | ((context: ScenarioContext) => string);

export type ScenarioStep =
  | { readonly kind: 'act'; readonly say?: Narration; readonly run: (context: ScenarioContext) => Promise<void> }
  | {
      readonly kind: 'wait';
      readonly say?: Narration;
      /** What is awaited, for the error when it times out. */
      readonly what: string;
      readonly until: (context: ScenarioContext, state: ClusterState) => boolean;
      /** Wall-clock ms; the engine scales it by the cluster's timescale. */
      readonly timeoutMs: number;
    }
  | { readonly kind: 'narrate'; readonly say: Narration };

export interface ScenarioPreconditions {
  /** Group 0 needs at least this many members. */
  readonly minGroupSize: number;
  /** Needs the Figure 8 lesson modes (`raftlab cluster` and the desktop app have them). */
  readonly lessonMode?: boolean;
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly preconditions: ScenarioPreconditions;
  readonly steps: readonly ScenarioStep[];
}

// ---------------------------------------------------------------------------------------------
// Small helpers that scenarios share, so each scenario file reads as its story.

export function act(run: (context: ScenarioContext) => Promise<void>, say?: Narration): ScenarioStep {
  return say === undefined ? { kind: 'act', run } : { kind: 'act', run, say };
}

export function wait(
  what: string,
  until: (context: ScenarioContext, state: ClusterState) => boolean,
  timeoutMs = 15_000,
  say?: Narration,
): ScenarioStep {
  return say === undefined ? { kind: 'wait', what, until, timeoutMs } : { kind: 'wait', what, until, timeoutMs, say };
}

export function narrate(say: Narration): ScenarioStep {
  return { kind: 'narrate', say };
}

/** Group 0's leader, if exactly one live node leads it in the highest term. */
export function leaderOf(state: ClusterState, group = 0): NodeId | null {
  return state.groups[group]?.leader ?? null;
}

export function nodeOf(state: ClusterState, id: NodeId) {
  return state.nodes.find((node) => node.id === id);
}

export function membersOf(state: ClusterState, group = 0): readonly NodeId[] {
  return state.groups[group]?.members ?? [];
}

/** The variable set by an earlier step; a missing one is a bug in the scenario, said loudly. */
export function need<T>(context: ScenarioContext, name: string): T {
  if (!context.vars.has(name)) throw new Error(`scenario bug: '${name}' was never set`);
  return context.vars.get(name) as T;
}

/** The short name people see (the port), for narration. */
export function short(id: NodeId): string {
  return id.slice(id.lastIndexOf(':') + 1);
}
