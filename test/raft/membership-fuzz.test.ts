// Randomised runs of a group that changes its members while nodes crash, restart, are cut off,
// take snapshots and lose messages. After every run: never two leaders in one term, whatever the
// configurations involved; a removed node never leads the group it left; replicas never apply
// different entries at one index; and once every fault heals the group elects and commits again.
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../src/shared/raft/types';
import { SeededRandom } from '../../src/shared/random';
import { peersOf } from './helpers';
import { SnapCluster } from './snap-cluster';

const SPARE = ['n4', 'n5', 'n6', 'n7'];

function runSeed(seed: number, steps: number): SnapCluster {
  const random = new SeededRandom(seed);
  const c = new SnapCluster(peersOf(3), { snapshotCatchUpEntries: random.nextInt(4), random: random.fork(1) });
  c.random = random;
  c.dropRate = 0.02;
  const crashed = new Set<NodeId>();
  const pick = <T>(items: readonly T[]): T | undefined => items[random.nextInt(items.length)];
  let puts = 0;
  for (let step = 0; step < steps; step++) {
    const roll = random.nextInt(100);
    const leader = c.leader();
    const live = c.ids.filter((id) => !crashed.has(id));
    if (roll < 55) {
      c.tick();
    } else if (roll < 70) {
      if (leader !== null) c.node(leader).propose([new TextEncoder().encode(`v${puts++}`)]);
      c.run();
    } else if (roll < 78 && leader !== null) {
      const status = c.node(leader).status();
      const { voters, learners } = status.membership;
      const kind = random.nextInt(3);
      const fresh = SPARE.find((id) => !c.ids.includes(id));
      if (kind === 0 && fresh !== undefined) {
        c.addNode(fresh);
        c.node(leader).proposeConfChange({ type: 'addLearner', node: fresh });
      } else if (kind === 1 && learners.length > 0) {
        c.node(leader).proposeConfChange({ type: 'promote', node: pick(learners)! });
      } else if (kind === 2 && voters.length > 2) {
        c.node(leader).proposeConfChange({ type: 'remove', node: pick([...voters, ...learners])! });
      }
      c.run();
    } else if (roll < 84) {
      const id = pick(live);
      if (id !== undefined && crashed.size < 2) {
        c.crash(id);
        crashed.add(id);
      }
    } else if (roll < 90) {
      const id = pick([...crashed]);
      if (id !== undefined) {
        c.restart(id);
        crashed.delete(id);
      }
    } else if (roll < 94) {
      const id = pick(live);
      if (id !== undefined) c.isolate(id);
    } else if (roll < 97) {
      c.heal();
    } else {
      const id = pick(live);
      if (id !== undefined && c.nodes.has(id)) c.takeSnapshot(id);
    }
  }
  // Heal everything: the group must recover.
  c.dropRate = 0;
  c.heal();
  for (const id of crashed) c.restart(id);
  return c;
}

describe('membership changes under faults (seeded)', () => {
  it.each(Array.from({ length: 40 }, (_, i) => i + 1))(
    'seed %i: one leader per term across configurations, no removed node leads, replicas agree, recovers',
    (seed) => {
      const c = runSeed(seed, 1500);
      c.checkElectionSafety();
      expect(c.removedLeaders).toEqual([]);
      if (process.env.FUZZ_STATS) {
        const stats = {
          terms: c.leadersByTerm.size,
          installs: c.installs.length,
          removed: [...c.removedCommitted],
          configs: [...c.machines.values()].map((m) => m.applied.filter((e) => e.type === 'config').length),
          refused: c.refused.length,
        };
        console.log(seed, JSON.stringify(stats));
      }
      c.checkStateMachines();
      // Liveness once healed: some voter leads and commits.
      const leader = c.settle(2000);
      const before = c.node(leader).status().commit;
      c.put('final');
      expect(c.node(leader).status().commit).toBeGreaterThan(before);
    },
  );
});
