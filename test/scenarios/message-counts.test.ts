// Message economy (the lab's RPC-count tests): an idle leader sends heartbeats and nothing else,
// an election costs a bounded number of messages, and agreement does not flood the network.
import { describe, expect, it } from 'vitest';
import { MESSAGE_TYPES, type MessageType } from '../../src/shared/raft/types';
import type { MessageCounts } from '../harness/network';
import { checkedCluster } from './support';

function total(counts: MessageCounts, types: readonly MessageType[] = MESSAGE_TYPES): number {
  return types.reduce((sum, type) => sum + counts[type], 0);
}

describe('message counts', () => {
  it('an idle leader sends only heartbeats: one per follower per heartbeat interval', () => {
    const heartbeatTicks = 3;
    const { cluster } = checkedCluster({ size: 5, seed: 41, tuning: { heartbeatTicks } });
    const leader = cluster.waitForLeader();
    cluster.agree('warm-up', 5);
    cluster.tick(2 * heartbeatTicks);
    cluster.network.resetStats();
    const windowTicks = 300;
    cluster.tick(windowTicks);
    const sent = cluster.network.stats.sent;
    const beats = windowTicks / heartbeatTicks;
    const followers = cluster.size - 1;
    expect(sent.Heartbeat).toBeGreaterThanOrEqual(followers * (beats - 1));
    expect(sent.Heartbeat).toBeLessThanOrEqual(followers * (beats + 1));
    expect(sent.HeartbeatResp).toBe(sent.Heartbeat);
    expect(total(sent)).toBe(sent.Heartbeat + sent.HeartbeatResp);
    expect(cluster.leaders().map((node) => node.id)).toEqual([leader.id]);
  });

  it('an election takes a bounded number of messages', () => {
    const { cluster } = checkedCluster({ size: 5, seed: 42 });
    cluster.waitForLeader();
    const votes = total(cluster.network.stats.sent, ['PreVote', 'PreVoteResp', 'Vote', 'VoteResp']);
    // One uncontested election: a PreVote round and a Vote round, a request and a reply per peer.
    // Allow one more round for a split vote; anything beyond means the timers are not randomised.
    const perRound = 4 * (cluster.size - 1);
    expect(votes).toBeGreaterThanOrEqual(perRound / 2);
    expect(votes).toBeLessThanOrEqual(2 * perRound);
  });

  it('agreeing on 10 commands costs a bounded number of AppendEntries', () => {
    const { cluster } = checkedCluster({ size: 3, seed: 43 });
    const leader = cluster.waitForLeader();
    cluster.agree('warm-up', 3);
    cluster.network.resetStats();
    const commands = 10;
    let last = 0;
    for (let i = 0; i < commands; i++) {
      const result = cluster.propose(leader.id, [`c${i}`]);
      if (result.ok) last = result.firstIndex;
    }
    cluster.tickUntil(() => cluster.appliedCount(last) === 3, 20, 'ten commands applied');
    const appends = cluster.network.stats.sent.App;
    // The lab's TestCount bound for three servers: (commands + 1 + 3) * 3 calls. Here each command
    // costs one AppendEntries per follower to carry it and one to announce its commit.
    expect(appends).toBeGreaterThanOrEqual(commands);
    expect(appends).toBeLessThanOrEqual((commands + 1 + 3) * 3);
  });
});
