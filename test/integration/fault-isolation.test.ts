// Nothing a node does or receives may end the process hosting it (issue 10, "Fault isolation").
// A real ClusterHost of 2 groups of 3 takes writes and reads from ten RESP clients and two client
// panels (ClusterHost.kv) through random nodes, while nodes are killed (leaders, two of a group) and
// restarted and links are cut, split and healed.
// Short request deadlines make requests lose their deadline race often, which is where promises
// used to be left rejecting with no one listening: in a real host that ends the process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RespClient } from '../../src/main/net/resp-client';
import { describeFailures, type UnhandledWatch, watchUnhandled } from '../../src/main/testing/unhandled';
import type { NodeId } from '../../src/shared/raft/types';
import { SeededRandom } from '../../src/shared/random';
import { connect, startCluster, type TestCluster, text, waitForLeaders } from './support/cluster';
import { portOf } from './support/ports';

const CLIENTS = 10;
const FAULT_ROUNDS = 30;
const FAULT_EVERY_MS = 250;
const KEYS = ['a', 'b', 'c', 'd', 'e'];

let cluster: TestCluster;
let watch: UnhandledWatch;

beforeAll(async () => {
  watch = watchUnhandled();
  // In memory: the test is about promises, not disks, and the shared machine is slow enough.
  cluster = await startCluster(2, 3, { inMemory: true, requestTimeoutMs: 300 });
  await waitForLeaders(cluster.host, 20_000);
}, 40_000);

afterAll(async () => {
  watch.stop();
  await cluster?.close();
});

/** A dashboard's client panel: ClusterHost.kv() through random nodes, which must always settle. */
async function panel(seed: number, ids: readonly NodeId[], stop: { done: boolean }): Promise<number> {
  const random = new SeededRandom(seed);
  let answered = 0;
  while (!stop.done) {
    const key = KEYS[random.nextInt(KEYS.length)]!;
    const op = (['SET', 'GET', 'DEL'] as const)[random.nextInt(3)]!;
    try {
      await cluster.host.kv({ op, key, value: `p${seed}`, via: ids[random.nextInt(ids.length)]! });
      answered++;
    } catch {
      // 409: the node named is not running. An API error, not a crash.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  return answered;
}

/** One client: commands through random nodes until `stop` is set; every error is an accepted outcome. */
async function client(seed: number, ids: readonly NodeId[], stop: { done: boolean }): Promise<number> {
  const random = new SeededRandom(seed);
  let answered = 0;
  while (!stop.done) {
    const via = ids[random.nextInt(ids.length)]!;
    let connection: RespClient;
    try {
      connection = await RespClient.connect('127.0.0.1', portOf(via), {
        connectTimeoutMs: 500,
        commandTimeoutMs: 3000,
      });
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    try {
      for (let i = 0; i < 5 && !stop.done; i++) {
        const key = KEYS[random.nextInt(KEYS.length)]!;
        const pick = random.nextInt(3);
        const args = pick === 0 ? ['SET', key, `v${seed}-${i}`] : pick === 1 ? ['GET', key] : ['DEL', key, 'z'];
        // Pipelined: the second command is sent before the first is answered.
        await Promise.all([connection.command(...args), connection.command('GET', key)]);
        answered++;
      }
    } catch {
      // The node died or the connection was cut: a real client reconnects elsewhere.
    } finally {
      connection.close();
    }
  }
  return answered;
}

describe('fault isolation: the host process survives faults under load', () => {
  it('kills, restarts, cuts and splits while ten clients write and read: nothing goes unhandled', async () => {
    const { host, partitions } = cluster;
    const ids = partitions.flat();
    const random = new SeededRandom(20_261_206);
    const stop = { done: false };
    const clients = Array.from({ length: CLIENTS }, (_, i) => client(100 + i, ids, stop));
    clients.push(panel(7, ids, stop), panel(8, ids, stop));

    for (let round = 0; round < FAULT_ROUNDS; round++) {
      const state = await host.state();
      const dead = state.nodes.filter((n) => !n.alive).map((n) => n.id);
      const group = partitions[random.nextInt(partitions.length)]!;
      const leader = state.groups.find((g) => g.members.includes(group[0]!))?.leader ?? null;
      switch (random.nextInt(6)) {
        case 0: // kill the leader of a group
          if (leader !== null) await host.kill(leader);
          break;
        case 1: // two nodes of one group: it loses its majority
          for (const id of group.slice(0, 2)) if (!dead.includes(id)) await host.kill(id);
          break;
        case 2: // isolate a leader
          if (leader !== null) await host.partition([[leader], ids.filter((id) => id !== leader)]);
          break;
        case 3: // a one-way cut inside a group
          await host.setLink({ a: group[0]!, b: group[1]!, cut: true, oneWay: true });
          break;
        case 4: // heal and bring one back
          await host.heal();
          if (dead.length > 0) await host.restart(dead[random.nextInt(dead.length)]!);
          break;
        default: // bring everyone back
          for (const id of dead) await host.restart(id);
      }
      await new Promise((resolve) => setTimeout(resolve, FAULT_EVERY_MS));
    }

    // Heal, restart everyone, and check the cluster serves through every node.
    await host.heal();
    for (const node of (await host.state()).nodes) if (!node.alive) await host.restart(node.id);
    stop.done = true;
    const answered = await Promise.all(clients);
    await waitForLeaders(host, 20_000);
    for (const id of ids) {
      const connection = await connect(id);
      expect(text(await connection.command('SET', `after-${id}`, 'ok'))).toBe('OK');
      expect(text(await connection.command('GET', `after-${id}`))).toBe('ok');
      connection.close();
    }
    expect(answered.reduce((sum, n) => sum + n, 0)).toBeGreaterThan(0);
    expect(watch.failures, describeFailures(watch.failures)).toEqual([]);
  }, 120_000);
});
