// The staging tools on a real cluster (real TCP on 127.0.0.1): a cluster started paused is driven
// message by message, one held message is dropped by hand, and messages already waiting out an
// added delay when the pause began can be stepped too.
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterEvent } from '../../src/shared/api';
import type { HeldMessageView } from '../../src/shared/staging-api';
import { startCluster, type TestCluster, waitFor, waitForLeaders } from './support/cluster';

let cluster: TestCluster | null = null;
const events: ClusterEvent[] = [];

afterEach(async () => {
  await cluster?.close();
  cluster = null;
  events.length = 0;
});

async function start(overrides: Parameters<typeof startCluster>[2]): Promise<TestCluster> {
  cluster = await startCluster(1, 3, { inMemory: true, ...overrides });
  cluster.host.onEvents((batch) => events.push(...batch));
  return cluster;
}

async function held(): Promise<readonly HeldMessageView[]> {
  return (await cluster!.host.state()).staging?.held ?? [];
}

function fate(id: number): ClusterEvent | undefined {
  return events.find((event) => (event.type === 'deliver' || event.type === 'drop') && event.id === id);
}

describe('staging on a real cluster', () => {
  it('started paused, an election is driven one message at a time with the clock frozen', async () => {
    const { host, partitions } = await start({ paused: true });
    const [a, b, c] = partitions[0]!;
    expect((await host.state()).clock.paused).toBe(true);
    await host.forceTimeout(a!);
    const asks = await waitFor('two PreVotes held', async () => ((await held()).length === 2 ? held() : null));
    expect(asks.map((m) => [m.kind, m.from, m.to])).toEqual([
      ['PreVote', a, b],
      ['PreVote', a, c],
    ]);
    expect(asks[0]!.id).toBeLessThan(asks[1]!.id);

    // Step one: exactly the oldest is delivered; the answer it causes is held in its turn.
    expect(await host.step(1)).toEqual({ delivered: 1 });
    await waitFor('the first PreVote delivered', () => fate(asks[0]!.id)?.type === 'deliver');
    const answer = await waitFor('the answer held', async () =>
      (await held()).find((m) => m.kind === 'PreVoteResp' && m.from === b),
    );
    expect((await held()).map((m) => m.id)).toContain(asks[1]!.id);

    // Drop the PreVote to c by hand: it is dropped, never delivered.
    await host.dropMessage(asks[1]!.id);
    await waitFor('the drop', () => fate(asks[1]!.id));
    expect(fate(asks[1]!.id)).toMatchObject({ type: 'drop', reason: 'dropped by hand' });
    await expect(host.dropMessage(asks[1]!.id)).rejects.toMatchObject({ status: 404 });

    // Keep stepping: a wins its election while no timer has run.
    expect(answer.fields.reject).toBe(false);
    await waitFor(
      'a to lead, stepping one message at a time',
      async () => {
        const state = await host.state();
        if (state.nodes.find((node) => node.id === a)?.role === 'leader') return true;
        if ((await held()).length > 0) await host.step(1);
        return null;
      },
      15_000,
    );
    const state = await host.state();
    expect(state.clock.paused).toBe(true);
    expect(state.nodes.find((node) => node.id === a)).toMatchObject({ role: 'leader', term: 1 });
  }, 40_000);

  it('messages waiting out an added delay when the pause begins are held, and can be stepped', async () => {
    const { host } = await start({});
    await waitForLeaders(host, 20_000);
    await host.setNetwork({ latencyMs: [100, 100] });
    const mark = events.length;
    await waitFor('heartbeats on their way', () => events.slice(mark).filter((e) => e.type === 'send').length >= 4);
    await host.setClock({ paused: true });
    const waiting = await held();
    // Heartbeats leave every 50 ms and take 100 ms: some were on their way at the pause.
    expect(waiting.length).toBeGreaterThan(0);
    expect(waiting.every((m) => fate(m.id) === undefined)).toBe(true);
    expect(await host.step(waiting.length)).toEqual({ delivered: waiting.length });
    await waitFor('every stepped message delivered', () => waiting.every((m) => fate(m.id)?.type === 'deliver'));
  }, 40_000);

  it('refuses to step a running cluster', async () => {
    const { host } = await start({});
    await expect(host.step(1)).rejects.toMatchObject({ status: 409 });
  }, 40_000);
});
