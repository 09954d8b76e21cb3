// Live resharding (docs/resharding.md): a new group joins the hash ring. Only the keys whose ring
// position now falls to the new group's tokens move, about 1/(groups) of them, ideally; every
// other key stays where it was, and no key is lost on the way.
import { groupsApiOf } from '../../shared/groups-api';
import { freeNodeIds } from './free-address';
import { prepareCluster } from './prepare';
import { act, membersOf, narrate, need, type Scenario, wait } from './scenario';

/** Keys the lesson writes before the ring grows: enough for the moved fraction to mean something. */
const LESSON_KEYS = 60;
const keyOf = (k: number) => `lesson-ring-${k}`;

export const keysMove: Scenario = {
  id: 'keys-move',
  title: 'Keys moving to a new group',
  summary: 'A group is added to the ring; the keys that now hash to it move over, and none is lost.',
  preconditions: { minGroupSize: 1 },
  steps: [
    ...prepareCluster(),
    act(async (context) => {
      const { api, state, vars } = context;
      if (!groupsApiOf(api)) throw new Error('this host cannot add groups (a replay cannot)');
      const groupOf = new Map<string, number>();
      for (let k = 0; k < LESSON_KEYS; k++) {
        const result = await api.kv({ op: 'SET', key: keyOf(k), value: `v${k}` });
        if (!result.ok) throw new Error(`SET ${keyOf(k)} failed: ${result.error}`);
        groupOf.set(keyOf(k), result.group);
      }
      const now = await state();
      vars.set('groupOf', groupOf);
      vars.set('groupsBefore', liveGroups(now));
      vars.set('version', now.ring.version ?? 1);
      vars.set('newMembers', await freeNodeIds(now, Math.min(3, membersOf(now).length)));
    }, `A client writes ${LESSON_KEYS} keys. Each key goes to the group owning the next token after its hash on the ring.`),
    narrate(
      ({ vars }) =>
        `The ring (version ${vars.get('version')}) has ${vars.get('groupsBefore')} group(s). Next: a new group of ${(vars.get('newMembers') as string[]).length} nodes is added; its tokens take over slices of the ring, and the keys in those slices must move to it.`,
    ),
    act(async (context) => {
      const groups = groupsApiOf(context.api)!;
      const { group } = await groups.addGroup(need<string[]>(context, 'newMembers'));
      context.vars.set('newGroup', group);
    }, 'The new group starts and elects a leader; the ring of record gains its tokens, and the mover copies each key from its old group to the new one.'),
    wait(
      'every key move to be done',
      (context, state) => {
        const moves = state.ring.moves ?? [];
        const version = state.ring.version ?? 1;
        if (version <= need<number>(context, 'version') || moves.length === 0 || !moves.every((m) => m.done))
          return false;
        context.vars.set(
          'moved',
          moves.reduce((sum, m) => sum + m.keysMoved, 0),
        );
        context.vars.set('newVersion', version);
        return true;
      },
      60_000,
    ),
    narrate(
      ({ vars }) =>
        `Ring version ${vars.get('newVersion')}: the moves are done, ${vars.get('moved')} key(s) copied to group ${vars.get('newGroup')} and deleted at their source. Next: is every key still there, and where?`,
    ),
    act(async (context) => {
      const before = need<Map<string, number>>(context, 'groupOf');
      const newGroup = need<number>(context, 'newGroup');
      let movedHere = 0;
      for (let k = 0; k < LESSON_KEYS; k++) {
        const result = await context.api.kv({ op: 'GET', key: keyOf(k) });
        if (!result.ok || result.value !== `v${k}`) {
          throw new Error(`${keyOf(k)} was lost in the move: ${result.error ?? `read ${String(result.value)}`}`);
        }
        if (result.group === newGroup && before.get(keyOf(k)) !== newGroup) movedHere++;
      }
      context.vars.set('movedHere', movedHere);
    }, `A client reads all ${LESSON_KEYS} keys back.`),
    narrate(({ vars }) => {
      const groups = (vars.get('groupsBefore') as number) + 1;
      const moved = vars.get('movedHere') as number;
      const modulo =
        groups > 2
          ? ` Hashing modulo the group count would have moved about ${Math.round((100 * (groups - 1)) / groups)}% of all keys.`
          : '';
      return `All ${LESSON_KEYS} keys read back with their values: nothing lost. ${moved} of them (${Math.round((100 * moved) / LESSON_KEYS)}%) now live in group ${vars.get('newGroup')}; the ideal with ${groups} groups is 1/${groups} (${Math.round(100 / groups)}%), and every other key stayed where it was.${modulo}`;
    }),
  ],
};

function liveGroups(state: { readonly ring: { readonly tokens: readonly { readonly group: number }[] } }): number {
  return new Set(state.ring.tokens.map((token) => token.group)).size;
}
