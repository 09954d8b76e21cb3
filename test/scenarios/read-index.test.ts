// ReadIndex (thesis §6.4): a linearizable read never returns a value older than a write that was
// acknowledged before the read started, whether it is served by the leader, by a follower, or
// across a change of leader. (The Linearizable Reads checker also watches every read here.)
import { describe, expect, it } from 'vitest';
import type { SimCluster } from '../harness/cluster';
import { encodeSet } from '../harness/kv';
import { type ClientLog, checkedCluster, othersThan } from './support';

/** Writes key=value through the current leader and waits for the acknowledgement. */
function write(cluster: SimCluster, clients: ClientLog, key: string, value: string): void {
  const acknowledged = () => clients.acknowledged.some((ack) => ack.key === key && ack.value === value);
  cluster.tickUntil(
    () => {
      if (acknowledged()) return true;
      const leader = cluster.stableLeader();
      const pending = leader !== null && leader.stateMachine.appliedIndex < leader.status().lastIndex;
      if (leader !== null && !pending) cluster.propose(leader.id, [encodeSet(key, value)]);
      return acknowledged();
    },
    40 * cluster.tuning.electionTicksMax,
    `write ${key}=${value} acknowledged`,
  );
}

/** Starts a read at `id` and ticks until it completes; returns the value. */
function read(cluster: SimCluster, clients: ClientLog, id: string, key: string): string | null {
  const readId = cluster.read(id, key);
  if (readId === null) throw new Error(`${id} refused the read`);
  cluster.tickUntil(() => clients.read(readId).done, 10 * cluster.tuning.electionTicksMax, `read at ${id}`);
  const outcome = clients.read(readId);
  return outcome.done ? outcome.value : null;
}

describe('ReadIndex reads are linearizable', () => {
  it('a read at the leader sees the latest acknowledged write', () => {
    const { cluster, clients } = checkedCluster({ size: 3, seed: 61 });
    const leader = cluster.waitForLeader();
    write(cluster, clients, 'x', 'v1');
    write(cluster, clients, 'x', 'v2');
    expect(read(cluster, clients, leader.id, 'x')).toBe('v2');
  });

  it('a read at a follower that has not applied the write yet waits for it instead of answering stale', () => {
    const { cluster, clients } = checkedCluster({ size: 3, seed: 62 });
    const leader = cluster.waitForLeader();
    const [follower] = othersThan(cluster, leader.id) as [string];
    write(cluster, clients, 'x', 'v1');
    cluster.tickUntil(
      () => cluster.node(follower).stateMachine.get('x')?.value === 'v1',
      5,
      'v1 applied at the follower',
    );
    // Hold back the commit notices to the follower, then acknowledge v2 at the leader alone.
    cluster.cut(leader.id, follower, false);
    write(cluster, clients, 'x', 'v2');
    expect(cluster.node(follower).stateMachine.get('x')?.value).toBe('v1');
    cluster.heal(leader.id, follower, false);
    expect(read(cluster, clients, follower, 'x')).toBe('v2');
  });

  it('across a leader change: the cut-off old leader serves no stale read; the new leader and its followers read the new value', () => {
    const { cluster, clients } = checkedCluster({ size: 3, seed: 63, tuning: { checkQuorum: false } });
    const old = cluster.waitForLeader();
    write(cluster, clients, 'x', 'v1');
    cluster.isolate(old.id);
    const fresh = cluster.waitForLeader();
    write(cluster, clients, 'x', 'v2');
    // Without CheckQuorum the old leader still believes it leads, but it cannot confirm that with a
    // majority, so its read must never complete with v1.
    expect(old.status().role).toBe('leader');
    const stale = cluster.read(old.id, 'x');
    expect(stale).not.toBeNull();
    cluster.tick(5 * cluster.tuning.electionTicksMax);
    expect(clients.read(stale!).done).toBe(false);
    expect(read(cluster, clients, fresh.id, 'x')).toBe('v2');
    const [follower] = othersThan(cluster, old.id, fresh.id) as [string];
    expect(read(cluster, clients, follower, 'x')).toBe('v2');
    // Back in the group, the old leader steps down: its pending read fails and a new one is fresh.
    cluster.reconnect(old.id);
    cluster.tick(2 * cluster.tuning.electionTicksMax);
    expect(clients.read(stale!).done).toBe(false);
    expect(clients.hasFailed(stale!)).toBe(true);
    expect(read(cluster, clients, old.id, 'x')).toBe('v2');
  });

  it('a new leader answers no read until an entry of its own term is committed', () => {
    const { cluster, clients } = checkedCluster({
      size: 3,
      seed: 64,
      autoDeliver: false,
      tuning: { preVote: false, checkQuorum: false },
    });
    cluster.campaign('n1');
    cluster.deliverAll();
    cluster.propose('n1', [encodeSet('x', 'v1')]);
    cluster.deliverAll();
    expect(clients.acknowledged).toMatchObject([{ key: 'x', value: 'v1' }]);
    // n2 wins an election by hand; hold back its no-op, then ask it for a read.
    cluster.campaign('n2');
    cluster.deliverAll((m) => m.type === 'Vote' || m.type === 'VoteResp');
    expect(cluster.node('n2').status().role).toBe('leader');
    const readId = cluster.read('n2', 'x')!;
    // A heartbeat round that a majority acknowledges is not enough while the no-op is uncommitted.
    cluster.tick();
    expect(cluster.deliverAll((m) => m.type === 'Heartbeat' || m.type === 'HeartbeatResp')).toBeGreaterThan(0);
    expect(clients.read(readId).done).toBe(false);
    cluster.deliverAll();
    expect(clients.read(readId)).toMatchObject({ done: true, value: 'v1' });
  });
});
