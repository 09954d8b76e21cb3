// A split vote, forced: the leader dies, and with the clock paused every follower is made to time
// out at the same moment. Each votes for itself, nobody reaches a majority, and randomized
// timeouts settle it in a later term (§5.2).
import type { ClusterEvent } from '../../shared/api';
import { prepareCluster } from './prepare';
import { act, leaderOf, membersOf, narrate, need, nodeOf, type Scenario, short, wait } from './scenario';

/** The first term after `afterTerm` in which two or more nodes became candidates, with them. */
export function splitTerm(
  events: readonly ClusterEvent[],
  afterTerm: number,
): { term: number; nodes: string[] } | null {
  const byTerm = new Map<number, Set<string>>();
  for (const event of events) {
    if (event.type !== 'role' || event.role !== 'candidate' || event.term <= afterTerm) continue;
    const nodes = byTerm.get(event.term) ?? new Set<string>();
    nodes.add(event.node);
    byTerm.set(event.term, nodes);
  }
  const split = [...byTerm].filter(([, nodes]) => nodes.size >= 2).sort(([a], [b]) => a - b)[0];
  return split ? { term: split[0], nodes: [...split[1]] } : null;
}

export const splitVote: Scenario = {
  id: 'split-vote',
  title: 'Split vote',
  summary: 'Several followers time out together, split the votes, and nobody wins; a later term elects a leader.',
  preconditions: { minGroupSize: 3 },
  steps: [
    ...prepareCluster(),
    act(async ({ api, state, vars }) => {
      const now = await state();
      const leader = leaderOf(now)!;
      vars.set('preVote', now.raft.preVote);
      vars.set('oldLeader', leader);
      vars.set('oldTerm', nodeOf(now, leader)?.term ?? 0);
      // With PreVote a rehearsal round comes first, and one node can still win it early.
      if (now.raft.preVote) await api.setRaftOptions({ preVote: false });
      await api.kill(leader);
    }, 'PreVote is off for this lesson, so candidates start at once. The leader crashes.'),
    act(async ({ api, state }) => {
      await api.setClock({ paused: true });
      const now = await state();
      for (const id of membersOf(now)) if (nodeOf(now, id)?.alive) await api.forceTimeout(id);
      await api.setClock({ paused: false });
    }, 'The clock is paused and every follower is made to time out at the same moment; then time runs again.'),
    wait('two or more candidates in one term', (context) => {
      const split = splitTerm(context.events, need<number>(context, 'oldTerm'));
      if (split) context.vars.set('split', split);
      return split !== null;
    }),
    narrate(({ vars }) => {
      const split = vars.get('split') as { term: number; nodes: string[] };
      return `${split.nodes.map(short).join(', ')} are all candidates in term ${split.term}. Each voted for itself, so nobody can collect a majority: a split vote. Their timers restart with new random timeouts.`;
    }),
    wait('a leader in a later term', (context, state) => {
      const leader = leaderOf(state);
      const term = leader === null ? 0 : (nodeOf(state, leader)?.term ?? 0);
      if (leader !== null) context.vars.set('leader', leader);
      return term > need<{ term: number }>(context, 'split').term;
    }),
    narrate(
      ({ vars }) =>
        `${short(vars.get('leader') as string)} timed out first in the next round and won. Randomized timeouts make repeated splits unlikely.`,
    ),
    act(async (context) => {
      if (need<boolean>(context, 'preVote')) await context.api.setRaftOptions({ preVote: true });
      await context.api.restart(need<string>(context, 'oldLeader'));
    }, 'PreVote is restored and the crashed node restarts.'),
  ],
};
