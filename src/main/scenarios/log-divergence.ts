// Log divergence and repair (Figure 7, §5.3): an isolated leader appends entries nobody else
// holds; the new leader writes different entries at the same indexes; after the heal the new
// leader backs up nextIndex until the logs match and overwrites the old leader's tail.
import type { ClusterState, LogEntryView } from '../../shared/api';
import { isolateLeader, majorityElects, oldLeaderRejoins, sendInBackground, setThrough } from './isolation';
import { prepareCluster } from './prepare';
import { act, narrate, need, nodeOf, type Scenario, short, wait } from './scenario';

function entryAt(state: ClusterState, id: string, index: number): LogEntryView | undefined {
  return nodeOf(state, id)?.log.find((entry) => entry.index === index);
}

export const logDivergence: Scenario = {
  id: 'log-divergence',
  title: 'Log divergence and repair',
  summary:
    'An isolated leader and a new leader write different entries at the same index; the heal repairs the old log.',
  preconditions: { minGroupSize: 3 },
  steps: [
    ...prepareCluster(),
    isolateLeader('The leader is cut off from every other node.'),
    act(async (context) => {
      const via = need<string>(context, 'oldLeader');
      for (const n of [1, 2]) {
        sendInBackground(context, `lost${n}`, context.api.kv({ op: 'SET', key: `lesson-lost-${n}`, value: 'x', via }));
      }
    }, 'Two clients write to the isolated leader. It appends both entries to its own log only.'),
    wait('the isolated leader to append the two writes', (context, state) => {
      const old = nodeOf(state, need<string>(context, 'oldLeader'));
      return (old?.lastLogIndex ?? 0) >= need<number>(context, 'oldLastIndex') + 2;
    }),
    majorityElects(),
    setThrough('newLeader', 'lesson-kept', 'y', 'The new leader commits a write of its own.'),
    wait('the logs to differ at one index', (context, state) => {
      const first = need<number>(context, 'oldLastIndex') + 1;
      for (let index = first; index <= first + 2; index++) {
        const mine = entryAt(state, need<string>(context, 'oldLeader'), index);
        const theirs = entryAt(state, need<string>(context, 'newLeader'), index);
        if (mine && theirs && mine.term !== theirs.term) {
          context.vars.set('divergeAt', index);
          context.vars.set('oldEntryTerm', mine.term);
          context.vars.set('newEntryTerm', theirs.term);
          return true;
        }
      }
      return false;
    }),
    narrate(
      ({ vars }) =>
        `At index ${vars.get('divergeAt')} the old leader ${short(vars.get('oldLeader') as string)} holds an entry of term ${vars.get('oldEntryTerm')}, the new leader ${short(vars.get('newLeader') as string)} one of term ${vars.get('newEntryTerm')}. Only the new leader's is committed. Next: the heal.`,
    ),
    act(
      async ({ api }) => api.heal(),
      'The partition heals. The new leader probes: its AppendEntries are refused until nextIndex backs up to where the logs agree.',
    ),
    oldLeaderRejoins(),
    wait("the old leader to hold the new leader's entry", (context, state) => {
      const index = need<number>(context, 'divergeAt');
      return entryAt(state, need<string>(context, 'oldLeader'), index)?.term === need<number>(context, 'newEntryTerm');
    }),
    narrate(
      ({ vars }) =>
        `Repaired: index ${vars.get('divergeAt')} of ${short(vars.get('oldLeader') as string)} now holds the term ${vars.get('newEntryTerm')} entry. Its uncommitted entries were erased and its clients told the outcome is unknown.`,
    ),
  ],
};
