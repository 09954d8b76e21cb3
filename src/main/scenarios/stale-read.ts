// A stale read refused (§6.4, §8): a leader cut off from the majority may not know a newer leader
// has taken writes. Serving a GET from its own state machine could return an old value, so it
// first confirms leadership with a majority (ReadIndex); cut off, it cannot, and refuses.
import type { KvResult } from '../../shared/api';
import { isolateLeader, majorityElects, oldLeaderRejoins, setThrough } from './isolation';
import { prepareCluster } from './prepare';
import { act, leaderOf, narrate, need, type Scenario, short } from './scenario';

export const READ_KEY = 'lesson-color';

export const staleRead: Scenario = {
  id: 'stale-read',
  title: 'A stale read refused',
  summary:
    'A leader cut off from the majority is asked for a value the new leader has since changed: it refuses instead of answering stale.',
  preconditions: { minGroupSize: 3 },
  steps: [
    ...prepareCluster(),
    act(async ({ state, vars }) => {
      vars.set('firstLeader', leaderOf(await state()));
    }),
    setThrough('firstLeader', READ_KEY, 'blue', `SET ${READ_KEY} blue: committed by every node.`),
    isolateLeader('The leader is cut off from the majority.'),
    majorityElects(),
    setThrough('newLeader', READ_KEY, 'red', `The new leader commits SET ${READ_KEY} red.`),
    narrate(
      ({ vars }) =>
        `${short(vars.get('oldLeader') as string)} still holds ${READ_KEY} = blue in its state machine. Next: a client asks it for ${READ_KEY}.`,
    ),
    act(
      async (context) => {
        const via = need<string>(context, 'oldLeader');
        context.vars.set('staleRead', await context.api.kv({ op: 'GET', key: READ_KEY, via }));
      },
      ({ vars }) =>
        `GET ${READ_KEY} sent to ${short(vars.get('oldLeader') as string)}. It must first hear from a majority that it still leads.`,
    ),
    narrate(({ vars }) => {
      const result = vars.get('staleRead') as KvResult;
      return result.ok
        ? `It answered ${JSON.stringify(result.value)}.`
        : `Refused: ${result.error}. It could not confirm it still leads, so it did not answer with the stale blue.`;
    }),
    act(async ({ api }) => api.heal(), 'The partition heals.'),
    oldLeaderRejoins(),
    act(async (context) => {
      const via = need<string>(context, 'oldLeader');
      context.vars.set('freshRead', await context.api.kv({ op: 'GET', key: READ_KEY, via }));
    }, 'The same GET, through the same node, again.'),
    narrate(({ vars }) => {
      const result = vars.get('freshRead') as KvResult;
      return `Now it answers ${result.ok ? JSON.stringify(result.value) : result.error}: the value the majority committed.`;
    }),
  ],
};
