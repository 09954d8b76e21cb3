// A minority partition: the leader is cut off with no majority. A write sent to it cannot commit;
// the majority elects a new leader and goes on; after the heal the old leader follows and its
// uncommitted entry is replaced (§5.3, §5.4).
import type { KvResult } from '../../shared/api';
import { isolateLeader, majorityElects, oldLeaderRejoins, sendInBackground, setThrough, settle } from './isolation';
import { prepareCluster } from './prepare';
import { act, narrate, need, type Scenario, short } from './scenario';

export const STALE_KEY = 'lesson-stale-write';

export const minorityPartition: Scenario = {
  id: 'minority-partition',
  title: 'Minority partition and a stale leader',
  summary:
    'The leader is cut off from the majority: its writes fail, the majority elects a new leader, and the heal reunites them.',
  preconditions: { minGroupSize: 3 },
  steps: [
    ...prepareCluster(),
    isolateLeader('The network splits: the leader alone on one side, the majority on the other.'),
    act(
      async (context) => {
        const via = need<string>(context, 'oldLeader');
        sendInBackground(
          context,
          'staleWrite',
          context.api.kv({ op: 'SET', key: STALE_KEY, value: 'old-leader', via }),
        );
      },
      ({ vars }) =>
        `A client sends SET ${STALE_KEY} old-leader to ${short(vars.get('oldLeader') as string)}, which still thinks it leads.`,
    ),
    majorityElects(),
    narrate(
      ({ vars }) =>
        `The majority stopped hearing ${short(vars.get('oldLeader') as string)} and elected ${short(vars.get('newLeader') as string)} in term ${vars.get('newTerm')}. The old leader appended the write, but no majority can acknowledge it: it will never commit.`,
    ),
    setThrough(
      'newLeader',
      STALE_KEY,
      'new-leader',
      `A client writes SET ${STALE_KEY} new-leader to the new leader: a majority has it, so it commits.`,
    ),
    settle(
      'staleWrite',
      'The first client is still waiting: the old side can never gather a majority, so its request runs into the request timeout.',
    ),
    narrate(({ vars }) => {
      const result = vars.get('staleWriteResult') as KvResult;
      return result.ok
        ? 'The old side answered OK: that should not happen without a majority.'
        : `The write through the cut-off side failed: ${result.error}. Without a majority nothing commits there. Next: the heal.`;
    }),
    act(async ({ api }) => api.heal(), 'The partition heals.'),
    oldLeaderRejoins(),
    narrate(
      ({ vars }) =>
        `${short(vars.get('oldLeader') as string)} saw the higher term and follows ${short(vars.get('newLeader') as string)}. Its uncommitted entry was replaced by the new leader's log; ${STALE_KEY} is new-leader everywhere.`,
    ),
  ],
};
