// Adding a node (§6, single-server changes as in Ongaro's thesis §4.2): the new node joins as a
// learner, which gets the log but neither votes nor counts toward commits; once it has caught up
// the leader promotes it to voter. Each step is one configuration entry, committed by the group.
import type { ClusterEvent, MembershipChangeView } from '../../shared/api';
import { freeNodeIds } from './free-address';
import { setThrough } from './isolation';
import { prepareCluster } from './prepare';
import { act, leaderOf, membersOf, narrate, need, nodeOf, type Scenario, short, wait } from './scenario';

function committed(events: readonly ClusterEvent[], type: MembershipChangeView['type'], node: string): boolean {
  return events.some(
    (event) =>
      event.type === 'membership' &&
      event.phase === 'committed' &&
      event.change.type === type &&
      event.change.node === node,
  );
}

export const addNode: Scenario = {
  id: 'add-node',
  title: 'Adding a node',
  summary: 'A new node joins group 0 as a learner, catches up on the log, and is promoted to voter.',
  preconditions: { minGroupSize: 3 },
  steps: [
    ...prepareCluster(),
    act(async ({ state, vars }) => {
      const now = await state();
      vars.set('leader', leaderOf(now)!);
      vars.set('votersBefore', membersOf(now).length);
      vars.set('newNode', (await freeNodeIds(now, 1))[0]!);
    }),
    setThrough('leader', 'lesson-join', 'written-before', 'A client writes a key, so the log has something to send.'),
    narrate(
      ({ vars }) =>
        `Group 0 has ${vars.get('votersBefore')} voters led by ${short(vars.get('leader') as string)}. Next: a new, empty node ${short(vars.get('newNode') as string)} is added. Adding it straight as a voter could stall commits while it copies the log, so it joins as a learner first.`,
    ),
    act(
      async (context) => context.api.changeMembers(0, { add: need<string>(context, 'newNode') }),
      ({ vars }) =>
        `${short(vars.get('newNode') as string)} starts empty; the leader proposes the configuration entry "addLearner".`,
    ),
    wait('the addLearner entry to commit', (context) =>
      committed(context.events, 'addLearner', need<string>(context, 'newNode')),
    ),
    narrate(
      ({ vars }) =>
        `The addLearner entry committed: ${short(vars.get('newNode') as string)} is a learner. The leader sends it the log (or a snapshot), but it does not vote and the majority is still counted among the ${vars.get('votersBefore')} voters. Next: it catches up and is promoted.`,
    ),
    wait('the new node to be promoted to voter', (context, state) => {
      const id = need<string>(context, 'newNode');
      if (!committed(context.events, 'promote', id) || !membersOf(state).includes(id)) return false;
      context.vars.set('votersAfter', membersOf(state).length);
      context.vars.set('newCommit', nodeOf(state, id)?.commitIndex ?? 0);
      return true;
    }),
    narrate(
      ({ vars }) =>
        `Caught up to index ${vars.get('newCommit')}, ${short(vars.get('newNode') as string)} was promoted by a second configuration entry: group 0 now has ${vars.get('votersAfter')} voters, and a majority is ${Math.floor((vars.get('votersAfter') as number) / 2) + 1}. Next: read through the new node.`,
    ),
    act(async (context) => {
      const read = await context.api.kv({ op: 'GET', key: 'lesson-join', via: need<string>(context, 'newNode') });
      context.vars.set('readBack', read.ok ? read.value : `refused: ${read.error}`);
    }, 'A client reads the key written before the node existed, through the new node.'),
    narrate(
      ({ vars }) =>
        `It answers "${vars.get('readBack')}": the write made before ${short(vars.get('newNode') as string)} joined reached it through the log.`,
    ),
  ],
};
