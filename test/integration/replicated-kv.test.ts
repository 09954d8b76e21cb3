// The seed's promise on real TCP: nodes elect a leader per group, and a SET sent to any node is
// returned by a GET sent to any other, whichever group the key falls in.
import { afterEach, describe, expect, it } from 'vitest';
import { connect, startCluster, type TestCluster, text, waitForLeaders } from './support/cluster';

let cluster: TestCluster | null = null;
afterEach(async () => {
  await cluster?.close();
  cluster = null;
});

describe.each([
  { name: "the README's one group of five", groups: 1, size: 5 },
  { name: 'three groups of three', groups: 3, size: 3 },
])('$name', ({ groups, size }) => {
  it('elects exactly one leader in every group', async () => {
    cluster = await startCluster(groups, size);
    const state = await waitForLeaders(cluster.host);
    expect(state.groups).toHaveLength(groups);
    for (const group of state.groups) {
      const leaders = state.nodes.filter((n) => n.group === group.id && n.role === 'leader');
      expect(leaders.map((n) => n.id)).toEqual([group.leader]);
    }
  });

  it('returns from any node what a SET on any other node wrote, for keys of every group', async () => {
    cluster = await startCluster(groups, size);
    await waitForLeaders(cluster.host);
    const ids = cluster.partitions.flat();
    const clients = await Promise.all(ids.map((id) => connect(id)));
    const groupsSeen = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const key = `key-${i}`;
      const writer = clients[i % clients.length]!;
      const reader = clients[(i + 1 + (i % 3)) % clients.length]!;
      expect(text(await writer.command('SET', key, `value-${i}`))).toBe('OK');
      expect(text(await reader.command('GET', key))).toBe(`value-${i}`);
      groupsSeen.add((await cluster.host.kv({ op: 'GET', key })).group);
    }
    expect(groupsSeen.size).toBe(groups);
    expect(text(await clients[0]!.command('GET', 'never-written'))).toBeNull();
    expect(text(await clients[1]!.command('DEL', 'key-0', 'key-1', 'never-written'))).toBe('2');
    expect(text(await clients[2]!.command('EXISTS', 'key-0', 'key-2', 'key-3'))).toBe('2');
    for (const client of clients) client.close();
  });
});

describe('client commands', () => {
  it('answers PING, INFO, errors and QUIT as CONTRACTS.md §3 says', async () => {
    cluster = await startCluster(1, 3);
    const state = await waitForLeaders(cluster.host);
    const follower = state.nodes.find((n) => n.role !== 'leader')!;
    const client = await connect(follower.id);
    expect(text(await client.command('PING'))).toBe('PONG');
    expect(text(await client.command('ping', 'hello'))).toBe('hello');
    expect(text(await client.command('FLY', 'away'))).toBe("ERR unknown command 'FLY'");
    expect(text(await client.command('SET', 'only-key'))).toBe("ERR wrong number of arguments for 'set' command");
    expect(text(await client.command('GET'))).toBe("ERR wrong number of arguments for 'get' command");
    const info = text(await client.command('INFO', 'raft'))!;
    for (const field of [
      'node_id',
      'group',
      'role',
      'term',
      'leader',
      'commit_index',
      'applied_index',
      'last_log_index',
    ]) {
      expect(info).toMatch(new RegExp(`^${field}:`, 'm'));
    }
    expect(info).toContain(`node_id:${follower.id}`);
    expect(info).toContain(`leader:${state.groups[0]!.leader}`);
    expect(text(await client.command('QUIT'))).toBe('OK');
    client.close();
  });

  it('refuses a value over the limit and keeps serving the connection', async () => {
    cluster = await startCluster(1, 3, { maxValueBytes: 1000 });
    const state = await waitForLeaders(cluster.host);
    const client = await connect(state.groups[0]!.leader!);
    expect(text(await client.command('SET', 'big', 'x'.repeat(1001)))).toBe('ERR value too large');
    expect(text(await client.command('SET', 'small', 'x'.repeat(1000)))).toBe('OK');
    expect(text(await client.command('GET', 'big'))).toBeNull();
    client.close();
  });

  it('keeps keys and values binary-safe', async () => {
    cluster = await startCluster(1, 3);
    const state = await waitForLeaders(cluster.host);
    const client = await connect(state.nodes[0]!.id);
    const key = new Uint8Array([0, 255, 13, 10, 32]);
    const value = new Uint8Array([13, 10, 0, 1, 2, 200]);
    expect(text(await client.command('SET', key, value))).toBe('OK');
    const reply = await client.command('GET', key);
    expect(reply.type === 'bulk' && reply.value && [...reply.value]).toEqual([...value]);
    client.close();
  });
});
