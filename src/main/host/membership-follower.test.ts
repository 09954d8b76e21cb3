// The peer links follow the committed membership, and a removed node is reported once, after a grace.
import { describe, expect, it } from 'vitest';
import type { Membership } from '../../shared/raft/types';
import { MembershipFollower } from './membership-follower';

function setup(bootstrapMember = true) {
  const calls: string[] = [];
  let removed = 0;
  const follower = new MembershipFollower({
    self: 'a:1',
    transport: { addPeer: (peer) => calls.push(`+${peer}`), removePeer: (peer) => calls.push(`-${peer}`) },
    graceTicks: 3,
    bootstrapMember,
    onRemoved: () => removed++,
  });
  return { follower, calls, removed: () => removed };
}

const m = (voters: string[], learners: string[] = []): Membership => ({ voters, learners });

describe('MembershipFollower', () => {
  it('dials a learner once its entry commits and drops a node once its removal commits', () => {
    const { follower, calls } = setup();
    follower.follow(m(['a:1', 'b:1', 'c:1']));
    expect(calls).toEqual(['+b:1', '+c:1']);
    follower.follow(m(['a:1', 'b:1', 'c:1']));
    expect(calls).toHaveLength(2);
    follower.follow(m(['a:1', 'b:1', 'c:1'], ['d:1']));
    follower.follow(m(['a:1', 'b:1', 'd:1']));
    // The removed node's link stays a few ticks, so the heartbeat that tells it the commit leaves.
    expect(calls).toEqual(['+b:1', '+c:1', '+d:1']);
    follower.follow(m(['a:1', 'b:1', 'd:1']));
    follower.follow(m(['a:1', 'b:1', 'd:1']));
    expect(calls).toEqual(['+b:1', '+c:1', '+d:1', '-c:1']);
  });

  it('learns nothing from the bootstrap placeholder (no voters)', () => {
    const { follower, calls, removed } = setup();
    follower.follow(m([]));
    for (let i = 0; i < 5; i++) follower.follow(m([]));
    expect(calls).toEqual([]);
    expect(removed()).toBe(0);
  });

  it('reports its own removal once, graceTicks later, so its last heartbeats carry the commit', () => {
    const { follower, removed } = setup();
    follower.follow(m(['a:1', 'b:1', 'c:1']));
    follower.follow(m(['b:1', 'c:1']));
    expect(follower.removed).toBe(true);
    follower.follow(m(['b:1', 'c:1']));
    expect(removed()).toBe(0);
    for (let i = 0; i < 5; i++) follower.follow(m(['b:1', 'c:1']));
    expect(removed()).toBe(1);
  });

  it('a joining node is no member until its learner entry commits, and is not taken for removed before', () => {
    const { follower, removed } = setup(false);
    for (let i = 0; i < 5; i++) follower.follow(m(['b:1', 'c:1']));
    expect(removed()).toBe(0);
    follower.follow(m(['b:1', 'c:1'], ['a:1']));
    follower.follow(m(['b:1', 'c:1']));
    for (let i = 0; i < 5; i++) follower.follow(m(['b:1', 'c:1']));
    expect(removed()).toBe(1);
  });

  it('a bootstrap node restarted after its removal (its snapshot lacks it) is reported removed', () => {
    const { follower, removed } = setup(true);
    for (let i = 0; i < 5; i++) follower.follow(m(['b:1', 'c:1']));
    expect(removed()).toBe(1);
  });
});
