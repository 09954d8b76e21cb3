// Figure 8 of the Raft paper (§5.4.2), staged on group 0 of five nodes with the lesson modes:
// new leaders append no no-op, so an entry of an older term can sit on a majority with nothing of
// the current term above it. With the commit rule, the leader does not commit it, and the later
// leader that overwrites it loses nothing. With the clearly marked UNSAFE lesson (commit by
// counting replicas) it is committed, then overwritten, and the live safety monitor turns the
// Leader Completeness light red. Needs lesson mode (`raftlab cluster`, the desktop app).
import type { ClusterState, NodeView } from '../../shared/api';
import { sendInBackground } from './isolation';
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

function node(state: ClusterState, id: string): NodeView | undefined {
  return nodeOf(state, id);
}

function lastTerm(state: ClusterState, id: string): number | undefined {
  return node(state, id)?.log.at(-1)?.term;
}

const s = (context: ScenarioContext, name: string): string => short(need<string>(context, name));

function figure8(unsafe: boolean): Scenario {
  const rule = unsafe
    ? 'UNSAFE lesson: a leader commits any entry a majority holds, whatever its term.'
    : 'The commit rule is on: a leader commits by counting replicas only entries of its own term.';
  return {
    id: unsafe ? 'figure-8-unsafe' : 'figure-8',
    title: unsafe ? 'Figure 8, UNSAFE: commit by counting replicas' : 'Figure 8: the commit rule (§5.4.2)',
    summary: unsafe
      ? 'Why the rule exists: committing an old-term entry by counting replicas lets a later leader overwrite it. The safety monitor turns red.'
      : 'An entry of an old term on a majority is not committed by counting; the later leader that overwrites it loses nothing.',
    preconditions: { minGroupSize: 5, lessonMode: true },
    steps: [
      ...prepareCluster(),
      act(async ({ api, state, vars }) => {
        const now = await state();
        vars.set('raft', now.raft);
        await api.setRaftOptions({ preVote: false, checkQuorum: false });
        await api.setLesson({ skipNoop: true, unsafeCommitByCount: unsafe });
      }, `Lesson mode: a new leader appends no no-op, and PreVote and CheckQuorum are off, so the paper's steps can happen. ${rule}`),
      act(async (context) => {
        const now = await context.state();
        const s1 = leaderOf(now)!;
        const members = membersOf(now);
        const s2 = members.find((id) => id !== s1)!;
        context.vars.set('s1', s1);
        context.vars.set('s2', s2);
        context.vars.set(
          'rest',
          members.filter((id) => id !== s1 && id !== s2),
        );
        context.vars.set('indexA', (node(now, s1)?.lastLogIndex ?? 0) + 1);
      }),
      act(
        async (context) => {
          const [s1, s2] = [need<string>(context, 's1'), need<string>(context, 's2')];
          await context.api.partition([[s1, s2], need<string[]>(context, 'rest')]);
          sendInBackground(
            context,
            'writeA',
            context.api.kv({ op: 'SET', key: 'lesson-figure-8', value: 'A', via: s1 }),
          );
        },
        (context) =>
          `(a) ${s(context, 's1')} leads. It is cut off with one follower, and a client writes A to it: A reaches only those two.`,
      ),
      wait('A on the first two nodes', (context, state) => {
        const index = need<number>(context, 'indexA');
        const s2 = node(state, need<string>(context, 's2'));
        const entry = s2?.log.find((e) => e.index === index);
        if (entry) context.vars.set('termA', entry.term);
        return entry !== undefined;
      }),
      wait(
        'a leader among the other three',
        (context, state) => {
          const leader = leaderOf(state);
          if (leader === null || !need<string[]>(context, 'rest').includes(leader)) return false;
          context.vars.set('x', leader);
          context.vars.set(
            'yz',
            need<string[]>(context, 'rest').filter((id) => id !== leader),
          );
          return true;
        },
        20_000,
      ),
      act(
        async (context) => {
          const x = need<string>(context, 'x');
          await context.api.partition([
            [need<string>(context, 's1'), need<string>(context, 's2')],
            [x],
            need<string[]>(context, 'yz'),
          ]);
          sendInBackground(
            context,
            'writeB',
            context.api.kv({ op: 'SET', key: 'lesson-figure-8', value: 'B', via: x }),
          );
        },
        (context) =>
          `(b) ${s(context, 'x')} won a later term among the other three. Cut off alone, it takes a write B that reaches nobody.`,
      ),
      wait("B in the new leader's log", (context, state) => {
        const x = need<string>(context, 'x');
        const term = lastTerm(state, x);
        if (term !== undefined) context.vars.set('termB', term);
        return term !== undefined && term > need<number>(context, 'termA');
      }),
      narrate(
        (context) =>
          `${s(context, 's1')} and ${s(context, 's2')} hold A (term ${need<number>(context, 'termA')}); ${s(context, 'x')} holds B (term ${need<number>(context, 'termB')}) at the same index. Next: ${s(context, 'x')} crashes and the network heals.`,
      ),
      act(
        async (context) => {
          await context.api.kill(need<string>(context, 'x'));
          await context.api.heal();
        },
        (context) => `${s(context, 'x')} crashes; the network heals.`,
      ),
      wait(
        'the first pair to lead again and copy A to the others',
        (context, state) => {
          const leader = leaderOf(state);
          if (leader === null || ![need<string>(context, 's1'), need<string>(context, 's2')].includes(leader))
            return false;
          context.vars.set('s', leader);
          const termA = need<number>(context, 'termA');
          const index = need<number>(context, 'indexA');
          return need<string[]>(context, 'yz').every(
            (id) => node(state, id)?.log.find((e) => e.index === index)?.term === termA,
          );
        },
        20_000,
      ),
      ...(unsafe
        ? [
            wait('A committed by counting', (context, state) => {
              return (node(state, need<string>(context, 's'))?.commitIndex ?? 0) >= need<number>(context, 'indexA');
            }),
          ]
        : []),
      narrate((context) =>
        unsafe
          ? `(c) ${s(context, 's')} leads a new term and A is on three of five. Counting replicas, it COMMITTED A, an entry of an older term. Next: the two holders of A crash and ${s(context, 'x')} returns.`
          : `(c) ${s(context, 's')} leads a new term and A is on three of five, yet its commit index stays below A: A is from an older term, and no entry of the current term sits above it. Next: the two holders of A crash and ${s(context, 'x')} returns.`,
      ),
      act(
        async (context) => {
          await context.api.kill(need<string>(context, 's1'));
          await context.api.kill(need<string>(context, 's2'));
          await context.api.restart(need<string>(context, 'x'));
        },
        (context) =>
          `(d) ${s(context, 's1')} and ${s(context, 's2')} crash. ${s(context, 'x')} comes back; its log ends in term ${need<number>(context, 'termB')}, later than A's, so the others may elect it.`,
      ),
      wait('the returning node to lead', (context, state) => leaderOf(state) === need<string>(context, 'x'), 20_000),
      unsafe
        ? wait(
            'the safety monitor to see a committed entry missing',
            (_context, state) => state.safety?.leaderCompleteness.ok === false,
          )
        : wait('B to replace A on the survivors', (context, state) => {
            const index = need<number>(context, 'indexA');
            const termB = need<number>(context, 'termB');
            return need<string[]>(context, 'yz').every(
              (id) => node(state, id)?.log.find((e) => e.index === index)?.term === termB,
            );
          }),
      narrate((context) =>
        unsafe
          ? `${s(context, 'x')} leads without A, an entry that was committed: the Leader Completeness light is red. As B replaces A on the others, nodes that applied A and nodes that apply B disagree (State Machine Safety). This is why a leader counts replicas only for entries of its own term.`
          : `${s(context, 'x')} leads and overwrote A with B. Nothing committed was lost: the rule had held A back. Every safety light stays green.`,
      ),
      act(
        async (context) => {
          await context.api.setLesson({ skipNoop: false, unsafeCommitByCount: false });
          const raft = need<ClusterState['raft']>(context, 'raft');
          await context.api.setRaftOptions(raft);
          // After the unsafe lesson the group holds two different committed entries at one index:
          // restarting the stopped nodes would only stop them again. The rule-on lesson heals.
          if (unsafe) return;
          const now = await context.state();
          for (const id of membersOf(now)) if (!nodeOf(now, id)?.alive) await context.api.restart(id);
        },
        unsafe
          ? 'The lesson modes are switched off. This group now disagrees about a committed entry and cannot recover by itself: start the cluster again with fresh data (a new data folder, or --in-memory).'
          : 'The lesson modes are switched off, the options restored, and every stopped node restarts.',
      ),
    ],
  };
}

export const figure8Rule = figure8(false);
export const figure8Unsafe = figure8(true);
