// PreVote on and off (thesis §9.6): without it, a follower cut off from the others keeps raising
// its term and, on rejoining, forces a healthy leader to step down. With it, the cut-off node
// first asks whether it could win; nobody answers, its term stays, and the heal disturbs nobody.
import type { ClusterState } from '../../shared/api';
import { prepareCluster } from './prepare';
import {
  act,
  leaderOf,
  membersOf,
  narrate,
  need,
  nodeOf,
  type Scenario,
  type ScenarioContext,
  short,
  wait,
} from './scenario';

/** Records the leader and term, then cuts one follower off from every other node. */
async function isolateFollower(context: ScenarioContext, suffix: string): Promise<void> {
  const now = await context.state();
  const leader = leaderOf(now)!;
  const follower = membersOf(now).find((id) => id !== leader)!;
  context.vars.set(`leader${suffix}`, leader);
  context.vars.set(`term${suffix}`, nodeOf(now, leader)?.term ?? 0);
  context.vars.set(`follower${suffix}`, follower);
  context.vars.set(`mark${suffix}`, context.events.length);
  await context.api.partition([[follower], membersOf(now).filter((id) => id !== follower)]);
}

function termOf(state: ClusterState, id: string): number {
  return nodeOf(state, id)?.term ?? 0;
}

export const preVote: Scenario = {
  id: 'prevote',
  title: 'PreVote on and off',
  summary: 'A follower cut off from the others disrupts the leader when it returns, unless PreVote is on.',
  preconditions: { minGroupSize: 3 },
  steps: [
    ...prepareCluster(),
    act(async (context) => {
      context.vars.set('preVote', (await context.state()).raft.preVote);
      await context.api.setRaftOptions({ preVote: false });
      await isolateFollower(context, 'Off');
    }, 'PreVote is off. One follower is cut off from every other node.'),
    wait('the cut-off follower to raise its term twice', (context, state) => {
      return termOf(state, need<string>(context, 'followerOff')) >= need<number>(context, 'termOff') + 2;
    }),
    narrate(
      ({ vars }) =>
        `${short(vars.get('followerOff') as string)} hears no leader, so it keeps starting elections that nobody can answer, each in a higher term. The rest of the group is fine under ${short(vars.get('leaderOff') as string)} in term ${vars.get('termOff')}. Next: the heal.`,
    ),
    act(async ({ api }) => api.heal(), 'The link heals.'),
    wait('a leader in a term above the old one', (context, state) => {
      const leader = leaderOf(state);
      if (leader !== null) context.vars.set('afterOff', termOf(state, leader));
      return leader !== null && termOf(state, leader) > need<number>(context, 'termOff');
    }),
    narrate(
      ({ vars }) =>
        `The returning node's higher term made the healthy leader step down, and the group had to elect again (now term ${vars.get('afterOff')}). A needless disruption.`,
    ),
    act(async (context) => {
      await context.api.setRaftOptions({ preVote: true });
      await isolateFollower(context, 'On');
    }, 'Now PreVote is on, and a follower is cut off the same way.'),
    wait('the cut-off follower to try two pre-elections', (context, state) => {
      const follower = need<string>(context, 'followerOn');
      const since = context.events.slice(need<number>(context, 'markOn'));
      const asked = since.filter((e) => e.type === 'send' && e.from === follower && e.kind === 'PreVote').length;
      // Two rounds: one PreVote to each other member, twice.
      return asked >= 2 * (membersOf(state).length - 1);
    }),
    narrate(
      ({ vars }) =>
        `${short(vars.get('followerOn') as string)} only asks "would you vote for me?" first. Nobody can answer, so it never raises its term: it stays in term ${vars.get('termOn')}. Next: the heal.`,
    ),
    act(async ({ api }) => api.heal(), 'The link heals.'),
    wait('the returning follower to follow the same leader', (context, state) => {
      const follower = nodeOf(state, need<string>(context, 'followerOn'));
      return follower?.role === 'follower' && follower.leader === need<string>(context, 'leaderOn');
    }),
    narrate(
      ({ vars }) =>
        `Nothing was disrupted: ${short(vars.get('leaderOn') as string)} still leads term ${vars.get('termOn')}, and the returning node simply follows it.`,
    ),
    act(async (context) => {
      await context.api.setRaftOptions({ preVote: need<boolean>(context, 'preVote') });
    }, 'PreVote is set back as it was.'),
  ],
};
