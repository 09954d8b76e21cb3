// Leader election from a cold start: every node of group 0 goes down and comes back; one times
// out first, asks for votes, and wins a majority (§5.2).
import { prepareCluster } from './prepare';
import { act, leaderOf, membersOf, narrate, need, nodeOf, type Scenario, short, wait } from './scenario';

export const leaderElection: Scenario = {
  id: 'leader-election',
  title: 'Leader election',
  summary:
    'All nodes start as followers; the first whose election timer runs out becomes a candidate and wins a majority.',
  preconditions: { minGroupSize: 3 },
  steps: [
    ...prepareCluster(),
    act(async ({ api, state, vars }) => {
      const now = await state();
      vars.set('startTerm', Math.max(...membersOf(now).map((id) => nodeOf(now, id)?.term ?? 0)));
      for (const id of membersOf(now)) await api.kill(id);
    }, 'Every node of group 0 goes down, to show an election from the start.'),
    narrate(
      'All nodes are down. When they start, each is a follower with a random election timeout: whoever hears nothing from a leader before its timer runs out will stand for election.',
    ),
    act(async ({ api, state }) => {
      for (const id of membersOf(await state())) await api.restart(id);
      await api.spreadTimers();
    }, 'Starting every node again. Their timers are spread, so one clearly runs out first.'),
    wait('a candidate in a new term', (context) => {
      const startTerm = need<number>(context, 'startTerm');
      const first = context.events.find((e) => e.type === 'role' && e.role === 'candidate' && e.term > startTerm);
      if (first?.type === 'role') context.vars.set('candidate', first.node);
      return first !== undefined;
    }),
    narrate(
      ({ vars }) =>
        `${short(vars.get('candidate') as string)} timed out first. It moved to a new term, voted for itself, and sent RequestVote to every other node.`,
    ),
    wait('a leader elected in a new term', (context, state) => {
      const leader = leaderOf(state);
      const node = leader === null ? undefined : nodeOf(state, leader);
      if (leader !== null) context.vars.set('leader', leader);
      return node !== undefined && node.term > need<number>(context, 'startTerm');
    }),
    narrate(
      ({ vars }) =>
        `${short(vars.get('leader') as string)} won votes from a majority and leads. Its heartbeats now reset every follower's timer, so nobody else stands.`,
    ),
  ],
};
