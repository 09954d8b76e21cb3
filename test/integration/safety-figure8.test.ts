// Figure 8 of the Raft paper staged on a real five-node cluster (real TCP, the host's own link
// faults, kills and restarts), watched by the live safety monitor. With the Figure 8 lesson's
// UNSAFE commit by counting replicas, a later leader lacks an entry that was committed: the Leader
// Completeness light turns red with the evidence. The same steps with the commit rule on stay
// green, and the cluster goes on committing.
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterState, NodeView } from '../../src/shared/api';
import type { NodeId } from '../../src/shared/raft/types';
import { SAFETY_PROPERTIES } from '../../src/shared/safety';
import { startCluster, type TestCluster, waitFor, waitForLeaders } from './support/cluster';

let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

function nodeOf(state: ClusterState, id: NodeId): NodeView {
  return state.nodes.find((node) => node.id === id)!;
}

async function leaderAmong(ids: readonly NodeId[], what: string): Promise<NodeView> {
  const host = cluster!.host;
  return waitFor(
    what,
    async () => (await host.state()).nodes.find((n) => ids.includes(n.id) && n.alive && n.role === 'leader'),
    20_000,
  );
}

/**
 * Paper (a)-(d): A is written in term t1 on L1 and n2 only; X leads a later term and writes B that
 * reaches nobody; L1 or n2 leads again and replicates A to Y and Z (a majority, with nothing of the
 * new term above it); then both holders die and X, restarted, wins with Y's and Z's votes.
 */
async function stageFigure8(unsafe: boolean) {
  cluster = await startCluster(1, 5, {
    inMemory: true,
    preVote: false,
    checkQuorum: false,
    lessons: true,
    requestTimeoutMs: 1000,
  });
  const host = cluster.host;
  await host.setLesson({ skipNoop: true, unsafeCommitByCount: unsafe });
  const first = await waitForLeaders(host, 20_000);
  const l1 = first.groups[0]!.leader!;
  const ids = cluster.partitions[0]!;
  const n2 = ids.find((id) => id !== l1)!;
  const rest = ids.filter((id) => id !== l1 && id !== n2);

  // (a) A reaches n2 only; the other three elect X among themselves.
  await host.partition([[l1, n2], rest]);
  expect((await host.kv({ op: 'SET', key: 'k', value: 'A', via: l1 })).ok).toBe(false);
  const x = (await leaderAmong(rest, 'a leader among the other three')).id;
  const [y, z] = rest.filter((id) => id !== x) as [NodeId, NodeId];
  const termOfA = nodeOf(await host.state(), l1).log.at(-1)!.term;

  // (b) X writes B, which reaches nobody, then dies.
  await host.partition([[l1, n2], [x], [y, z]]);
  expect((await host.kv({ op: 'SET', key: 'k', value: 'B', via: x })).ok).toBe(false);
  const termOfB = nodeOf(await host.state(), x).log.at(-1)!.term;
  expect(termOfB).toBeGreaterThan(termOfA);
  await host.kill(x);

  // (c) L1 or n2 leads again and replicates A to Y and Z.
  await host.heal();
  const second = await leaderAmong([l1, n2], 'L1 or n2 to lead again');
  await waitFor('A on Y and Z', async () => {
    const state = await host.state();
    return [y, z].every((id) => nodeOf(state, id).log.at(-1)?.term === termOfA);
  });
  if (unsafe) {
    await waitFor('A committed by counting, and Y and Z told so', async () => {
      const state = await host.state();
      return [second.id, y, z].every((id) => nodeOf(state, id).commitIndex >= 1);
    });
  }
  const beforeOverwrite = await host.state();

  // (d) Both holders of A die; X comes back and wins with Y's and Z's votes.
  await host.kill(l1);
  await host.kill(n2);
  await host.restart(x);
  await leaderAmong([x], 'X to lead');
  return { host, x, y, z, termOfA, termOfB, beforeOverwrite, leaderOfA: second.id };
}

describe('the Figure 8 lessons outside lesson mode', () => {
  it('are refused, with a reason, and change nothing', async () => {
    cluster = await startCluster(1, 1, { inMemory: true });
    await expect(cluster.host.setLesson({ unsafeCommitByCount: true })).rejects.toMatchObject({
      status: 409,
      message: expect.stringContaining('lesson mode'),
    });
    const state = await cluster.host.state();
    expect(state.lesson).toEqual({ available: false, skipNoop: false, unsafeCommitByCount: false });
  });
});

describe('the live safety monitor on Figure 8', () => {
  it('with UNSAFE commit by counting, a later leader lacks a committed entry: Leader Completeness turns red', async () => {
    const { host, x, termOfA, termOfB, beforeOverwrite, leaderOfA } = await stageFigure8(true);
    expect(nodeOf(beforeOverwrite, leaderOfA).commitIndex).toBe(1);
    const state = await waitFor('the Leader Completeness light to turn red', async () => {
      const current = await host.state();
      return current.safety?.leaderCompleteness.ok === false ? current : null;
    });
    const check = state.safety!.leaderCompleteness;
    if (check.ok) throw new Error('unreachable');
    expect(check.violation.nodes).toContain(x);
    expect(check.violation.index).toBe(1);
    expect(check.violation.terms).toEqual([termOfA, termOfB]);
    expect(state.safety!.electionSafety.ok).toBe(true);
  }, 90_000);

  it('with the commit rule on, the same steps stay green: A is never committed, B overwrites it, and later writes commit', async () => {
    const { host, y, z, termOfB, beforeOverwrite, leaderOfA } = await stageFigure8(false);
    // The rule held A back although a majority had it.
    expect(nodeOf(beforeOverwrite, leaderOfA).commitIndex).toBe(0);
    await waitFor('B to replace A on Y and Z', async () => {
      const state = await host.state();
      return [y, z].every((id) => nodeOf(state, id).log.at(-1)?.term === termOfB);
    });
    expect((await host.kv({ op: 'SET', key: 'k', value: 'C' })).ok).toBe(true);
    const state = await waitFor('Y and Z to apply B and C', async () => {
      const current = await host.state();
      return [y, z].every((id) => nodeOf(current, id).appliedIndex >= 2) ? current : null;
    });
    for (const property of SAFETY_PROPERTIES) expect(state.safety?.[property], property).toEqual({ ok: true });
  }, 90_000);
});
