// The feed explains the classic situations in Raft's words: what happened and why, from the events.
import { test } from './fixtures/test';
import {
  laggingFollowerRepaired,
  leaderCrashAndReelection,
  logRepairAfterRestart,
  minorityPartitionThenHeal,
  splitVote,
  staleLeaderReadRefused,
} from './flows/narration';

test('a leader crash and the re-election are told with the terms and the tally', async ({ dashboard, probe, host }) => {
  await leaderCrashAndReelection(dashboard, probe, host);
});

test("log repair after a restart: the old leader's uncommitted entry is replaced", async ({
  dashboard,
  probe,
  host,
}) => {
  await logRepairAfterRestart(dashboard, probe, host);
});

test('a lagging follower refuses AppendEntries past its log, and the leader backs off', async ({
  dashboard,
  probe,
  host,
}) => {
  await laggingFollowerRepaired(dashboard, probe, host);
});

test("a stale leader's read is refused, and CheckQuorum is named as the reason it stepped down", async ({
  dashboard,
  probe,
  host,
}) => {
  await staleLeaderReadRefused(dashboard, probe, host);
});

test.describe('five nodes without PreVote', () => {
  test.use({ hostOptions: { groups: 1, size: 5, extraArgs: ['--no-prevote'] } });

  test('a split vote is called one, with the tally', async ({ dashboard, probe, host }) => {
    await splitVote(dashboard, probe, host);
  });
});

test.describe('five nodes without CheckQuorum', () => {
  test.use({ hostOptions: { groups: 1, size: 5, extraArgs: ['--no-check-quorum'] } });

  test('a minority partition has two leaders, and the heal says why the old one stepped down', async ({
    dashboard,
    probe,
    host,
  }) => {
    await minorityPartitionThenHeal(dashboard, probe, host);
  });
});
