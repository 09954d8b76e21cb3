// The cluster secret as a user meets it, with `raftlab node` processes started the seed's way: no
// secret at all (the data folder's is made once and shared), a member with the wrong one, no
// secret on purpose (--insecure), and the mistakes a person makes with the secret's sources.
import { statSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, text, waitFor } from './support/cluster';
import { freePartitions } from './support/ports';
import { type RaftlabProcess, runRaftlab, spawnRaftlab } from './support/processes';
import { leaderAmong, raftInfo } from './support/raft-info';

const running: RaftlabProcess[] = [];
const folders: string[] = [];

afterEach(async () => {
  for (const run of running) run.child.kill('SIGKILL');
  await Promise.all(running.splice(0).map((run) => run.exited));
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

/** The environment of a user who set no secret. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (!('RAFTLAB_SECRET' in extra)) delete env.RAFTLAB_SECRET;
  return env;
}

async function folder(): Promise<string> {
  const made = await mkdtemp(join(tmpdir(), 'raftlab-secret-'));
  folders.push(made);
  return made;
}

function startNode(id: string, config: string, args: readonly string[], env = cleanEnv()): RaftlabProcess {
  const [ip, port] = id.split(':') as [string, string];
  const run = spawnRaftlab(['node', ip, port, config, ...args], { env });
  running.push(run);
  return run;
}

async function threeNodes(): Promise<{ ids: string[]; config: string }> {
  const [ids] = await freePartitions(1, 3);
  return { ids: ids!, config: JSON.stringify([ids]).replaceAll('"', "'") };
}

async function setThrough(id: string, key: string): Promise<string | null> {
  const client = await connect(id);
  try {
    return text(await client.command('SET', key, 'v'));
  } finally {
    client.close();
  }
}

describe('raftlab node and the cluster secret', () => {
  it('without a secret, makes <data-dir>/cluster.secret (0600) once, and every node in the folder uses it', async () => {
    const { ids, config } = await threeNodes();
    const dataDir = await folder();
    // All three at once: they race to make the file, and must agree on one.
    const runs = ids.map((id) => startNode(id, config, ['--data-dir', dataDir]));
    const leader = await waitFor('a leader', () => leaderAmong(ids), 60_000);
    expect(await waitFor('a SET', () => setThrough(leader, 'shared'), 30_000)).toBe('OK');
    const file = join(dataDir, 'cluster.secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toMatch(/^[0-9a-f]{64}$/);
    const made = runs.filter((run) => run.output().includes('made a new cluster secret'));
    expect(made).toHaveLength(1);
    expect(made[0]!.output()).toMatch(/nodes on other machines need a copy of this file/);
  }, 120_000);

  it('a member with the wrong secret is refused and told what to do; the others still elect and serve', async () => {
    const { ids, config } = await threeNodes();
    const [a, b, wrong] = ids as [string, string, string];
    const shared = await folder();
    const elsewhere = await folder();
    const wrongFile = join(elsewhere, 'other.secret');
    writeFileSync(wrongFile, 'a secret that no other member holds\n', { mode: 0o600 });
    const good = [startNode(a, config, ['--data-dir', shared]), startNode(b, config, ['--data-dir', shared])];
    const stray = startNode(wrong, config, ['--data-dir', elsewhere, '--secret-file', wrongFile]);
    const leader = await waitFor('a leader among the members with the secret', () => leaderAmong([a, b]), 60_000);
    expect(await waitFor('a SET', () => setThrough(leader, 'k'), 30_000)).toBe('OK');
    await waitFor('the stray node to say what to do', () => /same cluster secret/.test(stray.output()), 30_000);
    expect(stray.output()).toMatch(/copy it from a running member|--secret-file|RAFTLAB_SECRET/);
    // It never joined: it follows nobody, and the members never counted it.
    expect((await raftInfo(wrong))?.leader ?? '').toBe('');
    const secret = (await readFile(join(shared, 'cluster.secret'), 'utf8')).trim();
    for (const run of [...good, stray]) {
      expect(run.output()).not.toContain(secret);
      expect(run.output()).not.toContain('a secret that no other member holds');
    }
  }, 120_000);

  it('--insecure runs with no secret, works, and warns loudly even with --quiet', async () => {
    const { ids, config } = await threeNodes();
    const runs = ids.map((id) => startNode(id, config, ['--in-memory', '--insecure', '--quiet']));
    const leader = await waitFor('a leader', () => leaderAmong(ids), 60_000);
    expect(await waitFor('a SET', () => setThrough(leader, 'k'), 30_000)).toBe('OK');
    for (const run of runs) expect(run.output()).toMatch(/WARNING: --insecure: peers are NOT authenticated/);
  }, 120_000);

  it('says what to do about a missing file, a short secret, an empty RAFTLAB_SECRET, and --in-memory', async () => {
    const { ids, config } = await threeNodes();
    const [ip, port] = ids[0]!.split(':') as [string, string];
    const dir = await folder();
    const node = (args: string[], env = cleanEnv()) => runRaftlab(['node', ip, port, config, ...args], { env });

    const missing = await node(['--data-dir', dir, '--secret-file', join(dir, 'nope.secret')]);
    expect(missing.code).toBe(1);
    expect(missing.output).toMatch(/nope\.secret does not exist: copy cluster\.secret from a running member/);

    const short = join(dir, 'short.secret');
    writeFileSync(short, 'abc\n', { mode: 0o600 });
    const tooShort = await node(['--data-dir', dir, '--secret-file', short]);
    expect(tooShort.code).toBe(1);
    expect(tooShort.output).toMatch(/3 bytes; use at least 16 \(make one with: openssl rand -hex 32/);

    const empty = await node(['--data-dir', dir], cleanEnv({ RAFTLAB_SECRET: '' }));
    expect(empty.code).toBe(1);
    expect(empty.output).toMatch(/RAFTLAB_SECRET is set but empty: unset it/);

    const inMemory = await node(['--in-memory']);
    expect(inMemory.code).toBe(1);
    expect(inMemory.output).toMatch(/--in-memory writes no cluster\.secret.*--secret-file FILE or RAFTLAB_SECRET/);

    const both = await node(['--insecure', '--secret-file', short]);
    expect(both.code).toBe(2);
    expect(both.output).toMatch(/--secret-file and --insecure contradict each other/);
  }, 120_000);

  it('--help documents the secret', async () => {
    const help = await runRaftlab(['node', '--help']);
    expect(help.output).toMatch(/--secret-file FILE/);
    expect(help.output).toMatch(/RAFTLAB_SECRET/);
    expect(help.output).toMatch(/--insecure/);
  }, 60_000);
});
