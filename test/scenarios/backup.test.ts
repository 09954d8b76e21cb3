// Fast backup (the lab's TestBackup): a leader brings followers whose logs diverge by 50+ entries
// back in line with a few rejected AppendEntries per follower, one per conflicting term, instead of
// one per entry.
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../harness/history';
import { appliedCommands, checkedCluster } from './support';

const BATCH = 50;

/** Counts rejected AppendEntries, per follower. */
function rejectCounter() {
  const rejects = new Map<string, number>();
  return {
    onEvent(event: HistoryEvent): void {
      if (event.kind === 'deliver' && event.message.type === 'AppResp' && event.message.reject) {
        rejects.set(event.message.from, (rejects.get(event.message.from) ?? 0) + 1);
      }
    },
    reset: () => rejects.clear(),
    max: () => Math.max(0, ...rejects.values()),
    total: () => [...rejects.values()].reduce((sum, n) => sum + n, 0),
  };
}

describe('fast log backup', () => {
  it('followers 50+ entries astray are repaired with a bounded number of rejected AppendEntries', () => {
    const { cluster } = checkedCluster({ size: 5, seed: 31, tuning: { maxEntriesPerMessage: 64 } });
    const rejects = rejectCounter();
    cluster.observe(rejects);
    const propose = (leader: string, prefix: string) => {
      for (let i = 0; i < BATCH; i++) cluster.propose(leader, [`${prefix}${i}`]);
    };

    const leader1 = cluster.waitForLeader().id;
    cluster.agree('start', 5);
    const [f1, f2, f3, f4] = cluster.ids.filter((id) => id !== leader1) as [string, string, string, string];

    // Leader 1 and one follower are cut off; leader 1 takes 50 commands that can never commit.
    cluster.partition([
      [leader1, f1],
      [f2, f3, f4],
    ]);
    propose(leader1, 'lost-a');

    // The other three elect a leader and commit 50 commands of their own.
    const leader2 = cluster.waitForLeader().id;
    for (let i = 0; i < BATCH; i++) cluster.agree(`won-b${i}`, 3);

    // Leader 2 keeps only one follower and takes 50 more that cannot commit.
    const keep = [f2, f3, f4].find((id) => id !== leader2)!;
    const third = [f2, f3, f4].find((id) => id !== leader2 && id !== keep)!;
    cluster.healAll();
    cluster.partition([
      [leader2, keep],
      [leader1, f1, third],
    ]);
    propose(leader2, 'lost-c');

    // The old minority plus `third` (the only one with the committed b-entries, so it must win)
    // commit 50 more: leader 1 and f1 must first throw away 50 entries of an old term.
    rejects.reset();
    const leader3 = cluster.waitForLeader().id;
    expect(leader3).toBe(third);
    for (let i = 0; i < BATCH; i++) cluster.agree(`won-d${i}`, 3);
    expect(rejects.max()).toBeGreaterThan(0);
    expect(rejects.max()).toBeLessThanOrEqual(3);

    // Everyone together: leader 2 and its follower hold 50 stray entries of yet another term.
    rejects.reset();
    cluster.healAll();
    cluster.agree('end', 5);
    expect(rejects.max()).toBeLessThanOrEqual(3);

    const expected = ['start', ...Array.from({ length: BATCH }, (_, i) => `won-b${i}`)];
    expected.push(...Array.from({ length: BATCH }, (_, i) => `won-d${i}`), 'end');
    for (const id of cluster.ids) expect(appliedCommands(cluster, id)).toEqual(expected);
  });
});
