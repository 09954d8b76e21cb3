// Issue 12, done-when: a follower killed while 50k writes pass catches up by InstallSnapshot after
// restart. Three `raftlab node` processes with a small --snapshot-entries: the leader compacts its
// log far past the dead follower's last entry, so on restart the follower can only be brought up
// to date by a snapshot streamed over the peer link. Checked from what the nodes say (the
// follower's log line for the received snapshot, its INFO), never from timing, and then every
// acknowledged write is read back through every node.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RespClient } from '../../src/main/net/resp-client';
import { connect, text, waitFor } from './support/cluster';
import { freePartitions } from './support/ports';
import { type RaftlabProcess, spawnRaftlab } from './support/processes';
import { leaderAmong, raftInfo } from './support/raft-info';

const dataDir = mkdtempSync(join(tmpdir(), 'raftlab-snapcatch-'));
const processes = new Map<string, RaftlabProcess>();
let partitionsText = '';

const KEYS = 5000;
const ROUNDS = 10; // 50k writes: every key written once per round, each round after the last is acknowledged
const SNAPSHOT_ENTRIES = 2000;
// Values big enough that the 50k writes (about 30 MB) overflow the leader's bounded queue for the
// dead follower (16 MiB): otherwise the queued Apps alone, delivered on reconnect, could catch it
// up, and this test is about the case they cannot.
const PADDING = 'x'.repeat(600);

function startNode(id: string): RaftlabProcess {
  const [ip, port] = id.split(':') as [string, string];
  const run = spawnRaftlab([
    'node',
    ip,
    port,
    partitionsText,
    '--data-dir',
    dataDir,
    '--snapshot-entries',
    String(SNAPSHOT_ENTRIES),
  ]);
  processes.set(id, run);
  return run;
}

afterAll(async () => {
  for (const run of processes.values()) run.child.kill('SIGKILL');
  await Promise.all([...processes.values()].map((run) => run.exited));
  rmSync(dataDir, { recursive: true, force: true });
});

/** One round: every key SET to `value`, pipelined on a few connections; the keys acknowledged OK. */
async function writeRound(clients: readonly RespClient[], value: string): Promise<string[]> {
  const acknowledged: string[] = [];
  const batch = 500;
  for (let start = 0; start < KEYS; start += batch * clients.length) {
    const replies = await Promise.all(
      clients.flatMap((client, c) =>
        Array.from({ length: batch }, (_, i) => start + c * batch + i)
          .filter((k) => k < KEYS)
          .map(async (k) => [k, text(await client.command('SET', `key-${k}`, value))] as const),
      ),
    );
    for (const [k, reply] of replies) if (reply === 'OK') acknowledged.push(`key-${k}`);
  }
  return acknowledged;
}

describe('InstallSnapshot between real processes', () => {
  it('a follower killed while 50k writes pass catches up by snapshot after restart, and every acknowledged write is readable everywhere', async () => {
    const [members] = await freePartitions(1, 3);
    const ids = members!;
    partitionsText = JSON.stringify([ids]).replaceAll('"', "'");
    for (const id of ids) startNode(id);
    const leader = await waitFor('a first leader', () => leaderAmong(ids), 30_000);
    const victim = ids.find((id) => id !== leader)!;
    await waitFor('the victim to follow', async () => (await raftInfo(victim))?.leader === leader, 20_000);
    const victimStart = Number((await raftInfo(victim))!.last_log_index);

    processes.get(victim)!.child.kill('SIGKILL');
    await processes.get(victim)!.exited;

    const clients = await Promise.all(Array.from({ length: 4 }, () => connect(leader)));
    // The value each key was last acknowledged with: rounds run one after another, so a later OK
    // for a key always overwrote an earlier one.
    const expected = new Map<string, string>();
    for (let round = 0; round < ROUNDS; round++) {
      const value = `r${round}-${PADDING}`;
      for (const key of await writeRound(clients, value)) expected.set(key, value);
    }
    for (const client of clients) client.close();
    expect(expected.size).toBe(KEYS);
    const leaderInfo = (await raftInfo(leader))!;
    const target = Number(leaderInfo.commit_index);
    expect(target).toBeGreaterThanOrEqual(KEYS * ROUNDS);

    const restarted = startNode(victim);
    await waitFor(
      'the restarted follower to apply everything the leader had committed',
      async () => {
        const fields = await raftInfo(victim);
        return fields !== null && Number(fields.applied_index) >= target;
      },
      90_000,
    );

    // How it caught up: the leader had compacted far past the victim's log, and the victim
    // says it received and installed a snapshot past where it stopped.
    const received = [...restarted.output().matchAll(/received snapshot (\d+) \((\d+) bytes\) from (\S+)/g)];
    expect(received.length).toBeGreaterThan(0);
    const [, index, bytes, from] = received[0]!;
    expect(from).toBe(leader);
    expect(Number(index)).toBeGreaterThan(victimStart + SNAPSHOT_ENTRIES);
    expect(Number(bytes)).toBeGreaterThan(KEYS * 10);
    expect(processes.get(leader)!.output()).toMatch(
      new RegExp(`sent snapshot ${index} \\(${bytes} bytes\\) to ${victim}`),
    );
    const victimInfo = (await raftInfo(victim))!;
    expect(Number(victimInfo.snapshot_index)).toBeGreaterThanOrEqual(Number(index));

    for (const id of ids) {
      const reader = await connect(id);
      const keys = [...expected.keys()];
      for (let start = 0; start < keys.length; start += 1000) {
        const slice = keys.slice(start, start + 1000);
        const values = await Promise.all(slice.map(async (key) => text(await reader.command('GET', key))));
        const wrong = slice.filter((key, i) => values[i] !== expected.get(key));
        expect(wrong.slice(0, 5), `stale or missing values on ${id}`).toEqual([]);
      }
      reader.close();
    }
  }, 240_000);
});
