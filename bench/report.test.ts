import { describe, expect, it } from 'vitest';
import { quantile } from './latency-recorder';
import type { LoadResult } from './load-client';
import { type BenchResults, compareCells, evaluateTargets, formatTable } from './report';

function cell(op: 'SET' | 'GET', connections: number, opsPerSec: number, p50Ms: number): LoadResult {
  return {
    op,
    connections,
    pipeline: 1,
    ops: opsPerSec,
    errors: 0,
    firstError: null,
    seconds: 1,
    opsPerSec,
    p50Ms,
    p99Ms: p50Ms * 4,
    aborted: null,
  };
}

const ours = [cell('SET', 1, 1000, 0.5), cell('SET', 64, 20_000, 3), cell('GET', 64, 10_000, 6)];
const redis = [cell('SET', 1, 3000, 0.2), cell('SET', 64, 30_000, 2), cell('GET', 64, 40_000, 1.5)];

const results: BenchResults = {
  raftlab: ours,
  redis,
  failover: { tries: 3, timesMs: [300, 500, 1000], medianMs: 500, maxMs: 1000, failures: [] },
  clusterCosts: {
    settleSeconds: 30,
    idleSeconds: 10,
    idleCpuPercentOfCore: 1.5,
    bareTimerCpuPercentOfCore: 0.3,
    rssMiBIdle: 80,
    writes: 100,
    writesPerSec: 100,
    writeErrors: 0,
    rssMiBAfterWrites: 90,
  },
  eventStream: {
    rounds: 1,
    opsPerSecWithout: 100,
    opsPerSecWith: 85,
    costPercent: 15,
    eventsPerSec: 10,
    bytesPerSec: 1000,
  },
  electionTimeoutMaxMs: 300,
};

describe('bench report', () => {
  it('judges each target of issue 6 on the ratio or figure it names', () => {
    const verdicts = Object.fromEntries(evaluateTargets(results).map((v) => [v.target, v]));
    expect(verdicts['SET throughput at 64 clients, vs redis']).toMatchObject({ value: 20_000 / 30_000, met: true });
    expect(verdicts['SET p50 latency at 1 client, vs redis']).toMatchObject({ value: 2.5, met: false });
    expect(verdicts['GET (ReadIndex) throughput at 64 clients, vs redis']).toMatchObject({ value: 0.25, met: false });
    expect(verdicts['failover median, vs max election timeout']?.met).toBe(true);
    expect(verdicts['failover max, vs max election timeout']).toMatchObject({ value: 1000 / 300, met: false });
    expect(verdicts['idle 3x3 cluster CPU']?.met).toBe(true);
    expect(verdicts['write throughput lost to a subscribed view']?.met).toBe(false);
  });

  it('says "not measured" rather than pass or miss when redis or a section is missing', () => {
    const alone = evaluateTargets({ ...results, redis: null, failover: null });
    expect(alone.filter((v) => v.met === null).map((v) => v.target)).toEqual([
      'SET throughput at 64 clients, vs redis',
      'SET p50 latency at 1 client, vs redis',
      'GET (ReadIndex) throughput at 64 clients, vs redis',
      'failover median, vs max election timeout',
      'failover max, vs max election timeout',
    ]);
    expect(compareCells({ ...results, redis: null })[0]?.throughputRatio).toBeNull();
  });

  it('a failover try that never recovered fails the failover targets instead of being left out', () => {
    const failed = evaluateTargets({
      ...results,
      failover: { tries: 3, timesMs: [200], medianMs: 200, maxMs: 200, failures: ['try 2: never', 'try 3: never'] },
    });
    expect(failed.find((v) => v.target.startsWith('failover max'))).toMatchObject({ value: null, met: false });
    // Two of three tries never recovered: the median try never did either.
    expect(failed.find((v) => v.target.startsWith('failover median'))).toMatchObject({ value: null, met: false });
    expect(formatTable({ ...results, failover: null })).not.toContain('never');
  });

  it('the table shows each cell and each verdict', () => {
    const text = formatTable(results);
    expect(text).toContain('20,000');
    expect(text).toMatch(/SET throughput at 64 clients, vs redis\s+>= 0.5 x redis\s+0.67 x redis\s+met/);
    expect(text).toMatch(/SET p50 latency at 1 client, vs redis\s+<= 2 x redis\s+2.50 x redis\s+MISSED/);
  });
});

describe('quantile', () => {
  it('takes the nearest rank', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantile(sorted, 0.5)).toBe(5);
    expect(quantile(sorted, 0.99)).toBe(10);
    expect(quantile(sorted, 0)).toBe(1);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
