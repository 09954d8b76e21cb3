// Steps shared by the scenarios that cut the leader off from the majority.
import type { KvResult } from '../../shared/api';
import { act, leaderOf, membersOf, need, nodeOf, type ScenarioContext, type ScenarioStep, wait } from './scenario';

/** Records the leader (`oldLeader`, `oldTerm`) and partitions it away from the rest of group 0. */
export function isolateLeader(say: string): ScenarioStep {
  return act(async ({ api, state, vars }) => {
    const now = await state();
    const leader = leaderOf(now)!;
    vars.set('oldLeader', leader);
    vars.set('oldTerm', nodeOf(now, leader)?.term ?? 0);
    vars.set('oldLastIndex', nodeOf(now, leader)?.lastLogIndex ?? 0);
    const rest = membersOf(now).filter((id) => id !== leader);
    await api.partition([[leader], rest]);
  }, say);
}

/** Waits for a leader on the majority side, in a later term (`newLeader`, `newTerm`). */
export function majorityElects(): ScenarioStep {
  return wait('a new leader on the majority side', (context, state) => {
    const leader = leaderOf(state);
    if (leader === null || leader === need<string>(context, 'oldLeader')) return false;
    const term = nodeOf(state, leader)?.term ?? 0;
    context.vars.set('newLeader', leader);
    context.vars.set('newTerm', term);
    return term > need<number>(context, 'oldTerm');
  });
}

/** Sends a command and keeps its promise under `name` without waiting for it. */
export function sendInBackground(context: ScenarioContext, name: string, send: Promise<KvResult>): void {
  // The outcome is read by a later step; a rejection is kept as an outcome too, never unhandled.
  context.vars.set(
    name,
    send.catch(
      (error: unknown): KvResult => ({
        ok: false,
        value: null,
        error: error instanceof Error ? error.message : String(error),
        servedBy: null,
        group: 0,
        ms: 0,
        via: '',
      }),
    ),
  );
}

/** Waits for an earlier background command and keeps its result under `name`. */
export function settle(name: string, say: string): ScenarioStep {
  return act(async (context) => {
    context.vars.set(`${name}Result`, await need<Promise<KvResult>>(context, name));
  }, say);
}

/** A SET that must succeed (through the node `viaVar` names). */
export function setThrough(viaVar: string, key: string, value: string, say: string): ScenarioStep {
  return act(async (context) => {
    const result = await context.api.kv({ op: 'SET', key, value, via: need<string>(context, viaVar) });
    if (!result.ok) throw new Error(`SET ${key} through the leader failed: ${result.error}`);
  }, say);
}

/** After the heal: the old leader follows the new term and holds the leader's commit index. */
export function oldLeaderRejoins(): ScenarioStep {
  return wait('the old leader to rejoin as a follower and catch up', (context, state) => {
    const old = nodeOf(state, need<string>(context, 'oldLeader'));
    const leader = nodeOf(state, need<string>(context, 'newLeader'));
    return (
      old !== undefined &&
      leader !== undefined &&
      old.role === 'follower' &&
      old.term >= need<number>(context, 'newTerm') &&
      old.commitIndex >= leader.commitIndex
    );
  });
}
