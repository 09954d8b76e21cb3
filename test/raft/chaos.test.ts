// A small adversarial run of whole clusters of cores, to catch what hand-written cases miss. The host
// model is the real one's: `messages` leave at once, the disk write finishes later (steps arrive
// meanwhile), then `persistedMessages` leave, entries apply and `advance` runs. The network drops,
// duplicates and reorders; nodes crash (losing the write in progress) and restart from their disk.
// Checked after every action:
//   - Election Safety: at most one leader per term, ever.
//   - State Machine Safety: no two nodes apply different entries at one index.
//   - Durability: every node's commit index names an entry that a majority holds on disk.
//   - Leader Completeness: a leader holds every entry any node has applied.
// Checked at the end: once healed, a leader emerges and a new write commits everywhere.
// Each failure names its seed.
import { describe, expect, it } from 'vitest';
import { createRaft } from '../../src/shared/raft/index';
import { quorumSize } from '../../src/shared/raft/quorum';
import type { Entry, HardState, Message, NodeId, RaftCore, Ready } from '../../src/shared/raft/types';
import { SeededRandom } from '../../src/shared/random';
import { makeConfig, peersOf } from './helpers';

interface Disk {
  hardState: HardState;
  entries: Entry[];
}

interface Host {
  core: RaftCore | null;
  disk: Disk;
  write: { ready: Ready; stepsLeft: number } | null;
}

interface Faults {
  readonly drop: number;
  readonly duplicate: number;
  readonly crash: number;
}

class Chaos {
  readonly hosts = new Map<NodeId, Host>();
  private pool: Message[] = [];
  private readonly leaders = new Map<number, NodeId>();
  private readonly appliedAt = new Map<number, string>();
  private proposals = 0;
  private maxApplied = 0;
  private maxAppliedTermFloor = 0;
  private reads = 0;
  private readonly cut = new Set<string>();
  private readonly readFloor = new Map<number, number>();
  readonly stats = { commits: 0, crashes: 0, leaderTerms: 0, reads: 0 };

  constructor(
    readonly ids: readonly NodeId[],
    private readonly rng: SeededRandom,
    private readonly options: { preVote: boolean; checkQuorum: boolean },
  ) {
    for (const id of ids) {
      const disk: Disk = { hardState: { term: 0, vote: '', commit: 0 }, entries: [] };
      this.hosts.set(id, { core: null, disk, write: null });
      this.boot(id);
    }
  }

  private boot(id: NodeId): void {
    const host = this.hosts.get(id)!;
    const config = makeConfig(id, this.ids, {
      ...this.options,
      maxEntriesPerMessage: 4,
      maxInflightMessages: 3,
      random: this.rng.fork(id.charCodeAt(1) * 7919 + this.stats.crashes),
    });
    host.core = createRaft(config, {
      hardState: host.disk.hardState,
      snapshot: { index: 0, term: 0 },
      entries: [...host.disk.entries],
      applied: 0,
    });
    host.write = null;
  }

  step(faults: Faults): void {
    const roll = this.rng.next();
    if (roll < 0.45 && this.pool.length > 0) this.deliver(faults);
    else if (roll < 0.7) this.tickOne();
    else if (roll < 0.85) this.propose();
    else if (roll < 0.88) this.read();
    else if (roll < 0.885) this.transfer();
    else if (roll < 0.887) this.toggleOptions();
    else if (roll < 0.892) this.repartition();
    else if (roll < 0.892 + faults.crash) this.crashOrRestart();
    this.pump(faults);
    this.check();
  }

  private deliver(faults: Faults): void {
    const at = this.rng.nextInt(this.pool.length);
    const message = this.pool[at]!;
    this.pool[at] = this.pool[this.pool.length - 1]!;
    this.pool.pop();
    if (this.rng.chance(faults.drop) || this.cut.has(`${message.from}>${message.to}`)) return;
    if (this.rng.chance(faults.duplicate)) this.pool.push(message);
    this.hosts.get(message.to)!.core?.step(message);
  }

  private tickOne(): void {
    const id = this.ids[this.rng.nextInt(this.ids.length)]!;
    this.hosts.get(id)!.core?.tick();
  }

  private propose(): void {
    for (const host of this.hosts.values()) {
      if (host.core?.status().role === 'leader') {
        host.core.propose([new TextEncoder().encode(`w${++this.proposals}`)]);
        return;
      }
    }
  }

  /** A read must see every write applied anywhere before it was asked (linearizability). */
  private read(): void {
    const id = this.ids[this.rng.nextInt(this.ids.length)]!;
    const core = this.hosts.get(id)!.core;
    const context = ++this.reads;
    if (core?.readIndex(context)) this.readFloor.set(context, this.maxApplied);
  }

