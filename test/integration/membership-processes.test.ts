// Membership changes on real `raftlab node` processes (issue 12 "Done when"): a new node joins a
// group under load with `--join` and serves linearizable GETs, then the leader is removed under
// load with `raftlab admin ... remove-node` and its process exits 0. Each step checks that every
// acknowledged write is readable afterwards. And the refusals of `--join` and `admin`, each
// printed with exit code 2.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, text, waitFor } from './support/cluster';
import { valueFor } from './support/observe';
import { freePartitions, freePort } from './support/ports';
import { type RaftlabProcess, runRaftlab, spawnRaftlab } from './support/processes';
import { leaderAmong, raftInfo } from './support/raft-info';
import { startWriters } from './support/writers';

const dataDir = mkdtempSync(join(tmpdir(), 'raftlab-members-'));
const processes = new Map<string, RaftlabProcess>();

afterAll(async () => {
  for (const run of processes.values()) run.child.kill('SIGKILL');
  await Promise.all([...processes.values()].map((run) => run.exited));
  rmSync(dataDir, { recursive: true, force: true });
});

function start(id: string, args: readonly string[]): RaftlabProcess {
  const [ip, port] = id.split(':') as [string, string];
  const run = spawnRaftlab(['node', ip, port, ...args, '--data-dir', dataDir]);
  processes.set(id, run);
  return run;
}

async function expectAllReadable(keys: readonly string[], via: readonly string[]): Promise<void> {
  for (const id of via) {
    const reader = await connect(id);
    const wrong: string[] = [];
    for (const key of keys) {
      if (text(await reader.command('GET', key)) !== valueFor(key)) wrong.push(key);
    }
    reader.close();
    expect(wrong, `acknowledged writes not readable through ${id}`).toEqual([]);
  }
}

const voters = (info: Record<string, string> | null) => (info?.voters ?? '').split(',').filter(Boolean);

