// Issue 11's forgeries, on real nodes over TCP: a stranger who knows the members' ids and the
// cluster id but not the cluster secret tries to write to the log, raise terms, depose the leader
// and take over a member's connection. Each of these worked before peers were authenticated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timingOf } from '../../src/main/cli/timing';
import { encodeCommand } from '../../src/main/kv/command';
import type { ClusterState, NodeView } from '../../src/shared/api';
import { clusterIdOf } from '../../src/shared/config';
import type { Message, NodeId } from '../../src/shared/raft/types';
import { connect, startCluster, type TestCluster, text, waitFor, waitForLeaders } from './support/cluster';
import { type ForgeryAttempt, forgeAsStranger, inboundConnections } from './support/peer-forge';
import { portOf } from './support/ports';

let cluster: TestCluster;
let clusterId: string;

beforeAll(async () => {
  // Slow timeouts: an election nobody forged should not happen during a test on a loaded machine.
  cluster = await startCluster(1, 3, {
    timing: timingOf({ electionTimeoutMs: { min: 1500, max: 3000 }, heartbeatMs: 100 }),
  });
  clusterId = clusterIdOf(cluster.partitions);
  await waitForLeaders(cluster.host, 30_000);
}, 60_000);
afterAll(async () => {
  await cluster.close();
});

/** The cluster once every node has the leader's whole log: the starting point of each forgery. */
async function settled(): Promise<{ state: ClusterState; leader: NodeView; followers: NodeView[] }> {
  return waitFor(
    'a leader whose log every node has',
    async () => {
      const state = await cluster.host.state();
      const leader = state.nodes.find((node) => node.role === 'leader');
      if (leader === undefined) return null;
      const followers = state.nodes.filter((node) => node.id !== leader.id);
      const caughtUp = followers.every(
        (node) => node.lastLogIndex === leader.lastLogIndex && node.commitIndex === leader.lastLogIndex,
      );
      return caughtUp && leader.commitIndex === leader.lastLogIndex ? { state, leader, followers } : null;
    },
    30_000,
  );
}

function forge(to: NodeView, claimedFrom: NodeId, messages: Message[]): Promise<ForgeryAttempt[]> {
  return forgeAsStranger({ port: portOf(to.id), claimedFrom, to: to.id, clusterId, messages });
}

/** Checked after each test's effects, which say more when they fail. */
function expectRefused(attempts: readonly ForgeryAttempt[]): void {
  for (const attempt of attempts) {
    expect(attempt.accepted, `the ${attempt.form} connection was accepted`).toBe(false);
    // The refusal tells a stranger nothing: neither the secret nor the cluster id.
    expect(attempt.reply).not.toContain(clusterId);
  }
  const guessed = attempts.find((attempt) => attempt.form === 'guessed-secret');
  expect(guessed?.reply).toContain('peer authentication failed');
}

/** A write through the real leader once it commits: everything forged before it has been seen. */
async function barrierWrite(key: string): Promise<void> {
  await waitFor(
    `SET ${key} to commit`,
    async () => {
      const leader = (await cluster.host.state()).nodes.find((node) => node.role === 'leader');
      if (leader === undefined) return null;
      const client = await connect(leader.id);
      try {
        return text(await client.command('SET', key, '1')) === 'OK';
      } finally {
        client.close();
      }
    },
    60_000,
  );
}

async function valueOn(node: NodeId, key: string): Promise<string | null> {
  const client = await connect(node);
  try {
    return text(await client.command('GET', key));
  } finally {
    client.close();
  }
}

function lastTerm(node: NodeView): number {
  return node.log.at(-1)?.term ?? node.term;
}

