// Leader election (the lab's 2A/3A suite): one leader at the start, a new one when it is lost, no
// disruption when it returns, and never two in one term however the network is cut.
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/shared/random';
import { checkedCluster, othersThan } from './support';

describe('leader election', () => {
  it('initial election: exactly one leader, followed by all, and the term stays put without faults', () => {
    const { cluster } = checkedCluster({ size: 3, seed: 11 });
    const leader = cluster.waitForLeader();
    const { term } = leader.status();
    expect(term).toBeGreaterThan(0);
    for (let t = 0; t < 50 * cluster.tuning.electionTicksMax; t++) {
      cluster.tick();
      expect(cluster.leaders().map((node) => node.id)).toEqual([leader.id]);
    }
    for (const node of cluster.nodes) {
      expect(node.status()).toMatchObject({ term, leader: leader.id });
    }
  });

  it('re-election: when the leader is cut off, the others elect a new one in a later term', () => {
    const { cluster } = checkedCluster({ size: 3, seed: 12 });
    const first = cluster.waitForLeader();
    cluster.isolate(first.id);
    const second = cluster.waitForLeader();
    expect(second.id).not.toBe(first.id);
    expect(second.status().term).toBeGreaterThan(first.status().term);
  });

  it('re-election: the old leader rejoining does not disrupt the new one (PreVote and CheckQuorum)', () => {
    const { cluster } = checkedCluster({ size: 3, seed: 13 });
    const first = cluster.waitForLeader();
    cluster.isolate(first.id);
    const second = cluster.waitForLeader();
    const { term } = second.status();
    cluster.tick(5 * cluster.tuning.electionTicksMax);
    cluster.reconnect(first.id);
    cluster.tick(10 * cluster.tuning.electionTicksMax);
    expect(cluster.leaders().map((node) => node.id)).toEqual([second.id]);
    expect(second.status().term).toBe(term);
    expect(first.status()).toMatchObject({ role: 'follower', term, leader: second.id });
  });

  it('a rejoining follower that was cut off disrupts the leader without PreVote, but not with it', () => {
    const termAfterRejoin = (preVote: boolean) => {
      const { cluster } = checkedCluster({ size: 3, seed: 16, tuning: { preVote, checkQuorum: false } });
      const leader = cluster.waitForLeader();
      const [follower] = othersThan(cluster, leader.id) as [string];
      const before = leader.status().term;
      cluster.isolate(follower);
      cluster.tick(10 * cluster.tuning.electionTicksMax);
      cluster.reconnect(follower);
      cluster.tick(2 * cluster.tuning.electionTicksMax);
      cluster.waitForLeader();
      return { before, after: cluster.stableLeader()!.status().term };
    };
    const withPreVote = termAfterRejoin(true);
    expect(withPreVote.after).toBe(withPreVote.before);
    const without = termAfterRejoin(false);
    expect(without.after).toBeGreaterThan(without.before);
  });

  it('no leader is elected while a majority is gone, and one is as soon as a majority is back', () => {
    const { cluster } = checkedCluster({ size: 3, seed: 14 });
    const leader = cluster.waitForLeader();
    const [lonely, away] = othersThan(cluster, leader.id) as [string, string];
    cluster.isolate(leader.id);
    cluster.isolate(away);
    for (let t = 0; t < 20 * cluster.tuning.electionTicksMax; t++) {
      cluster.tick();
      expect(cluster.node(lonely).status().role).not.toBe('leader');
    }
    cluster.reconnect(away);
    const next = cluster.waitForLeader();
    expect([lonely, away]).toContain(next.id);
  });

  it('many elections in a 7-node group with random disconnects: at most one leader per term, and a leader whenever a majority is connected', () => {
    const { cluster, clients } = checkedCluster({ size: 7, seed: 15 });
    const random = new SeededRandom(99);
    cluster.waitForLeader();
    for (let round = 0; round < 12; round++) {
      // Cut off three nodes: the other four are a majority and must (re)elect.
      const shuffled = [...cluster.ids].sort(() => random.next() - 0.5);
      const away = shuffled.slice(0, 3);
      for (const id of away) cluster.isolate(id);
      const leader = cluster.waitForLeader();
      expect(away).not.toContain(leader.id);
      for (const id of away) cluster.reconnect(id);
      cluster.tick(cluster.tuning.electionTicksMax);
    }
    const leaderOfTerm = new Map<number, string>();
    for (const { node, term } of clients.elections) {
      expect(leaderOfTerm.get(term) ?? node, `term ${term}`).toBe(node);
      leaderOfTerm.set(term, node);
    }
    expect(leaderOfTerm.size).toBeGreaterThan(1);
  });
});
