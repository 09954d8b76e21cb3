// The staging tools and guided scenarios of issue 15, as part of the host/view contract. Kept
// beside api.ts (which extends StagingApi) so the teaching surface reads as one piece.
import type { NodeId } from './raft/types';

/** A message held by pause, waiting to be stepped or dropped by hand. */
export interface HeldMessageView {
  /** The id its `send` event carried; also the order in which `step` delivers. */
  readonly id: number;
  readonly kind: string;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  /** Every other field of the message, flattened for the inspector (entries as `index/term` lists). */
  readonly fields: Readonly<Record<string, string | number | boolean>>;
}

export interface ScenarioSummary {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
}

export type ScenarioPhase = 'running' | 'narrating' | 'done' | 'failed' | 'stopped';

/** Where the running (or last) scenario stands, for the dashboard's scenario menu. */
export interface ScenarioStatus {
  readonly id: string;
  readonly title: string;
  /** 1-based index of the current step, out of `steps`. */
  readonly step: number;
  readonly steps: number;
  readonly phase: ScenarioPhase;
  /** What the current step says, or what the scenario last said. */
  readonly narration: string;
  /** Failed: why (a wait that timed out, an action the cluster refused). */
  readonly error?: string;
  /** Seconds of wall time from start to done. */
  readonly seconds?: number;
}

export interface StagingView {
  /** Held messages in the order `step` delivers them. */
  readonly held: readonly HeldMessageView[];
  readonly scenario: ScenarioStatus | null;
}

export interface StepResult {
  /** How many held messages were let go (fewer than asked when fewer were held). */
  readonly delivered: number;
}

export interface StagingApi {
  /** While paused: delivers the next `count` held messages, in id order. 409 unless paused. */
  step(count: number): Promise<StepResult>;
  /** Drops one held message (by its id) instead of delivering it. 404 if it is not held. */
  dropMessage(id: number): Promise<void>;
  /** Every running node's election timer gets the same timeout and starts from zero together. */
  alignTimers(): Promise<void>;
  /** Election timers spread far apart, so one node clearly times out first. */
  spreadTimers(): Promise<void>;
  scenarios(): Promise<ScenarioSummary[]>;
  /** Stops any running scenario, then starts this one. 404 for an unknown id. */
  startScenario(id: string): Promise<void>;
  stopScenario(): Promise<void>;
  /** Ends the current narrated pause (the Next button, a presenter's clicker). */
  nextScenarioStep(): Promise<void>;
}

export const STAGING_OPERATIONS = [
  'step',
  'dropMessage',
  'alignTimers',
  'spreadTimers',
  'scenarios',
  'startScenario',
  'stopScenario',
  'nextScenarioStep',
] as const satisfies readonly (keyof StagingApi)[];
