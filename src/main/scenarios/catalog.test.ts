import { describe, expect, it } from 'vitest';
import type { ClusterEvent } from '../../shared/api';
import { STAGING_CHECKERS } from '../staging/staging-args';
import { SCENARIOS } from './catalog';
import { splitTerm } from './split-vote';

describe('the scenario catalog', () => {
  it('has the lessons of issue 15, Figure 8 with the rule and UNSAFE, each startable by its id', () => {
    expect(SCENARIOS.map((scenario) => scenario.id)).toEqual([
      'leader-election',
      'leader-crash',
      'split-vote',
      'minority-partition',
      'log-divergence',
      'prevote',
      'stale-read',
      'figure-8',
      'figure-8-unsafe',
      'snapshot-install',
      'add-node',
      'keys-move',
    ]);
    for (const scenario of SCENARIOS) {
      expect(STAGING_CHECKERS.startScenario([scenario.id])).toEqual([scenario.id]);
      expect(
        scenario.steps.some((step) => step.kind === 'narrate'),
        scenario.id,
      ).toBe(true);
    }
  });
});

describe('the growth scenarios (issue 15 item 2, after snapshots, membership, resharding)', () => {
  it('each waits for what it stages and ends on a narrated pause that explains the outcome', () => {
    for (const id of ['snapshot-install', 'add-node', 'keys-move']) {
      const scenario = SCENARIOS.find((candidate) => candidate.id === id);
      expect(scenario, id).toBeDefined();
      expect(
        scenario!.steps.some((step) => step.kind === 'wait'),
        id,
      ).toBe(true);
      expect(scenario!.steps.at(-1)?.kind, id).toBe('narrate');
      expect(scenario!.title.length, id).toBeGreaterThan(0);
    }
  });
});

describe('spotting a split vote in the event history', () => {
  const role = (node: string, term: number, r: 'candidate' | 'leader' = 'candidate'): ClusterEvent => ({
    type: 'role',
    at: 0,
    node,
    role: r,
    term,
  });

  it('finds the first later term with two or more candidates', () => {
    const events = [role('a', 2), role('b', 3), role('a', 4), role('c', 4), role('b', 5), role('c', 5)];
    expect(splitTerm(events, 1)).toEqual({ term: 4, nodes: ['a', 'c'] });
    expect(splitTerm(events, 4)).toEqual({ term: 5, nodes: ['b', 'c'] });
  });

  it('finds none when each term had one candidate, or only in earlier terms', () => {
    expect(splitTerm([role('a', 2), role('a', 2), role('b', 3), role('b', 3, 'leader')], 0)).toBeNull();
    expect(splitTerm([role('a', 2), role('b', 2)], 2)).toBeNull();
  });
});
