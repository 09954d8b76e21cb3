// A scenario script with its expected trace checked in, for a student to read next to the code:
// who times out, who asks for (pre-)votes, who wins, and what happens when the leader is cut off
// and comes back. Only roles, terms and faults are shown; the safety checkers watch everything.
import { describe, expect, it } from 'vitest';
import { Trace } from '../harness/trace';
import { checkedCluster } from './support';

describe('a readable election script', () => {
  it('three nodes elect a leader, lose it to a partition, elect another, and take the old one back', () => {
    const { cluster } = checkedCluster({ size: 3, seed: 7 });
    const story = new Trace({
      capacity: 1000,
      include: (event) => event.kind === 'role' || event.kind === 'fault' || event.kind === 'propose',
    });
    cluster.observe(story);

    const first = cluster.waitForLeader();
    cluster.agree('hello', 3);
    cluster.isolate(first.id);
    const second = cluster.waitForLeader();
    cluster.agree('world', 2);
    // Cut off for two election timeouts, the old leader notices it lost its quorum (CheckQuorum),
    // steps down, and keeps failing PreVotes without raising its term.
    cluster.tick(2 * cluster.tuning.electionTicksMax);
    cluster.reconnect(first.id);
    cluster.tick(3 * cluster.tuning.electionTicksMax);

    expect(second.id).not.toBe(first.id);
    expect(story.text()).toMatchInlineSnapshot(`
      "t=12 n2 precandidate term 0
      t=12 n2 candidate term 1
      t=12 n1 follower term 1
      t=12 n3 follower term 1
      t=12 n2 leader term 1
      t=12 n2 propose 2@1 "hello"
      t=13 FAULT isolate n2
      t=24 n3 precandidate term 1
      t=24 n3 candidate term 2
      t=24 n1 follower term 2
      t=24 n3 leader term 2
      t=24 n3 propose 4@2 "world"
      t=32 n2 follower term 1
      t=51 n2 precandidate term 1
      t=65 FAULT reconnect n2
      t=66 n2 follower term 2"
    `);
  });
});
