// A 3-node group of separate `raftlab node` processes that snapshot every 200 applied entries, each
// WAL rotating every 8 KiB so that compaction has whole segments to delete. Writers run, every node
// takes snapshots and drops its WAL's head, more writes land after the last snapshot (the tail),
// then every process is killed with SIGKILL at once and restarted: each restarts from its snapshot
// plus the tail, and every acknowledged write is readable.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeFolderName } from '../../src/main/cli/run-node';
import { connect, text, waitFor } from './support/cluster';
import { valueFor } from './support/observe';
import { freePartitions } from './support/ports';
import { type RaftlabProcess, spawnRaftlab } from './support/processes';
import { leaderAmong, raftInfo } from './support/raft-info';
import { startWriters } from './support/writers';

const dataDir = mkdtempSync(join(tmpdir(), 'raftlab-snap-restart-'));
const processes = new Map<string, RaftlabProcess>();
let partitionsText = '';

function startNode(id: string): void {
  const [ip, port] = id.split(':') as [string, string];
  processes.set(
    id,
    spawnRaftlab(['node', ip, port, partitionsText, '--data-dir', dataDir, '--snapshot-entries', '200'], {
      env: { ...process.env, RAFTLAB_WAL_SEGMENT_BYTES: String(8 * 1024) },
    }),
  );
}

async function infoOf(id: string): Promise<Record<string, string>> {
  return waitFor(`INFO from ${id}`, () => raftInfo(id), 20_000);
}

afterAll(async () => {
  for (const run of processes.values()) run.child.kill('SIGKILL');
  await Promise.all([...processes.values()].map((run) => run.exited));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a restart from a snapshot plus a tail, on real processes', () => {
  it('every node restarts from its snapshot and the WAL tail, and every acknowledged write is readable', async () => {
    const [members] = await freePartitions(1, 3);
    const ids = members!;
    partitionsText = JSON.stringify([ids]).replaceAll('"', "'");
    for (const id of ids) startNode(id);
    await waitFor('a first leader', () => leaderAmong(ids), 30_000);

    const writers = startWriters(ids, ids, 'snap');
    // Until every node has taken a few snapshots.
    await waitFor(
      'snapshots on every node',
      async () => {
        const infos = await Promise.all(ids.map(raftInfo));
        return infos.every((info) => Number(info?.snapshot_index ?? 0) >= 1000);
      },
      120_000,
    );
    const acknowledged = await writers.stop();
    expect(acknowledged.length).toBeGreaterThan(1000);

    // A tail after every node's last snapshot.
    const client = await waitFor('a client', () => connect(ids[0]!).catch(() => null), 20_000);
    for (let n = 0; ; n++) {
      const key = `tail-${n}`;
      if (text(await client.command('SET', key, valueFor(key))) === 'OK') acknowledged.push(key);
      const infos = await Promise.all(ids.map(infoOf));
      const tailEverywhere = infos.every(
        (info) => Number(info.applied_index) > Number(info.snapshot_index) && Number(info.snapshot_index) > 0,
      );
      if (n >= 10 && tailEverywhere) break;
    }
    client.close();
    for (const id of ids) {
      // The log before the snapshot is gone from disk (memory keeps a margin for slow followers).
      const wal = readdirSync(join(dataDir, nodeFolderName(id), 'wal')).sort();
      expect(wal[0], `${id}'s first WAL segment`).not.toBe('00000001.wal');
      expect(readdirSync(join(dataDir, nodeFolderName(id), 'snap')).length, id).toBeGreaterThan(0);
    }

    // Every process dies at once, mid-flight: nothing is flushed at exit.
    for (const id of ids) processes.get(id)!.child.kill('SIGKILL');
    await Promise.all(ids.map((id) => processes.get(id)!.exited));
    for (const id of ids) startNode(id);
    await waitFor('a leader after the restart', () => leaderAmong(ids), 30_000);
    for (const id of ids) {
      const info = await infoOf(id);
      expect(Number(info.snapshot_index), `${id} restarted from a snapshot`).toBeGreaterThan(0);
    }

    const reader = await waitFor('a client after the restart', () => connect(ids[1]!).catch(() => null), 20_000);
    const missing: string[] = [];
    for (const key of acknowledged) {
      const value = text(await reader.command('GET', key));
      if (value !== valueFor(key)) missing.push(`${key}=${value}`);
    }
    reader.close();
    expect(missing).toEqual([]);
  }, 300_000);
});
