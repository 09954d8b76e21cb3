// The Ready loop's snapshots, on the real core, the real state machine and real storage: snapshots
// every N applied entries and on demand, the WAL and the core compacted after them, a restart that
// restores the newest snapshot and replays only the tail, and a received snapshot installed before
// the follower acknowledges it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRaft, DEFAULT_FLOW_CONTROL } from '../../shared/raft';
import type { Message, NodeId, SnapshotMeta } from '../../shared/raft/types';
import { SeededRandom } from '../../shared/random';
import { encodeCommand } from '../kv/command';
import { type ApplyResult, KvStateMachine } from '../kv/state-machine';
import { ManualClock } from '../net/testing/clocks';
import { MemoryDisk, MemoryStorage } from '../storage/memory';
import { MemorySnapshotStore } from '../storage/snapshot-memory';
import { SNAPSHOT_FOLDER, type SnapshotStorage, SnapshotStore } from '../storage/snapshot-store';
import { makeTempDir, removeDir, segmentFiles } from '../storage/test-kit';
import type { RaftStorage } from '../storage/types';
import { WalStorage } from '../storage/wal';
import { type LoopEvent, ReadyLoop } from './ready-loop';
import { NEXT_TURN, PromisedSaves } from './ready-ports';
import { initialStateOf, Snapshotter } from './snapshotter';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) removeDir(dir);
});

function tempDir(): string {
  const dir = makeTempDir('loop-snap');
  dirs.push(dir);
  return dir;
}

const text = (s: string) => Buffer.from(s, 'latin1');
const set = (key: string, value: string) => encodeCommand({ type: 'set', key: text(key), value: text(value) });
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Waits (polling, up to 30 s: fsyncs on a busy machine are slow) for `condition`. */
async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
  if (!condition()) throw new Error(`never happened: ${what}`);
}

interface Node {
  readonly loop: ReadyLoop<KvStateMachine, ApplyResult>;
  readonly events: LoopEvent[];
  readonly sent: Message[];
  readonly failures: Error[];
  /** The state machine's applied index right after start, before the core handed anything out. */
  readonly appliedAtStart: number;
}

/** Starts a node the way NodeHost does: WAL (or memory) load, snapshot load and restore, the core. */
async function startNode(
  id: NodeId,
  peers: readonly NodeId[],
  storage: RaftStorage,
  store: SnapshotStorage,
  everyEntries: number,
): Promise<Node> {
  const loaded = await storage.load();
  const found = await store.load(loaded.snapshot.index);
  const machine = new KvStateMachine();
  if (found.snapshot) {
    await machine.restore(found.snapshot.meta.index, (await store.open(found.snapshot.path)).chunks());
  }
  const core = createRaft(
    {
      id,
      peers,
      electionTicksMin: 10,
      electionTicksMax: 20,
      heartbeatTicks: 1,
      preVote: false,
      checkQuorum: false,
      ...DEFAULT_FLOW_CONTROL,
      snapshotCatchUpEntries: 5,
      random: new SeededRandom(3),
    },
    initialStateOf(loaded, found.snapshot?.meta ?? null),
  );
  const events: LoopEvent[] = [];
  const sent: Message[] = [];
  const failures: Error[] = [];
  const loop = new ReadyLoop<KvStateMachine, ApplyResult>({
    core,
    durable: loaded.hardState,
    machine,
    storage: new PromisedSaves(storage),
    sink: { send: (message) => sent.push(message), flush: () => {} },
    scheduler: NEXT_TURN,
    clock: new ManualClock(),
    onEvent: (event) => events.push(event),
    onFailure: (error) => failures.push(error),
    snapshots: new Snapshotter({ store, storage, everyEntries, yieldTurn: turn }),
  });
  return { loop, events, sent, failures, appliedAtStart: machine.appliedIndex };
}

/** A single-node group: it elects itself and commits alone. */
async function soloLeader(storage: RaftStorage, store: SnapshotStorage, everyEntries: number): Promise<Node> {
  const node = await startNode('a', ['a'], storage, store, everyEntries);
  node.loop.forceTimeout();
  await until('a leads', () => node.loop.role === 'leader' || node.failures.length > 0);
  expect(node.failures).toEqual([]);
  return node;
}

/** Proposes SETs of key-(i % keys) in batches of 10 and waits for each batch to apply. */
async function write(node: Node, count: number, keys: number, tag = 'v'): Promise<void> {
  for (let first = 0; first < count; first += 10) {
    const results: Promise<ApplyResult>[] = [];
    for (let i = first; i < Math.min(count, first + 10); i++) {
      results.push(
        new Promise((resolve, reject) => node.loop.propose(set(`key-${i % keys}`, `${tag}${i}`), resolve, reject)),
      );
    }
    await Promise.all(results);
  }
}