  private transfer(): void {
    for (const host of this.hosts.values()) {
      if (host.core?.status().role === 'leader') {
        host.core.transferLeadership(this.rng.chance(0.5) ? undefined : this.ids[this.rng.nextInt(this.ids.length)]);
        return;
      }
    }
  }

  /** Heals, splits the nodes in two, or cuts one link one way. */
  private repartition(): void {
    this.cut.clear();
    const kind = this.rng.nextInt(3);
    if (kind === 1) {
      const side = new Set(this.ids.filter(() => this.rng.chance(0.5)));
      for (const a of this.ids) for (const b of this.ids) if (side.has(a) !== side.has(b)) this.cut.add(`${a}>${b}`);
    } else if (kind === 2) {
      const a = this.ids[this.rng.nextInt(this.ids.length)]!;
      const b = this.ids[this.rng.nextInt(this.ids.length)]!;
      this.cut.add(`${a}>${b}`);
    }
  }

  private toggleOptions(): void {
    const id = this.ids[this.rng.nextInt(this.ids.length)]!;
    this.hosts.get(id)!.core?.setOptions({ preVote: this.rng.chance(0.5), checkQuorum: this.rng.chance(0.5) });
  }

  private crashOrRestart(): void {
    const id = this.ids[this.rng.nextInt(this.ids.length)]!;
    const host = this.hosts.get(id)!;
    if (host.core === null) {
      this.boot(id);
      return;
    }
    const down = [...this.hosts.values()].filter((h) => h.core === null).length;
    if (down >= quorumSize(this.ids.length) - 1) return;
    this.stats.crashes++;
    host.core = null;
    host.write = null;
  }

  /** Each host takes a Ready when idle, and finishes its disk write a few actions later. */
  pump(faults: Faults, instant = false): boolean {
    let moved = false;
    for (const [, host] of this.hosts) {
      const core = host.core;
      if (core === null) continue;
      if (host.write !== null) {
        if (!instant && host.write.stepsLeft-- > 0) continue;
        const { ready } = host.write;
        host.write = null;
        if (ready.hardState) host.disk.hardState = ready.hardState;
        if (ready.entries.length > 0) {
          host.disk.entries.length = ready.entries[0]!.index - 1;
          host.disk.entries.push(...ready.entries);
        }
        this.send(ready.persistedMessages, faults);
        for (const entry of ready.committedEntries) this.applied(entry);
        for (const state of ready.readStates) {
          const floor = this.readFloor.get(state.context);
          if (floor === undefined) throw new Error(`read ${state.context} answered but never asked, or twice`);
          if (state.index < floor)
            throw new Error(`Linearizability: read ${state.context} got index ${state.index} < ${floor}`);
          this.readFloor.delete(state.context);
          this.stats.reads++;
        }
        for (const context of ready.failedReads) this.readFloor.delete(context);
        core.advance(ready);
        moved = true;
      }
      if (host.write === null && core.hasReady()) {
        const ready = core.ready();
        this.send(ready.messages, faults);
        host.write = { ready, stepsLeft: instant ? 0 : this.diskLatency() };
        moved = true;
      }
    }
    return moved;
  }

  /** Most writes are quick; one in five is slow enough for the rest of the cluster to move on. */
  private diskLatency(): number {
    return this.rng.chance(0.2) ? 10 + this.rng.nextInt(30) : this.rng.nextInt(3);
  }

  private send(messages: readonly Message[], faults: Faults): void {
    for (const m of messages) {
      this.pool.push(m);
      if (this.rng.chance(faults.duplicate)) this.pool.push(m);
    }
  }

  private applied(entry: Entry): void {
    const key = entryKey(entry);
    if (entry.index > this.maxApplied) {
      this.maxApplied = entry.index;
      this.maxAppliedTermFloor = Math.max(...[...this.hosts.values()].map((h) => h.core?.status().term ?? 0));
    }
    const seen = this.appliedAt.get(entry.index);
    if (seen !== undefined && seen !== key) {
      throw new Error(`State Machine Safety: index ${entry.index} applied as ${seen} and as ${key}`);
    }
    if (seen === undefined) this.stats.commits++;
    this.appliedAt.set(entry.index, key);
  }

