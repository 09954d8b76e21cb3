import { describe, expect, it } from 'vitest';
import type { ClusterEvent } from '../../shared/api';
import { SafetyMonitor } from './safety-monitor';

const GROUP = ['a', 'b', 'c'];

function monitor(): SafetyMonitor {
  return new SafetyMonitor((node) => (GROUP.includes(node) ? 0 : -1));
}

let clock = 0;
const leader = (node: string, term: number): ClusterEvent => ({
  type: 'role',
  at: ++clock,
  node,
  role: 'leader',
  term,
});
/** Entries first..last of one term (or of the given runs), replacing anything from `first` on. */
const append = (node: string, first: number, last: number, term: number, runs?: [number, number][]): ClusterEvent => ({
  type: 'append',
  at: ++clock,
  node,
  index: last,
  term,
  count: last - first + 1,
  ...(runs ? { runs } : {}),
});
const commit = (node: string, index: number): ClusterEvent => ({ type: 'commit', at: ++clock, node, index });
const apply = (node: string, index: number): ClusterEvent => ({ type: 'apply', at: ++clock, node, index });

function feed(m: SafetyMonitor, events: readonly ClusterEvent[]): SafetyMonitor {
  for (const event of events) m.observe(event);
  return m;
}

/** A correct history: a leader in term 1, replication, a new leader in term 2 that repairs c's log. */
const CORRECT: readonly ClusterEvent[] = [
  leader('a', 1),
  append('a', 1, 2, 1),
  append('b', 1, 2, 1),
  commit('a', 2),
  apply('a', 2),
  commit('b', 2),
  apply('b', 2),
  // c took an uncommitted entry 3 of term 1 from a that the next leader replaces.
  append('a', 3, 3, 1),
  append('c', 1, 3, 1),
  leader('b', 2),
  append('b', 3, 4, 2),
  append('c', 3, 4, 2),
  commit('b', 4),
  apply('b', 4),
  commit('c', 4),
  apply('c', 4),
  // a catches up with a batch spanning two terms.
  append('a', 2, 4, 2, [
    [2, 1],
    [3, 2],
  ]),
  commit('a', 4),
  apply('a', 4),
];

describe('SafetyMonitor', () => {
  it('stays quiet on a correct history, repairs and multi-term batches included', () => {
    const report = feed(monitor(), CORRECT).report();
    expect(Object.values(report).every((check) => check.ok)).toBe(true);
  });

  it('Election Safety: two leaders of one term in one group, with both names', () => {
    const report = feed(monitor(), [leader('a', 3), leader('b', 3)]).report();
    expect(report.electionSafety).toMatchObject({ ok: false, violation: { nodes: ['a', 'b'], terms: [3] } });
    expect(report.logMatching.ok).toBe(true);
  });

  it('Election Safety: leaders of one term in different groups are fine', () => {
    const m = new SafetyMonitor((node) => (node === 'x' ? 1 : 0));
    expect(feed(m, [leader('a', 3), leader('x', 3)]).report().electionSafety.ok).toBe(true);
  });

  it('Log Matching: same index and term, different entry before it', () => {
    const report = feed(monitor(), [append('a', 1, 2, 1), append('b', 1, 1, 2), append('b', 2, 2, 1)]).report();
    expect(report.logMatching).toMatchObject({ ok: false, violation: { nodes: ['b', 'a'], index: 1, terms: [2, 1] } });
  });

  it('Leader Completeness: a new leader without an entry committed before it', () => {
    const report = feed(monitor(), [
      append('a', 1, 1, 1),
      append('b', 1, 1, 1),
      commit('a', 1),
      append('c', 1, 1, 2),
      leader('c', 3),
    ]).report();
    expect(report.leaderCompleteness).toMatchObject({
      ok: false,
      violation: { nodes: ['c', 'a'], index: 1, terms: [1, 2] },
    });
  });

  it('Leader Completeness: a new leader whose log ends before a committed index', () => {
    const report = feed(monitor(), [
      append('a', 1, 2, 1),
      append('b', 1, 2, 1),
      commit('a', 2),
      append('c', 1, 1, 1),
      leader('c', 2),
    ]).report();
    expect(report.leaderCompleteness).toMatchObject({
      ok: false,
      violation: { nodes: ['c', 'a'], index: 2, terms: [1, 0] },
    });
  });

  it('Leader Completeness: a committed entry replaced on a node', () => {
    const report = feed(monitor(), [append('a', 1, 1, 1), commit('a', 1), append('a', 1, 1, 2)]).report();
    expect(report.leaderCompleteness).toMatchObject({ ok: false, violation: { index: 1, terms: [1, 2] } });
  });

  it('State Machine Safety: two nodes apply different entries at one index', () => {
    const report = feed(monitor(), [append('a', 1, 1, 1), apply('a', 1), append('b', 1, 1, 2), apply('b', 1)]).report();
    expect(report.stateMachineSafety).toMatchObject({
      ok: false,
      violation: { nodes: ['a', 'b'], index: 1, terms: [1, 2] },
    });
  });

  it('keeps the first violation and counts the rest', () => {
    const report = feed(monitor(), [leader('a', 3), leader('b', 3), leader('c', 3)]).report();
    expect(report.electionSafety).toMatchObject({ ok: false, count: 2, violation: { nodes: ['a', 'b'] } });
  });

  it('never judges what it could not see: a log recovered from disk is of unknown terms', () => {
    const m = monitor();
    m.nodeStarted('c', 5);
    const report = feed(m, [append('a', 1, 3, 1), commit('a', 3), leader('c', 2), apply('c', 3)]).report();
    expect(Object.values(report).every((check) => check.ok)).toBe(true);
  });

  it('a restart re-applies from index 1 without tripping State Machine Safety', () => {
    const restart: ClusterEvent = { type: 'fault', at: ++clock, action: 'restart', node: 'a' };
    const report = feed(monitor(), [append('a', 1, 2, 1), apply('a', 2), restart, apply('a', 2)]).report();
    expect(report.stateMachineSafety.ok).toBe(true);
  });
});
