// The live safety monitor's verdicts, as /api/state and the dashboard's lights show them. Each of
// Raft's safety properties (Figure 3 of the paper) is either still holding, or broken with the
// evidence a person needs to see where: which nodes, which index, which terms.
import type { NodeId } from './raft/types';

export const SAFETY_PROPERTIES = ['electionSafety', 'logMatching', 'leaderCompleteness', 'stateMachineSafety'] as const;

export type SafetyProperty = (typeof SAFETY_PROPERTIES)[number];

export const SAFETY_TITLES: Readonly<Record<SafetyProperty, string>> = {
  electionSafety: 'Election Safety',
  logMatching: 'Log Matching',
  leaderCompleteness: 'Leader Completeness',
  stateMachineSafety: 'State Machine Safety',
};

export interface SafetyViolation {
  /** Host time (ms) of the event that showed it. */
  readonly at: number;
  readonly group: number;
  readonly nodes: readonly NodeId[];
  /** The log index concerned; absent for Election Safety, which is about terms. */
  readonly index?: number;
  readonly terms: readonly number[];
  /** One sentence a person can read. */
  readonly detail: string;
}

/** The first violation is kept (later ones are counted): it is the one that explains the rest. */
export type SafetyCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly violation: SafetyViolation; readonly count: number };

export type SafetyReport = Readonly<Record<SafetyProperty, SafetyCheck>>;
