// `raftlab admin <host:port> add-group | remove-group` against a real `ClusterHost` on real TCP:
// sent to any node's port, carried out by the host that runs the nodes; refusals exit 2 and
// change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminCommand, parseArgs } from '../../src/main/cli/args';
import { runAdmin } from '../../src/main/cli/run-admin';
import { connect, startCluster, type TestCluster, text, waitForLeaders } from './support/cluster';
import { valueFor, writeKeys } from './support/observe';
import { freePartitions } from './support/ports';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startCluster(2, 3, { inMemory: true });
  await waitForLeaders(cluster.host, 30_000);
}, 60_000);

afterAll(async () => {
  await cluster?.close();
});

async function admin(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const command = parseArgs(['admin', ...argv]) as AdminCommand;
  const code = await runAdmin(
    command,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('raftlab admin add-group | remove-group on a cluster host', () => {
  it('adds a group through any node, then removes it; keys stay readable; refusals exit 2', async () => {
    const via = cluster.partitions[1]![1]!;
    const client = await connect(via);
    const keys = await writeKeys(client, 'admin', 200);

    const refused = await admin(via, 'remove-group', '9');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('no group 9');

    const [members] = await freePartitions(1, 3);
    const added = await admin(via, 'add-group', members!.join(','));
    expect(added.code, added.err).toBe(0);
    expect(added.out).toContain('group 2 added');
    await cluster.host.reshardDone();
    expect((await cluster.host.state()).ring.version).toBe(2);

    const removed = await admin(via, 'remove-group', '2');
    expect(removed.code, removed.err).toBe(0);
    await cluster.host.reshardDone();
    const state = await cluster.host.state();
    expect(state.ring.version).toBe(3);
    expect(state.groups.map((g) => g.id)).toEqual([0, 1]);
    for (const key of keys) expect(text(await client.command('GET', key))).toBe(valueFor(key));
    client.close();
  }, 120_000);
});
