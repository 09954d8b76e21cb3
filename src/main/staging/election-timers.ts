// Align or spread the election timers, as RaftScope's keys do. The core keeps no API for this (it
// is a teaching tool, not Raft), so it sets the two public timer fields of the core class between
// ticks, where the core never looks at them mid-step. Leaders are left alone: their timer is the
// CheckQuorum check, not an election.
import { Raft } from '../../shared/raft/raft';
import type { RaftCore } from '../../shared/raft/types';

export interface TimerTarget {
  readonly group: number;
  readonly core: RaftCore;
}

function followersByGroup(targets: readonly TimerTarget[]): Map<number, Raft[]> {
  const groups = new Map<number, Raft[]>();
  for (const { group, core } of targets) {
    if (!(core instanceof Raft) || core.behaviour.role === 'leader') continue;
    const list = groups.get(group) ?? [];
    list.push(core);
    groups.set(group, list);
  }
  return groups;
}

/** Every non-leader restarts its timer with the same timeout: they all fire on the same tick. */
export function alignElectionTimers(targets: readonly TimerTarget[]): number {
  let count = 0;
  for (const cores of followersByGroup(targets).values()) {
    for (const core of cores) {
      core.electionElapsed = 0;
      core.electionTimeout = core.config.electionTicksMax - 1;
      count++;
    }
  }
  return count;
}

/** Non-leaders of each group get timeouts spread evenly over the range, in configuration order. */
export function spreadElectionTimers(targets: readonly TimerTarget[]): number {
  let count = 0;
  for (const cores of followersByGroup(targets).values()) {
    cores.forEach((core, index) => {
      const { electionTicksMin: min, electionTicksMax: max } = core.config;
      const span = max - 1 - min;
      core.electionElapsed = 0;
      core.electionTimeout = cores.length === 1 ? min : min + Math.round((index * span) / (cores.length - 1));
      count++;
    });
  }
  return count;
}

/** A candidate's (or pre-candidate's) tally: who granted (true) or refused (false). */
export function voteTally(core: RaftCore): Record<string, boolean> | undefined {
  if (!(core instanceof Raft)) return undefined;
  const role = core.behaviour.role;
  if (role !== 'candidate' && role !== 'precandidate') return undefined;
  return Object.fromEntries(core.votes);
}