function table(machine: KvStateMachine): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of machine.keys(10_000)) {
    out[Buffer.from(key).toString('latin1')] = Buffer.from(machine.get(key)!).toString();
  }
  return out;
}

async function stop(node: Node, storage: RaftStorage): Promise<void> {
  node.loop.halt();
  await node.loop.whenIdle();
  await node.loop.snapshotSettled();
  await storage.close();
}

describe('the Ready loop with snapshots', () => {
  it('takes a snapshot every N applied entries, then compacts the storage and the core', async () => {
    const disk = new MemoryDisk();
    const storage = new MemoryStorage(disk);
    const node = await soloLeader(storage, new MemorySnapshotStore(disk, 'a'), 40);
    await write(node, 100, 7);
    await until('two snapshots', () => node.loop.snapshotStats.taken >= 2);
    await node.loop.snapshotSettled();
    const taken = node.events.filter((event) => event.type === 'snapshot');
    expect(taken.length).toBeGreaterThanOrEqual(2);
    // Each at least 40 applied entries after the one before.
    const indexes = taken.map((event) => (event.type === 'snapshot' ? event.index : 0));
    for (let i = 1; i < indexes.length; i++) expect(indexes[i]! - indexes[i - 1]!).toBeGreaterThanOrEqual(40);
    const last = indexes.at(-1)!;
    // Storage: the entries up to the snapshot are gone. The core: told at its next drive.
    expect(disk.base.index).toBe(last);
    node.loop.schedule();
    await until('the core compacted', () => node.loop.core.status().snapshotIndex === last);
    expect(node.loop.core.status().firstIndex).toBe(last - 5 + 1);
    expect(node.failures).toEqual([]);
  });

  it('takeSnapshot() on demand resolves with a durable snapshot at the applied index', async () => {
    const dir = tempDir();
    const storage = new WalStorage(dir);
    const store = new SnapshotStore(dir);
    const node = await soloLeader(storage, store, 1_000_000);
    await write(node, 30, 10);
    const applied = node.loop.machine.appliedIndex;
    const snapshot = await node.loop.takeSnapshot();
    expect(snapshot.meta.index).toBe(applied);
    expect(snapshot.meta.membership.voters).toEqual(['a']);
    expect(fs.existsSync(snapshot.path)).toBe(true);
    expect(path.dirname(snapshot.path)).toBe(path.join(dir, SNAPSHOT_FOLDER));
    expect((await node.loop.snapshotFor(applied)).meta.index).toBe(applied);
    await stop(node, storage);
  });

  it('a restart restores the newest snapshot and replays only the tail after it, losing no write', async () => {
    const dir = tempDir();
    let storage = new WalStorage(dir, { segmentMaxBytes: 4096 });
    const first = await soloLeader(storage, new SnapshotStore(dir), 50);
    await write(first, 200, 37);
    // However many automatic ones the machine's speed allowed, one on demand, then a tail after it.
    const onDemand = await first.loop.takeSnapshot();
    await write(first, 30, 37, 'tail');
    await first.loop.snapshotSettled();
    const expected = table(first.loop.machine);
    const applied = first.loop.machine.appliedIndex;
    const snapshotIndex = new SnapshotStore(dir);
    await stop(first, storage);
    const newest = (await snapshotIndex.load(0)).snapshot!.meta.index;
    expect(newest).toBeGreaterThanOrEqual(onDemand.meta.index);
    expect(newest).toBeLessThan(applied);
    // The WAL lost its segments before the snapshot.
    expect(segmentFiles(dir)[0]).not.toBe('00000001.wal');

    storage = new WalStorage(dir, { segmentMaxBytes: 4096 });
    const second = await startNode('a', ['a'], storage, new SnapshotStore(dir), 50);
    expect(second.appliedAtStart).toBe(newest);
    second.loop.forceTimeout();
    await until('everything re-applied', () => second.loop.machine.appliedIndex >= applied);
    expect(table(second.loop.machine)).toEqual(expected);
    // Only the tail went through apply: the apply events start after the snapshot.
    const applies = second.events.filter((event) => event.type === 'apply');
    expect(applies.length).toBeGreaterThan(0);
    expect(applies.every((event) => event.type === 'apply' && event.index > newest)).toBe(true);
    await stop(second, storage);
  });

  it('a follower installs a received snapshot (file, WAL reset, table) before it acknowledges it', async () => {
    // What the leader would send: a snapshot of a table at index 300, term 2.
    const leaderDir = tempDir();
    const leaderStore = new SnapshotStore(leaderDir);
    await leaderStore.load(0);
    const source = new KvStateMachine();
    for (let index = 1; index <= 300; index++) {
      source.apply({ index, term: 2, type: 'normal', data: set(`k${index % 11}`, `from-leader-${index}`) });
    }
    const meta: SnapshotMeta = { index: 300, term: 2, membership: { voters: ['a', 'b'], learners: [] } };
    const sent = await leaderStore.write(meta, source.beginSnapshot(turn).chunks);

    const dir = tempDir();
    // Held resets: the test releases the WAL reset, to see that nothing is acknowledged before it.
    let releaseReset: () => void = () => {};
    const reset = new Promise<void>((resolve) => {
      releaseReset = resolve;
    });
    const wal = new WalStorage(dir);
    const held: RaftStorage = {
      load: () => wal.load(),
      save: (update, options) => wal.save(update, options),
      compact: (index) => wal.compact(index),
      installSnapshot: async (position) => {
        await reset;
        return wal.installSnapshot(position);
      },
      close: () => wal.close(),
    };
    const store = new SnapshotStore(dir);
    const follower = await startNode('b', ['a', 'b'], held, store, 1_000_000);
    const incoming = follower.loop.incomingPath('a', meta);
    fs.copyFileSync(sent.path, incoming);
    follower.loop.offer('a', 2, meta, incoming);
    await until('the file adopted', () => store.latest()?.meta.index === 300);
    for (let i = 0; i < 20; i++) await turn();
    expect(follower.sent.filter((m) => m.type === 'AppResp')).toEqual([]);
    expect(follower.loop.machine.appliedIndex).toBe(0);
    releaseReset();
    await until('acknowledged', () => follower.sent.some((m) => m.type === 'AppResp'));
    expect(follower.sent.filter((m) => m.type === 'AppResp')).toMatchObject([{ to: 'a', index: 300, reject: false }]);
    expect(follower.loop.machine.appliedIndex).toBe(300);
    expect(table(follower.loop.machine)).toEqual(table(source));
    expect(fs.existsSync(incoming)).toBe(false);
    await follower.loop.whenIdle();
    const state = await (async () => {
      await wal.close();
      const again = new WalStorage(dir);
      const loaded = await again.load();
      await again.close();
      return loaded;
    })();
    expect(state.snapshot).toEqual({ index: 300, term: 2 });
    expect(state.entries).toEqual([]);
    expect(follower.failures).toEqual([]);
  });

  it('a bare Snap message (no file behind it) from the network is refused and changes nothing', async () => {
    const disk = new MemoryDisk();
    const node = await startNode('b', ['a', 'b'], new MemoryStorage(disk), new MemorySnapshotStore(disk, 'b'), 100);
    const meta: SnapshotMeta = { index: 500, term: 3, membership: { voters: ['a', 'b'], learners: [] } };
    node.loop.receive({ type: 'Snap', from: 'a', to: 'b', term: 3, snapshot: meta });
    await node.loop.whenIdle();
    expect(node.loop.refusedMessages).toBe(1);
    expect(node.loop.core.status().term).toBe(0);
    expect(node.loop.core.status().commit).toBe(0);
    expect(node.failures).toEqual([]);
    expect(node.loop.alive).toBe(true);
  });

  it('an offer at or below the commit index is declined, and its file deleted', async () => {
    const disk = new MemoryDisk();
    const storage = new MemoryStorage(disk);
    const store = new MemorySnapshotStore(disk, 'b');
    const node = await startNode('b', ['a', 'b'], storage, store, 1_000_000);
    const entries = Array.from({ length: 20 }, (_, i) => ({
      index: i + 1,
      term: 1,
      type: 'normal' as const,
      data: set(`k${i}`, 'v'),
    }));
    node.loop.receive({
      type: 'App',
      from: 'a',
      to: 'b',
      term: 1,
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries,
      commit: 20,
    });
    await until('applied', () => node.loop.machine.appliedIndex === 20);
    const other = tempDir();
    const otherStore = new SnapshotStore(other);
    await otherStore.load(0);
    const meta: SnapshotMeta = { index: 5, term: 1, membership: { voters: ['a', 'b'], learners: [] } };
    const file = await otherStore.write(meta, [Buffer.from('RLKV\x01')]);
    const incoming = node.loop.incomingPath('a', meta);
    fs.copyFileSync(file.path, incoming);
    node.loop.offer('a', 1, meta, incoming);
    await until('the declined file deleted', () => !fs.existsSync(incoming));
    expect(node.loop.machine.appliedIndex).toBe(20);
    expect(store.latest()).toBeNull();
    expect(node.failures).toEqual([]);
  });
});