  check(): void {
    const quorum = quorumSize(this.ids.length);
    for (const [id, host] of this.hosts) {
      const core = host.core;
      if (core === null) continue;
      const s = core.status();
      if (s.role === 'leader') {
        const known = this.leaders.get(s.term);
        if (known !== undefined && known !== id)
          throw new Error(`Election Safety: ${known} and ${id} lead term ${s.term}`);
        if (known === undefined) this.stats.leaderTerms++;
        this.leaders.set(s.term, id);
        // Leaders of terms after the entry's commit must hold it; a stale leader of an older term need
        // not. The highest term any node had when the entry was first applied bounds the commit's term.
        // Log Matching extends this check of the highest applied entry to every one below it.
        const key = this.appliedAt.get(this.maxApplied);
        const mine = core.entries(this.maxApplied, this.maxApplied + 1)[0];
        if (key !== undefined && s.term >= this.maxAppliedTermFloor && (mine === undefined || entryKey(mine) !== key)) {
          throw new Error(
            `Leader Completeness: leader ${id} of term ${s.term} lacks applied entry ${this.maxApplied} (${key})`,
          );
        }
      }
      if (s.commit > 0) {
        const term = core.entries(s.commit, s.commit + 1)[0]!.term;
        let onDisk = 0;
        for (const other of this.hosts.values()) if (other.disk.entries[s.commit - 1]?.term === term) onDisk++;
        if (onDisk < quorum) {
          throw new Error(`Durability: ${id} has commit ${s.commit} (term ${term}) but only ${onDisk} disks hold it`);
        }
      }
    }
  }

  /** Heals everything and runs without faults until a leader commits a fresh write everywhere. */
  settle(): void {
    const calm: Faults = { drop: 0, duplicate: 0, crash: 0 };
    this.cut.clear();
    for (const id of this.ids) if (this.hosts.get(id)!.core === null) this.boot(id);
    const flush = () => {
      for (let guard = 0; guard < 10_000; guard++) {
        const moved = this.pump(calm, true);
        if (this.pool.length === 0 && !moved) return;
        const batch = this.pool;
        this.pool = [];
        for (const m of batch) this.hosts.get(m.to)!.core?.step(m);
        this.check();
      }
      throw new Error('settle: no quiescence');
    };
    let leader: RaftCore | null = null;
    for (let t = 0; t < 500 && leader === null; t++) {
      for (const host of this.hosts.values()) host.core!.tick();
      flush();
      leader = [...this.hosts.values()].map((h) => h.core!).find((c) => c.status().role === 'leader') ?? null;
    }
    if (leader === null) throw new Error('Liveness: no leader after healing');
    const final = leader.propose([new TextEncoder().encode('final')]);
    if (!final.ok) throw new Error('Liveness: the leader refused the final write');
    for (let t = 0; t < 5; t++) {
      for (const host of this.hosts.values()) host.core!.tick();
      flush();
    }
    for (const [id, host] of this.hosts) {
      if (host.core!.status().applied < final.firstIndex)
        throw new Error(`Liveness: ${id} did not apply the final write`);
    }
  }
}

function entryKey(entry: Entry): string {
  return `${entry.term}:${new TextDecoder().decode(entry.data)}`;
}

function runSeed(seed: number, nodes: number, options: { preVote: boolean; checkQuorum: boolean }, faults: Faults) {
  const chaos = new Chaos(peersOf(nodes), new SeededRandom(seed), options);
  try {
    for (let i = 0; i < 3000; i++) chaos.step(faults);
    chaos.settle();
  } catch (error) {
    throw new Error(`seed ${seed} (${nodes} nodes, ${JSON.stringify(options)}): ${(error as Error).message}`);
  }
  return chaos.stats;
}

describe('chaos: safety under drops, duplicates, reorders, slow disks and crashes; liveness once healed', () => {
  const faults: Faults = { drop: 0.1, duplicate: 0.05, crash: 0.004 };
  for (const options of [
    { preVote: true, checkQuorum: true },
    { preVote: false, checkQuorum: false },
  ]) {
    it(`holds over 40 seeds with preVote=${options.preVote} checkQuorum=${options.checkQuorum}`, () => {
      const total = { commits: 0, crashes: 0, leaderTerms: 0, reads: 0 };
      for (let seed = 1; seed <= 40; seed++) {
        const stats = runSeed(seed, seed % 2 === 0 ? 3 : 5, options, faults);
        total.commits += stats.commits;
        total.crashes += stats.crashes;
        total.leaderTerms += stats.leaderTerms;
        total.reads += stats.reads;
      }
      // The runs did real work: entries committed, leaders changed, reads served, nodes crashed.
      expect(total.commits).toBeGreaterThan(1000);
      expect(total.leaderTerms).toBeGreaterThan(100);
      expect(total.reads).toBeGreaterThan(500);
      expect(total.crashes).toBeGreaterThan(20);
    });
  }
});
