// Figure 8 of the Raft paper staged on a real five-node cluster (real TCP, the host's own link
// faults, kills and restarts), watched by the live safety monitor. With the Figure 8 lesson's
// UNSAFE commit by counting replicas, a later leader lacks an entry that was committed: the Leader
// Completeness light turns red with the evidence. The same steps with the commit rule on stay
// green, and the cluster goes on committing.
import { afterEach, describe, expect, it } from 'vitest';
import { SAFETY_PROPERTIES } from '../../src/shared/safety';
import { startCluster, type TestCluster, waitFor, waitForLeaders } from './support/cluster';
import { nodeOf, stageFigure8 } from './support/figure8';

let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function staged(unsafe: boolean) {
  cluster = await startCluster(1, 5, {
    inMemory: true,
    preVote: false,
    checkQuorum: false,
    lessons: true,
    requestTimeoutMs: 1000,
  });
  await waitForLeaders(cluster.host, 20_000);
  return { host: cluster.host, ...(await stageFigure8(cluster.host, cluster.partitions[0]!, unsafe)) };
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
    const { host, x, termOfA, termOfB, indexOfA, beforeOverwrite, leaderOfA } = await staged(true);
    expect(nodeOf(beforeOverwrite, leaderOfA).commitIndex).toBe(indexOfA);
    const state = await waitFor('the Leader Completeness light to turn red', async () => {
      const current = await host.state();
      return current.safety?.leaderCompleteness.ok === false ? current : null;
    });
    const check = state.safety!.leaderCompleteness;
    if (check.ok) throw new Error('unreachable');
    expect(check.violation.nodes).toContain(x);
    expect(check.violation.index).toBe(indexOfA);
    expect(check.violation.terms).toEqual([termOfA, termOfB]);
    expect(state.safety!.electionSafety.ok).toBe(true);
  }, 90_000);

  it('with the commit rule on, the same steps stay green: A is never committed, B overwrites it, and later writes commit', async () => {
    const { host, y, z, termOfB, indexOfA, beforeOverwrite, leaderOfA } = await staged(false);
    // The rule held A back although a majority had it.
    expect(nodeOf(beforeOverwrite, leaderOfA).commitIndex).toBeLessThan(indexOfA);
    await waitFor('B to replace A on Y and Z', async () => {
      const state = await host.state();
      return [y, z].every((id) => nodeOf(state, id).log.at(-1)?.term === termOfB);
    });
    expect((await host.kv({ op: 'SET', key: 'k', value: 'C' })).ok).toBe(true);
    const state = await waitFor('Y and Z to apply B and C', async () => {
      const current = await host.state();
      return [y, z].every((id) => nodeOf(current, id).appliedIndex > indexOfA) ? current : null;
    });
    for (const property of SAFETY_PROPERTIES) expect(state.safety?.[property], property).toEqual({ ok: true });
  }, 90_000);
});