describe('a stranger without the cluster secret', () => {
  it('cannot write to the replicated log: a forged App (SET victim FORGED) is applied nowhere', async () => {
    const { state, leader, followers } = await settled();
    const attempts: ForgeryAttempt[] = [];
    for (const node of state.nodes) {
      // Each node hears from a member other than itself, at a newer term, with a commit index past the entry.
      const claimedFrom = node.id === leader.id ? followers[0]!.id : leader.id;
      const index = node.lastLogIndex + 1;
      const term = node.term + 1;
      const data = encodeCommand({ type: 'set', key: Buffer.from('victim'), value: Buffer.from('FORGED') });
      const forged: Message = {
        type: 'App',
        from: claimedFrom,
        to: node.id,
        term,
        prevLogIndex: node.lastLogIndex,
        prevLogTerm: lastTerm(node),
        commit: index,
        entries: [{ index, term, type: 'normal', data }],
      };
      attempts.push(...(await forge(node, claimedFrom, [forged])));
    }
    await barrierWrite('after-forged-app');
    for (const node of state.nodes) expect(await valueOn(node.id, 'victim'), `victim on ${node.id}`).toBeNull();
    expectRefused(attempts);
  }, 120_000);

  it('cannot raise any term: a forged heartbeat with a huge term changes no term', async () => {
    const { state, leader, followers } = await settled();
    const huge = 2 ** 40;
    const attempts: ForgeryAttempt[] = [];
    for (const node of state.nodes) {
      const claimedFrom = node.id === leader.id ? followers[0]!.id : leader.id;
      const heartbeat: Message = {
        type: 'Heartbeat',
        from: claimedFrom,
        to: node.id,
        term: huge,
        commit: node.commitIndex,
        context: 0,
      };
      attempts.push(...(await forge(node, claimedFrom, [heartbeat])));
    }
    // Each attempt ended with the node closing the connection, after any frame it took.
    const after = await cluster.host.state();
    for (const node of after.nodes) expect(node.term, `term of ${node.id}`).toBe(leader.term);
    expect(after.groups[0]!.leader).toBe(leader.id);
    expectRefused(attempts);
  }, 120_000);

  it('cannot depose the leader: a forged Vote with transfer and a forged TimeoutNow change nothing', async () => {
    const { leader, followers } = await settled();
    const [candidate, other] = followers as [NodeView, NodeView];
    const attempts = await forge(leader, candidate.id, [
      {
        type: 'Vote',
        from: candidate.id,
        to: leader.id,
        term: leader.term + 1,
        lastLogIndex: leader.lastLogIndex + 100,
        lastLogTerm: leader.term,
        transfer: true,
      },
    ]);
    attempts.push(
      ...(await forge(other, leader.id, [{ type: 'TimeoutNow', from: leader.id, to: other.id, term: leader.term }])),
    );
    const after = await cluster.host.state();
    expect(after.groups[0]!.leader).toBe(leader.id);
    for (const node of after.nodes) expect(node.term, `term of ${node.id}`).toBe(leader.term);
    expectRefused(attempts);
  }, 120_000);

  it.skipIf(process.platform !== 'linux')(
    "cannot take over a member's connection: posing as the leader leaves its real one open, and it keeps flowing",
    async () => {
      const { leader, followers } = await settled();
      const follower = followers[0]!;
      const port = portOf(follower.id);
      // The leader's heartbeats keep its connection to the follower open: it is among these.
      const before = (await inboundConnections(port))!;
      expect(before.size).toBeGreaterThan(0);
      const attempts = await forge(follower, leader.id, [
        { type: 'Heartbeat', from: leader.id, to: follower.id, term: leader.term, commit: 0, context: 0 },
      ]);
      await barrierWrite('after-posing');
      const after = (await inboundConnections(port))!;
      for (const clientPort of before) {
        expect(after.has(clientPort), `the connection from port ${clientPort} is still open`).toBe(true);
      }
      const leaderCommit = (await cluster.host.state()).nodes.find((node) => node.id === leader.id)!.commitIndex;
      await waitFor(
        'the follower to apply what the leader committed',
        async () =>
          (await cluster.host.state()).nodes.find((node) => node.id === follower.id)!.appliedIndex >= leaderCommit,
        30_000,
      );
      expect(await valueOn(follower.id, 'after-posing')).toBe('1');
      expectRefused(attempts);
    },
    120_000,
  );
});
