// InstallSnapshot between NodeHosts on real TCP, with real WALs and snapshot files: three nodes
// in one process, a small --snapshot-entries, one follower killed while the others write and
// compact, then restarted. It can only catch up by a snapshot streamed over the authenticated
// peer link (the leader compacted far past its log); the events say so (Snap sent and delivered,
// snapshot 'sent' on the leader and 'installed' on it), and every acknowledged write reads back.
//
// While the victim is down its links are cut: otherwise the leader's link queue (up to 4096
// messages) would hold every App sent meanwhile and hand them all over on reconnect, and the
// victim would catch up from those without needing the snapshot this test is about.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { timingOf } from '../../src/main/cli/timing';
import { ScaledClock } from '../../src/main/host/clock';
import { type NodeEvent, NodeHost } from '../../src/main/host/node-host';
import type { RespClient } from '../../src/main/net/resp-client';
import type { LinkFaults, LinkVerdict } from '../../src/main/net/types';
import { openStorage } from '../../src/main/storage';
import type { NodeId } from '../../src/shared/raft/types';
import { connect, text, waitFor } from './support/cluster';
import { freePartitions } from './support/ports';

const dataDir = mkdtempSync(join(tmpdir(), 'raftlab-snapnodes-'));
const secret = randomBytes(32);
const clock = new ScaledClock({ timescale: 1 });
const timing = timingOf({ electionTimeoutMs: { min: 300, max: 600 }, heartbeatMs: 50 });
const nodes = new Map<NodeId, NodeHost>();
const events: { node: NodeId; event: NodeEvent }[] = [];
const logLines: string[] = [];
let partitions: string[][] = [];
let seed = 100;
/** The node whose links are cut (both ways), or null. */
let isolated: NodeId | null = null;
const releases = new Set<() => void>();
const faults: LinkFaults = {
  verdict: (from, to): LinkVerdict =>
    from === isolated || to === isolated ? { action: 'drop', reason: 'cut' } : { action: 'deliver', delayMs: 0 },
  onRelease: (listener) => {
    releases.add(listener);
    return () => releases.delete(listener);
  },
  isCut: (from, to) => from === isolated || to === isolated,
};

async function startNode(id: NodeId): Promise<NodeHost> {
  const node = new NodeHost({
    id,
    partitions,
    storage: openStorage({ dir: join(dataDir, id.replace(/[^0-9]/g, '_')), inMemory: false }),
    clock,
    timing,
    preVote: true,
    checkQuorum: true,
    maxValueBytes: 1024 * 1024,
    requestTimeoutMs: 10_000,
    seed: seed++,
    secret,
    faults,
    snapshotEntries: 300,
    onEvent: (event) => {
      if (event.type === 'snapshot' || (event.type === 'transport' && event.event.message.type === 'Snap')) {
        events.push({ node: id, event });
      }
    },
    log: (line) => logLines.push(line),
  });
  await node.start();
  nodes.set(id, node);
  return node;
}

const stopTicking = clock.every(timing.tickMs, () => {
  for (const node of nodes.values()) node.tick();
});

afterAll(async () => {
  stopTicking();
  await Promise.all([...nodes.values()].map((node) => node.kill()));
  rmSync(dataDir, { recursive: true, force: true });
});

async function leader(): Promise<NodeHost> {
  return waitFor('a leader', () => [...nodes.values()].find((node) => node.alive && node.isLeader()) ?? null, 20_000);
}

describe('InstallSnapshot between NodeHosts on real TCP', () => {
  it('a killed follower restarted behind the compacted log gets the snapshot, installs it and serves every acknowledged write', async () => {
    const [members] = await freePartitions(1, 3);
    partitions = [members!];
    for (const id of members!) await startNode(id);
    const first = await leader();
    const victimId = members!.find((id) => id !== first.nodeId)!;
    await waitFor('the victim to follow', () => nodes.get(victimId)!.leader() === first.nodeId, 10_000);
    const victimLast = nodes.get(victimId)!.status().lastIndex;
    isolated = victimId;
    await nodes.get(victimId)!.kill();
    nodes.delete(victimId);

    const clients: RespClient[] = await Promise.all([connect(first.nodeId), connect(first.nodeId)]);
    const acknowledged = new Map<string, string>();
    // More than the leader keeps for slow followers past its compaction point (5000 entries).
    for (let round = 0; round < 8; round++) {
      const replies = await Promise.all(
        Array.from({ length: 1000 }, async (_, k) => {
          const reply = text(await clients[k % 2]!.command('SET', `key-${k}`, `r${round}-${k}`));
          return [`key-${k}`, `r${round}-${k}`, reply] as const;
        }),
      );
      for (const [key, value, reply] of replies) if (reply === 'OK') acknowledged.set(key, value);
    }
    for (const client of clients) client.close();
    expect(acknowledged.size).toBe(1000);
    // The leader compacted: its log no longer reaches back to where the victim stopped.
    await waitFor('the leader to compact past the victim', () => first.status().firstIndex > victimLast + 1, 20_000);
    const status = first.status();

    isolated = null;
    const victim = await startNode(victimId);
    await waitFor(
      'the victim to apply what the leader committed',
      () => victim.stateMachine().appliedIndex >= status.commit,
      30_000,
    );

    const who = (node: NodeId): string => (node === first.nodeId ? 'leader' : node === victimId ? 'victim' : 'other');
    const snapEvents = events.map(({ node, event }) =>
      event.type === 'snapshot'
        ? `${event.phase}@${who(node)}`
        : event.type === 'transport'
          ? `${event.event.type}:Snap@${who(node)}`
          : event.type,
    );
    expect(snapEvents).toContain('send:Snap@leader');
    expect(snapEvents).toContain('deliver:Snap@victim');
    expect(snapEvents).toContain('installed@victim');
    expect(snapEvents).toContain('sent@leader');
    const installed = events.find(
      ({ node, event }) => node === victimId && event.type === 'snapshot' && event.phase === 'installed',
    )!;
    expect(installed.event.type === 'snapshot' && installed.event.index).toBeGreaterThanOrEqual(status.snapshotIndex);
    expect(victim.status().snapshotIndex).toBeGreaterThanOrEqual(status.snapshotIndex);
    expect(logLines.some((line) => line.includes(`${victimId} received snapshot`))).toBe(true);

    for (const id of members!) {
      const reader = await connect(id);
      const keys = [...acknowledged.keys()];
      const values = await Promise.all(keys.map(async (key) => text(await reader.command('GET', key))));
      expect(keys.filter((key, i) => values[i] !== acknowledged.get(key)).slice(0, 5), `stale values on ${id}`).toEqual(
        [],
      );
      reader.close();
    }
  }, 120_000);
});
