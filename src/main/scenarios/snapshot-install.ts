// Snapshot install (§7): a follower is cut off while the leader writes on, snapshots, and drops the
// log before its snapshot point. The entries the follower needs are gone, so AppendEntries cannot
// repair it; the leader sends its snapshot instead (InstallSnapshot, a `Snap` message), and then
// the log tail after the snapshot by ordinary AppendEntries. A node keeps a margin of entries
// before its snapshot point for slow followers (5000 by default), so the lesson writes past it:
// a few thousand small writes, a second or two on a laptop, rather than a lesson-only setting.
import { prepareCluster } from './prepare';
import { act, leaderOf, membersOf, narrate, need, nodeOf, type Scenario, short, wait } from './scenario';

/** Writes per round, and the most rounds before the scenario gives up on compacting past the follower. */
const WRITES_PER_ROUND = 200;
const MAX_ROUNDS = 40;
/** Writes in flight at once: enough to batch entries, few enough not to flood a classroom machine. */
const IN_FLIGHT = 20;
/** Writes after the install, so there is a log tail to catch up on. */
const TAIL_WRITES = 5;

export const snapshotInstall: Scenario = {
  id: 'snapshot-install',
  title: 'Snapshot install',
  summary:
    'A follower is cut off while the leader snapshots and drops its old log; back, it is sent the snapshot, then the tail.',
  preconditions: { minGroupSize: 3 },
  steps: [
    ...prepareCluster(),
    act(async ({ state, vars }) => {
      const now = await state();
      const leader = leaderOf(now)!;
      const follower = membersOf(now).find((id) => id !== leader)!;
      vars.set('leader', leader);
      vars.set('follower', follower);
      vars.set(
        'others',
        membersOf(now).filter((id) => id !== follower),
      );
      vars.set('followerLast', nodeOf(now, follower)?.lastLogIndex ?? 0);
    }),
    act(
      // Cut off rather than killed: a dead peer's messages wait in the sender's queue and would
      // arrive on restart, entries and all; a cut link drops them, as a real outage loses them.
      async (context) =>
        context.api.partition([[need<string>(context, 'follower')], need<string[]>(context, 'others')]),
      ({ vars }) =>
        `${short(vars.get('follower') as string)} is cut off from the others. The leader and the remaining follower are still a majority, so writes keep committing without it.`,
    ),
    act(
      async (context) => {
        const { api, vars } = context;
        const leader = need<string>(context, 'leader');
        const others = need<string[]>(context, 'others');
        const followerLast = need<number>(context, 'followerLast');
        // Write, snapshot, look: until no node the follower could hear from after the heal still
        // holds the entry after the follower's last (any of them may lead by then).
        for (let round = 0; round < MAX_ROUNDS; round++) {
          for (let sent = 0; sent < WRITES_PER_ROUND; sent += IN_FLIGHT) {
            const results = await Promise.all(
              Array.from({ length: IN_FLIGHT }, (_, i) =>
                api.kv({ op: 'SET', key: `lesson-snap-${(sent + i) % 40}`, value: `r${round}`, via: leader }),
              ),
            );
            const failed = results.find((result) => !result.ok);
            if (failed) throw new Error(`a write through the leader failed: ${failed.error}`);
          }
          for (const id of others) await api.takeSnapshot(id);
          const now = await context.state();
          const views = others.map((id) => nodeOf(now, id));
          if (views.every((view) => view !== undefined && view.firstLogIndex > followerLast + 1)) {
            const view = nodeOf(now, leader)!;
            vars.set('snapshotIndex', view.snapshotIndex);
            vars.set('firstLogIndex', view.firstLogIndex);
            vars.set('writes', (round + 1) * WRITES_PER_ROUND);
            return;
          }
        }
        throw new Error(
          `after ${MAX_ROUNDS * WRITES_PER_ROUND} writes the nodes still keep the entries the cut-off follower lacks`,
        );
      },
      ({ vars }) =>
        `Clients write on through ${short(vars.get('leader') as string)}. The nodes take a snapshot of their key-value store and drop the log entries before it.`,
    ),
    narrate(
      ({ vars }) =>
        `${short(vars.get('leader') as string)} wrote ${vars.get('writes')} entries, snapshotted at index ${vars.get('snapshotIndex')} and now holds its log only from index ${vars.get('firstLogIndex')} (it keeps ${(vars.get('snapshotIndex') as number) - (vars.get('firstLogIndex') as number) + 1} entries before the snapshot for slow followers). ${short(vars.get('follower') as string)} stopped at index ${vars.get('followerLast')}: the entries it needs are gone, so AppendEntries cannot bring it up to date. Next: the link heals.`,
    ),
    act(
      async ({ api }) => api.heal(),
      ({ vars }) =>
        `The link heals. ${short(vars.get('follower') as string)} refuses the next AppendEntries (it lacks the entries before it); the leader backs nextIndex up below its first log index and sends InstallSnapshot instead.`,
    ),
    wait('the follower to install the leader snapshot', (context) => {
      const follower = need<string>(context, 'follower');
      const installed = context.events.find(
        (event) => event.type === 'snapshot' && event.phase === 'installed' && event.node === follower,
      );
      if (installed?.type !== 'snapshot') return false;
      context.vars.set('installedIndex', installed.index);
      context.vars.set('installedBytes', installed.bytes);
      return true;
    }),
    narrate(
      ({ vars }) =>
        `${short(vars.get('follower') as string)} installed the snapshot up to index ${vars.get('installedIndex')} (${vars.get('installedBytes')} bytes): it replaced its state machine with the leader's and discarded its old log, which the snapshot covers. Next: the log tail.`,
    ),
    act(async (context) => {
      const via = leaderOf(await context.state()) ?? need<string>(context, 'leader');
      for (let k = 0; k < TAIL_WRITES; k++) {
        const result = await context.api.kv({ op: 'SET', key: `lesson-tail-${k}`, value: 'after', via });
        if (!result.ok) throw new Error(`a write after the install failed: ${result.error}`);
      }
    }, `Clients write ${TAIL_WRITES} more entries: these go to the follower as ordinary AppendEntries after the snapshot.`),
    wait('the follower to catch up with the log tail', (context, state) => {
      const follower = nodeOf(state, need<string>(context, 'follower'));
      const current = leaderOf(state);
      const leader = current === null ? undefined : nodeOf(state, current);
      if (!follower?.alive || !leader) return false;
      context.vars.set('caughtUp', follower.commitIndex);
      return follower.commitIndex >= leader.commitIndex && follower.lastLogIndex >= leader.commitIndex;
    }),
    narrate(
      ({ vars }) =>
        `Caught up: after the snapshot (through index ${vars.get('installedIndex')}) the tail came by AppendEntries, and ${short(vars.get('follower') as string)} has committed through index ${vars.get('caughtUp')}, as the leader has.`,
    ),
  ],
};
