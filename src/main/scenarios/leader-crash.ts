// The leader crashes: the followers stop hearing heartbeats, one times out and wins a later term;
// the old leader comes back, sees the higher term and follows (§5.2, §5.1).
import { prepareCluster } from './prepare';
import { act, leaderOf, narrate, need, nodeOf, type Scenario, short, wait } from './scenario';

export const leaderCrash: Scenario = {
  id: 'leader-crash',
  title: 'Leader crash',
  summary:
    'The leader dies; a follower times out and is elected in a later term; the old leader returns as a follower.',
  preconditions: { minGroupSize: 3 },
  steps: [
    ...prepareCluster(),
    act(async ({ state, vars }) => {
      const now = await state();
      const leader = leaderOf(now)!;
      vars.set('oldLeader', leader);
      vars.set('oldTerm', nodeOf(now, leader)?.term ?? 0);
    }),
    narrate(
      ({ vars }) =>
        `${short(vars.get('oldLeader') as string)} leads term ${vars.get('oldTerm')}. Its heartbeats keep every follower's election timer from running out. Next: it crashes.`,
    ),
    act(
      async (context) => context.api.kill(need<string>(context, 'oldLeader')),
      ({ vars }) => `${short(vars.get('oldLeader') as string)} crashed. The followers' timers are now running down.`,
    ),
    wait('a new leader in a later term', (context, state) => {
      const leader = leaderOf(state);
      if (leader === null || leader === need<string>(context, 'oldLeader')) return false;
      const term = nodeOf(state, leader)?.term ?? 0;
      context.vars.set('newLeader', leader);
      context.vars.set('newTerm', term);
      return term > need<number>(context, 'oldTerm');
    }),
    narrate(
      ({ vars }) =>
        `${short(vars.get('newLeader') as string)} timed out first and won term ${vars.get('newTerm')} with a majority of the remaining nodes. Next: the old leader comes back.`,
    ),
    act(
      async (context) => context.api.restart(need<string>(context, 'oldLeader')),
      ({ vars }) =>
        `${short(vars.get('oldLeader') as string)} restarts from its disk, still in term ${vars.get('oldTerm')}.`,
    ),
    wait('the old leader to follow the new term', (context, state) => {
      const old = nodeOf(state, need<string>(context, 'oldLeader'));
      return old?.alive === true && old.role === 'follower' && old.term >= need<number>(context, 'newTerm');
    }),
    narrate(
      ({ vars }) =>
        `${short(vars.get('oldLeader') as string)} heard term ${vars.get('newTerm')} from the new leader, which is higher than its own: it became a follower. One leader per term, always.`,
    ),
  ],
};
