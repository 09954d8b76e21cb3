// ClusterHost, in memory on real localhost ports: a node that fails stops alone and is shown dead
// with the reason; kv() always settles with a result, whatever happens to the node it goes through;
// and nothing it starts rejects unheard (in the desktop app that would take the window's cluster).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster, waitFor, waitForLeaders } from '../../../test/integration/support/cluster';
import type { ClusterEvent, NodeView } from '../../shared/api';
import type { NodeId } from '../../shared/raft/types';
import type { RaftStorage } from '../storage/types';
import { describeFailures, type UnhandledWatch, watchUnhandled } from '../testing/unhandled';

/**
 * Storage whose saves fail, for the nodes named in `failing`, as a full disk's would; and whose
 * load returns a term of 2^53 - 1 for the nodes in `poisoned`, as a folder written by a version that
 * accepted a forged heartbeat would.
 */
function failingStorage(id: NodeId, inner: RaftStorage, failing: ReadonlySet<NodeId>): RaftStorage {
  return {
    load: async () => {
      const loaded = await inner.load();
      return poisoned.has(id) ? { ...loaded, hardState: { ...loaded.hardState, term: 2 ** 53 - 1 } } : loaded;
    },
    save: (update, options) =>
      failing.has(id)
        ? Promise.reject(new Error(`no space left on device (test, ${id})`))
        : inner.save(update, options),
    compact: (throughIndex) => inner.compact(throughIndex),
    installSnapshot: (snapshot) => inner.installSnapshot(snapshot),
    close: () => inner.close(),
  };
}

let cluster: TestCluster;
let watch: UnhandledWatch;
const failing = new Set<NodeId>();
const poisoned = new Set<NodeId>();
const events: ClusterEvent[] = [];

beforeEach(async () => {
  watch = watchUnhandled();
  failing.clear();
  poisoned.clear();
  events.length = 0;
  cluster = await startCluster(1, 3, {
    inMemory: true,
    requestTimeoutMs: 600,
    wrapStorage: (id, storage) => failingStorage(id, storage, failing),
  });
  cluster.host.onEvents((batch) => events.push(...batch));
  await waitForLeaders(cluster.host, 20_000);
}, 40_000);

afterEach(async () => {
  await cluster.close();
  watch.stop();
  expect(watch.failures, describeFailures(watch.failures)).toEqual([]);
});

async function view(id: NodeId): Promise<NodeView> {
  return (await cluster.host.state()).nodes.find((node) => node.id === id)!;
}

async function leader(): Promise<NodeId> {
  return (await waitForLeaders(cluster.host, 20_000)).groups[0]!.leader!;
}

describe('ClusterHost: fail-stop', () => {
  it('a node whose storage fails stops alone, shown dead with the reason; the others go on; a restart clears it', async () => {
    const { host } = cluster;
    const first = await leader();
    failing.add(first);
    // The write makes the leader save, and fail; its outcome is unknown, so any result will do.
    const write = await host.kv({ op: 'SET', key: 'k', value: 'v', via: first });
    expect(typeof write.ok).toBe('boolean');

    const dead = await waitFor('the leader to stop itself', async () => {
      const node = await view(first);
      return node.alive ? null : node;
    });
    expect(dead.failure).toMatch(/^storage failed: no space left on device/);
    await waitFor('the fault event', () =>
      events.some(
        (e) => e.type === 'fault' && e.action === 'kill' && e.node === first && /storage failed/.test(e.detail ?? ''),
      ),
    );

    const second = await leader();
    expect(second).not.toBe(first);
    expect(await host.kv({ op: 'SET', key: 'k', value: 'w', via: second })).toMatchObject({ ok: true });

    failing.clear();
    await host.restart(first);
    const back = await view(first);
    expect(back.alive).toBe(true);
    expect(back.failure).toBeUndefined();
  }, 60_000);
});

describe('ClusterHost: recovery', () => {
  it('a node whose stored term is above the ceiling is refused at restart with a clear reason; the others serve', async () => {
    const { host, partitions } = cluster;
    const id = partitions[0]![0]!;
    await host.kill(id);
    poisoned.add(id);
    await expect(host.restart(id)).rejects.toThrow(
      /recovery refused: the stored term 9007199254740991 is above the ceiling/,
    );
    expect((await view(id)).alive).toBe(false);
    await leader();
    expect(await host.kv({ op: 'SET', key: 'k', value: 'v' })).toMatchObject({ ok: true });
    // Once the folder is fixed, the node starts again in the same process.
    poisoned.clear();
    await host.restart(id);
    expect((await view(id)).alive).toBe(true);
  }, 30_000);
});

describe('ClusterHost: kv() settles with a result', () => {
  it('through a group without a majority: TRYAGAIN within the request timeout, as a result', async () => {
    const { host, partitions } = cluster;
    const [a, b, c] = partitions[0]!;
    await host.kill(a!);
    await host.kill(b!);
    const result = await host.kv({ op: 'GET', key: 'k', via: c! });
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/^TRYAGAIN/) });
  }, 30_000);

  it('through a node killed while the request waits: an error result, and the next request works', async () => {
    const { host, partitions } = cluster;
    const [a, b, c] = partitions[0]!;
    await host.kill(a!);
    await host.kill(b!);
    const pending = host.kv({ op: 'SET', key: 'k', value: 'v', via: c! });
    await host.kill(c!);
    const result = await pending;
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/did not answer|TRYAGAIN/);

    for (const id of [a!, b!, c!]) await host.restart(id);
    await leader();
    expect(await host.kv({ op: 'SET', key: 'k', value: 'v' })).toMatchObject({ ok: true });
  }, 60_000);

  it('kill, restart and kv() interleaved without waiting: everything settles', async () => {
    const { host, partitions } = cluster;
    const ids = partitions[0]!;
    const operations: Promise<unknown>[] = [];
    for (let round = 0; round < 3; round++) {
      for (const id of ids) {
        operations.push(host.kv({ op: 'SET', key: `k${round}`, value: 'v' }).catch(() => undefined));
        operations.push(host.kill(id).catch(() => undefined));
        operations.push(host.restart(id).catch(() => undefined));
      }
    }
    await Promise.all(operations);
    for (const node of (await host.state()).nodes) if (!node.alive) await host.restart(node.id);
    await leader();
    expect(await host.kv({ op: 'GET', key: 'k0' })).toMatchObject({ ok: true });
  }, 60_000);
});
