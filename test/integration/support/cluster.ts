// Starts a real ClusterHost (real TCP, real files unless in memory) for integration tests, and
// small helpers to wait for what a test needs to see.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timingOf } from '../../../src/main/cli/timing';
import { ClusterHost, type ClusterHostOptions } from '../../../src/main/host/cluster-host';
import { RespClient } from '../../../src/main/net/resp-client';
import type { RespReply } from '../../../src/main/net/types';
import type { ClusterState } from '../../../src/shared/api';
import { freePartitions, portOf } from './ports';

export interface TestCluster {
  readonly host: ClusterHost;
  readonly partitions: string[][];
  readonly dataDir: string;
  close(): Promise<void>;
}

export async function startCluster(
  groups: number,
  size: number,
  overrides: Partial<ClusterHostOptions> = {},
): Promise<TestCluster> {
  const partitions = await freePartitions(groups, size);
  const dataDir = mkdtempSync(join(tmpdir(), 'raftlab-it-'));
  const host = new ClusterHost({
    partitions,
    dataDir,
    inMemory: false,
    timing: timingOf({ electionTimeoutMs: { min: 150, max: 300 }, heartbeatMs: 50 }),
    timescale: 1,
    preVote: true,
    checkQuorum: true,
    maxValueBytes: 1024 * 1024,
    requestTimeoutMs: 5000,
    seed: 1234,
    ...overrides,
  });
  await host.start();
  return {
    host,
    partitions,
    dataDir,
    async close() {
      await host.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined> | T | null | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Resolves with the state once every group has exactly one live leader. */
export function waitForLeaders(host: ClusterHost, timeoutMs = 10_000): Promise<ClusterState> {
  return waitFor(
    'a leader in every group',
    async () => {
      const state = await host.state();
      const everyGroupLed = state.groups.every(
        (group) => state.nodes.filter((n) => n.group === group.id && n.alive && n.role === 'leader').length === 1,
      );
      return everyGroupLed ? state : null;
    },
    timeoutMs,
  );
}

export async function connect(id: string): Promise<RespClient> {
  return RespClient.connect('127.0.0.1', portOf(id), { commandTimeoutMs: 15_000 });
}

export function text(reply: RespReply): string | null {
  if (reply.type === 'bulk') return reply.value === null ? null : Buffer.from(reply.value).toString('utf8');
  if (reply.type === 'simple' || reply.type === 'error') return reply.value;
  if (reply.type === 'integer') return String(reply.value);
  return JSON.stringify(reply.value);
}
