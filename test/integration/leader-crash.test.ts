// Nodes as separate `raftlab node` processes, the leader killed with SIGKILL: a new leader takes
// over, writes continue, the old leader restarts from its data folder and catches up, and every
// acknowledged write survives.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, text, waitFor } from './support/cluster';
import { freePartitions } from './support/ports';
import { type RaftlabProcess, spawnRaftlab } from './support/processes';
import { leaderAmong, raftInfo } from './support/raft-info';

const dataDir = mkdtempSync(join(tmpdir(), 'raftlab-crash-'));
const processes = new Map<string, RaftlabProcess>();
let partitionsText = '';

function startNode(id: string): void {
  const [ip, port] = id.split(':') as [string, string];
  processes.set(id, spawnRaftlab(['node', ip, port, partitionsText, '--data-dir', dataDir]));
}

afterAll(async () => {
  for (const run of processes.values()) run.child.kill('SIGKILL');
  await Promise.all([...processes.values()].map((run) => run.exited));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a 3-node group of separate processes', () => {
  it('survives SIGKILL of its leader without losing an acknowledged write, and the old leader catches up', async () => {
    const [members] = await freePartitions(1, 3);
    const ids = members!;
    partitionsText = JSON.stringify([ids]).replaceAll('"', "'");
    for (const id of ids) startNode(id);
    const firstLeader = await waitFor('a first leader', () => leaderAmong(ids), 20_000);

    const acknowledged = new Map<string, string>();
    // The leader is up; the other processes may still be opening their ports.
    const writer = await waitFor(
      'a follower accepting clients',
      () => connect(ids.find((id) => id !== firstLeader)!).catch(() => null),
      20_000,
    );
    for (let i = 0; i < 50; i++) {
      const reply = await writer.command('SET', `before-${i}`, `v${i}`);
      if (text(reply) === 'OK') acknowledged.set(`before-${i}`, `v${i}`);
    }
    expect(acknowledged.size).toBe(50);

    processes.get(firstLeader)!.child.kill('SIGKILL');
    await processes.get(firstLeader)!.exited;
    const survivors = ids.filter((id) => id !== firstLeader);
    const secondLeader = await waitFor('a new leader among the survivors', () => leaderAmong(survivors), 20_000);
    expect(secondLeader).not.toBe(firstLeader);

    for (let i = 0; i < 50; i++) {
      const reply = await writer.command('SET', `after-${i}`, `w${i}`);
      if (text(reply) === 'OK') acknowledged.set(`after-${i}`, `w${i}`);
    }
    expect(acknowledged.size).toBe(100);
    writer.close();

    startNode(firstLeader);
    const leaderInfo = await waitFor('the new leader to report its log', () => raftInfo(secondLeader), 10_000);
    const target = Number(leaderInfo.last_log_index);
    await waitFor(
      'the restarted node to catch up',
      async () => {
        const fields = await raftInfo(firstLeader);
        return fields && Number(fields.applied_index) >= target && fields.leader === secondLeader;
      },
      20_000,
    );

    for (const id of ids) {
      const reader = await connect(id);
      for (const [key, value] of acknowledged) expect(text(await reader.command('GET', key))).toBe(value);
      reader.close();
    }
  });
});