describe('membership changes of a group of processes', () => {
  let ids: string[] = [];
  let partitionsText = '';
  let joiner = '';

  it('a new node joins under load, becomes a voter, and serves linearizable GETs', async () => {
    [ids] = (await freePartitions(1, 3)) as [string[]];
    partitionsText = JSON.stringify([ids]).replaceAll('"', "'");
    for (const id of ids) start(id, [partitionsText]);
    await waitFor('a first leader', () => leaderAmong(ids), 30_000);
    await waitFor('every node answering', async () => (await Promise.all(ids.map(raftInfo))).every(Boolean), 30_000);

    const writers = startWriters(ids, ids, 'join');
    await waitFor('writes under way', () => writers.acknowledged.length >= 200, 30_000);
    joiner = `127.0.0.1:${await freePort()}`;
    const joining = start(joiner, ['--join', ids[1]!]);
    await waitFor(
      'the new node to be a voter on the leader',
      async () => {
        const leader = await leaderAmong(ids);
        return leader !== null && voters(await raftInfo(leader)).includes(joiner);
      },
      60_000,
    );
    await waitFor('writes after the promotion', () => writers.acknowledged.length >= 600, 30_000);
    const acknowledged = await writers.stop();
    expect(joining.output()).toMatch(/added to group 0 as a learner/);
    await waitFor('the new node to say it is a voter', () => /a voter of group 0/.test(joining.output()), 20_000);
    const info = await raftInfo(joiner);
    expect(info?.learners).toBe('');
    expect(voters(info).sort()).toEqual([...ids, joiner].sort());
    // Linearizable GETs through the new node: every acknowledged write, none older.
    await expectAllReadable(acknowledged, [joiner]);

    // A restart needs no --join: the folder holds what the join learned.
    processes.get(joiner)!.child.kill('SIGTERM');
    expect(await processes.get(joiner)!.exited).toBe(0);
    const restarted = start(joiner, []);
    await waitFor(
      'the restarted node to answer as a voter',
      async () => voters(await raftInfo(joiner)).includes(joiner),
      30_000,
    );
    expect(restarted.output()).not.toMatch(/joining group/);
    await expectAllReadable(acknowledged.slice(-50), [joiner]);
  }, 180_000);

  it('the leader is removed under load: it steps down, its process exits 0, and no acknowledged write is lost', async () => {
    const members = [...ids, joiner];
    const leader = await waitFor('a leader', () => leaderAmong(members), 20_000);
    const others = members.filter((id) => id !== leader);
    const writers = startWriters(others, others, 'remove');
    await waitFor('writes under way', () => writers.acknowledged.length >= 200, 30_000);
    const admin = await runRaftlab(['admin', others[0]!, 'remove-node', leader]);
    expect(admin.output).toMatch(new RegExp(`${leader} removed`));
    expect(admin.code).toBe(0);
    expect(await processes.get(leader)!.exited).toBe(0);
    const next = await waitFor('a new leader among the others', () => leaderAmong(others), 30_000);
    await waitFor('writes under the new leader', () => writers.acknowledged.length >= 600, 30_000);
    const acknowledged = await writers.stop();
    expect(voters(await raftInfo(next)).sort()).toEqual([...others].sort());
    await expectAllReadable(acknowledged, others);

    const listed = await runRaftlab(['admin', others[1]!, 'members', '--json']);
    expect(listed.code).toBe(0);
    const parsed = JSON.parse(listed.output.trim().split('\n').pop()!) as {
      groups: { voters: string[]; leader: string }[];
    };
    expect(parsed.groups[0]!.voters.sort()).toEqual([...others].sort());
    expect(parsed.groups[0]!.leader).toBe(next);
  }, 180_000);

  it('a follower removed while it was stopped (so it never got the removal entry) still exits 0 once it runs again', async () => {
    const members = [...ids, joiner].filter((id) => processes.get(id)?.child.exitCode === null);
    const leader = await waitFor('a leader', () => leaderAmong(members), 20_000);
    const victim = members.find((id) => id !== leader)!;
    const asked = members.find((id) => id !== victim)!;
    const stopped = processes.get(victim)!;
    stopped.child.kill('SIGSTOP');
    try {
      const admin = await runRaftlab(['admin', asked, 'remove-node', victim]);
      expect(admin.code, admin.output).toBe(0);
    } finally {
      stopped.child.kill('SIGCONT');
    }
    // Its log lacks the removal: the leader's RESP word, checked with the leader, makes it stop.
    expect(await stopped.exited).toBe(0);
    expect(stopped.output()).toMatch(/removed from group 0; exiting/);
    const left = members.filter((id) => id !== victim);
    expect(voters(await raftInfo(leader)).sort()).toEqual([...left].sort());
  }, 120_000);

  it('refuses, with exit code 2 and the reason, what cannot be done', async () => {
    const members = [...ids, joiner].filter((id) => processes.get(id)?.child.exitCode === null);
    const someone = members[0]!;
    const stranger = `127.0.0.1:${await freePort()}`;
    const [ip, port] = stranger.split(':') as [string, string];
    const deadPort = await freePort();
    const otherDir = mkdtempSync(join(tmpdir(), 'raftlab-other-'));
    try {
      const cases: [string, readonly string[], RegExp][] = [
        [
          'an unreachable member',
          ['node', ip, port, '--join', `127.0.0.1:${deadPort}`, '--data-dir', dataDir],
          /cannot reach 127\.0\.0\.1:\d+/,
        ],
        [
          'another cluster (secret)',
          ['node', ip, port, '--join', someone, '--data-dir', otherDir],
          /different cluster/,
        ],
        [
          'an unknown group',
          ['node', ip, port, '--join', someone, '--group', '4', '--data-dir', dataDir],
          /unknown group '4'/,
        ],
        [
          'an address that is a voter',
          ['node', ...someone.split(':'), '--join', members[1]!, '--data-dir', otherDir],
          /address in use/,
        ],
        ['a non-member removed', ['admin', someone, 'remove-node', stranger], /is not a member of any group/],
        ['a joined node restarted with no record', ['node', ip, port, '--data-dir', otherDir], /missing <partitions>/],
      ];
      for (const [what, args, message] of cases) {
        const run = await runRaftlab(args);
        expect(run.output, what).toMatch(message);
        expect(run.code, what).toBe(2);
      }
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  }, 120_000);
});
