import { describe, expect, it } from 'vitest';
import type { ClusterApi, ClusterEvent, ClusterState } from '../../shared/api';
import { ScenarioEngine } from './engine';
import { act, narrate, type Scenario, wait } from './scenario';

/** A cluster that is only a state to read and a log of calls: the engine is what is tested. */
class FakeCluster {
  readonly calls: string[] = [];
  readonly listeners = new Set<(events: readonly ClusterEvent[]) => void>();
  timescale = 1;
  paused = false;
  leader: string | null = null;
  groupSize = 3;

  readonly api = {
    state: async () => this.snapshot(),
    kill: async (id: string) => {
      this.calls.push(`kill ${id}`);
    },
  } as unknown as ClusterApi;

  subscribe = (listener: (events: readonly ClusterEvent[]) => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  emit(events: readonly ClusterEvent[]): void {
    for (const listener of this.listeners) listener(events);
  }

  private snapshot(): ClusterState {
    const members = Array.from({ length: this.groupSize }, (_, i) => `127.0.0.1:${5001 + i}`);
    return {
      groups: [{ id: 0, leader: this.leader, members }],
      clock: { timescale: this.timescale, paused: this.paused },
    } as unknown as ClusterState;
  }
}

/** Wall time that passes only when the engine sleeps; `onSleep` lets a test change the world. */
class FakeTime {
  nowMs = 0;
  sleeps = 0;
  onSleep: (() => void) | null = null;
  now = (): number => this.nowMs;
  sleep = async (ms: number): Promise<void> => {
    this.nowMs += ms;
    this.sleeps++;
    this.onSleep?.();
  };
}

function setup(catalog: Scenario[]) {
  const cluster = new FakeCluster();
  const time = new FakeTime();
  const engine = new ScenarioEngine({ api: cluster.api, subscribe: cluster.subscribe, catalog, time, pollMs: 100 });
  return { cluster, time, engine };
}

/** Lets the engine's background run go on until it blocks (a narrated pause) or ends. */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

const story: Scenario = {
  id: 'story',
  title: 'A story',
  summary: 'Acts, waits and narrates.',
  preconditions: { minGroupSize: 3 },
  steps: [
    act(async ({ api }) => api.kill('127.0.0.1:5001'), 'Killing one node.'),
    wait('a leader', (_context, state) => state.groups[0]?.leader !== null, 10_000),
    narrate(({ vars }) => `Narration ${String(vars.get('missing') ?? 'with context')}`),
    act(async ({ api }) => api.kill('127.0.0.1:5002')),
  ],
};

describe('the scenario engine', () => {
  it('acts, waits for the condition, holds at a narrated pause until Next, then finishes', async () => {
    const { cluster, time, engine } = setup([story]);
    time.onSleep = () => {
      if (time.sleeps === 3) cluster.leader = '127.0.0.1:5002';
    };
    await engine.start('story');
    await settle();
    expect(engine.status()).toMatchObject({
      phase: 'narrating',
      step: 3,
      steps: 4,
      narration: 'Narration with context',
    });
    expect(cluster.calls).toEqual(['kill 127.0.0.1:5001']);
    engine.next();
    await engine.whenFinished();
    expect(cluster.calls).toEqual(['kill 127.0.0.1:5001', 'kill 127.0.0.1:5002']);
    expect(engine.status()).toMatchObject({ phase: 'done', step: 4, seconds: 0.3 });
  });

  it('fails a wait that times out, naming what it waited for, and runs no later step', async () => {
    const { cluster, engine } = setup([story]);
    await engine.start('story');
    await engine.whenFinished();
    expect(engine.status()).toMatchObject({
      phase: 'failed',
      step: 2,
      error: 'timed out after 10 s waiting for a leader',
    });
    expect(cluster.calls).toEqual(['kill 127.0.0.1:5001']);
  });

  it('stretches a wait by the timescale and does not count time spent paused', async () => {
    const { cluster, time, engine } = setup([story]);
    cluster.timescale = 10;
    cluster.paused = true;
    time.onSleep = () => {
      // Paused for the first 500 s of polls, then running: 100 s of slow motion are still allowed.
      if (time.nowMs >= 500_000) cluster.paused = false;
    };
    await engine.start('story');
    await engine.whenFinished();
    expect(engine.status()).toMatchObject({ phase: 'failed', error: 'timed out after 100 s waiting for a leader' });
    expect(time.nowMs).toBeGreaterThanOrEqual(600_000);
  });

  it('stops at a narrated pause: nothing after it runs', async () => {
    const { cluster, engine } = setup([story]);
    cluster.leader = '127.0.0.1:5002';
    await engine.start('story');
    await settle();
    await engine.stop();
    expect(engine.status()?.phase).toBe('stopped');
    expect(cluster.calls).toEqual(['kill 127.0.0.1:5001']);
    expect(() => engine.next()).toThrow(/no scenario is waiting/);
  });

  it('lets a wait read the event history since the start', async () => {
    const byEvent: Scenario = {
      ...story,
      id: 'by-event',
      steps: [
        wait('a candidate', ({ events }) => events.some((e) => e.type === 'role' && e.role === 'candidate'), 5_000),
      ],
    };
    const { cluster, time, engine } = setup([byEvent]);
    time.onSleep = () => {
      if (time.sleeps === 2)
        cluster.emit([{ type: 'role', at: 1, node: '127.0.0.1:5003', role: 'candidate', term: 4 }]);
    };
    await engine.start('by-event');
    await engine.whenFinished();
    expect(engine.status()?.phase).toBe('done');
    expect(cluster.listeners.size).toBe(0);
  });

  it('reports a failed action with its message', async () => {
    const broken: Scenario = {
      ...story,
      id: 'broken',
      steps: [
        act(async () => {
          throw new Error('127.0.0.1:5001 is not running');
        }),
      ],
    };
    const { engine } = setup([broken]);
    await engine.start('broken');
    await engine.whenFinished();
    expect(engine.status()).toMatchObject({ phase: 'failed', error: '127.0.0.1:5001 is not running' });
  });

  it('starting another scenario stops the running one', async () => {
    const other: Scenario = { ...story, id: 'other', steps: [narrate('Other')] };
    const { cluster, engine } = setup([story, other]);
    cluster.leader = '127.0.0.1:5002';
    await engine.start('story');
    await settle();
    await engine.start('other');
    await settle();
    expect(engine.status()).toMatchObject({ id: 'other', phase: 'narrating' });
    expect(cluster.calls).toEqual(['kill 127.0.0.1:5001']);
  });

  it('refuses an unknown scenario (404) and one whose preconditions fail (409), changing nothing', async () => {
    const { cluster, engine } = setup([story]);
    await expect(engine.start('nope')).rejects.toMatchObject({ status: 404, message: /no scenario 'nope'.*story/ });
    cluster.groupSize = 2;
    await expect(engine.start('story')).rejects.toMatchObject({
      status: 409,
      message: /at least 3 nodes; group 0 has 2/,
    });
    expect(engine.status()).toBeNull();
    expect(cluster.calls).toEqual([]);
  });

  it('refuses a lesson-mode scenario where the host has no lesson mode (409)', async () => {
    const lesson: Scenario = { ...story, id: 'lesson', preconditions: { minGroupSize: 3, lessonMode: true } };
    const { cluster, engine } = setup([lesson]);
    await expect(engine.start('lesson')).rejects.toMatchObject({ status: 409, message: /needs lesson mode/ });
    expect(cluster.calls).toEqual([]);
  });

  it('refuses a catalog with two scenarios of one id', () => {
    expect(() => setup([story, story])).toThrow(/two scenarios share the id 'story'/);
  });
});
