// Log replication (the lab's 2B/3B suite): commands are committed in one order on every node, with
// a follower down, never without a majority, and a cut-off leader's uncommitted entries give way.
import { describe, expect, it } from 'vitest';
import { appliedCommands, checkedCluster, othersThan } from './support';

describe('agreement', () => {
  it('basic agreement: each command is applied on every node at the next index', () => {
    const { cluster } = checkedCluster({ size: 3, seed: 21 });
    cluster.waitForLeader();
    const first = cluster.agree('one', 3);
    expect(cluster.agree('two', 3)).toBe(first + 1);
    expect(cluster.agree('three', 3)).toBe(first + 2);
    for (const id of cluster.ids) expect(appliedCommands(cluster, id)).toEqual(['one', 'two', 'three']);
  });

  it('agreement despite a failed follower, which catches up when it returns', () => {
    const { cluster } = checkedCluster({ size: 3, seed: 22 });
    const leader = cluster.waitForLeader();
    cluster.agree('before', 3);
    const [gone] = othersThan(cluster, leader.id) as [string];
    cluster.isolate(gone);
    cluster.agree('while-away-1', 2);
    cluster.agree('while-away-2', 2);
    expect(appliedCommands(cluster, gone)).toEqual(['before']);
    cluster.reconnect(gone);
    cluster.agree('after', 3);
    expect(appliedCommands(cluster, gone)).toEqual(['before', 'while-away-1', 'while-away-2', 'after']);
  });

  it('no agreement without a majority, and agreement resumes after reconnecting', () => {
    const { cluster } = checkedCluster({ size: 5, seed: 23 });
    const leader = cluster.waitForLeader();
    cluster.agree('agreed', 5);
    const away = othersThan(cluster, leader.id).slice(0, 3);
    for (const id of away) cluster.isolate(id);
    const result = cluster.propose(leader.id, ['stuck']);
    expect(result.ok).toBe(true);
    const index = result.ok ? result.firstIndex : 0;
    cluster.tick(5 * cluster.tuning.electionTicksMax);
    expect(cluster.appliedCount(index)).toBe(0);
    for (const node of cluster.nodes) expect(node.status().commit).toBeLessThan(index);
    for (const id of away) cluster.reconnect(id);
    const resumed = cluster.agree('resumed', 5);
    expect(resumed).toBeGreaterThan(index - 1);
    for (const id of cluster.ids) expect(appliedCommands(cluster, id)).toContain('resumed');
  });

  it('concurrent proposals are all committed, in one order, on every node', () => {
    const { cluster } = checkedCluster({ size: 5, seed: 24 });
    const leader = cluster.waitForLeader();
    const commands = Array.from({ length: 20 }, (_, i) => `c${i}`);
    const indices = commands.map((command) => {
      const result = cluster.propose(leader.id, [command]);
      if (!result.ok) throw new Error(`${command} refused`);
      return result.firstIndex;
    });
    expect(new Set(indices).size).toBe(commands.length);
    const last = Math.max(...indices);
    cluster.tickUntil(() => cluster.appliedCount(last) === 5, 100, 'every proposal applied everywhere');
    const order = appliedCommands(cluster, leader.id);
    expect([...order].sort()).toEqual([...commands].sort());
    for (const id of cluster.ids) expect(appliedCommands(cluster, id)).toEqual(order);
  });

  it('a partitioned old leader rejoins and its uncommitted entries are discarded', () => {
    const { cluster } = checkedCluster({ size: 3, seed: 25 });
    const old = cluster.waitForLeader();
    cluster.agree('shared', 3);
    cluster.isolate(old.id);
    for (const command of ['lost-1', 'lost-2', 'lost-3']) expect(cluster.propose(old.id, [command]).ok).toBe(true);
    const lostAt = old.status().lastIndex;
    const fresh = cluster.waitForLeader();
    expect(fresh.id).not.toBe(old.id);
    cluster.agree('new-side', 2);
    cluster.reconnect(old.id);
    cluster.agree('together', 3);
    for (const id of cluster.ids) expect(appliedCommands(cluster, id)).toEqual(['shared', 'new-side', 'together']);
    const oldLog = old.raft.entries(1, lostAt + 1).map((entry) => new TextDecoder().decode(entry.data));
    expect(oldLog).not.toContain('lost-1');
  });
});
