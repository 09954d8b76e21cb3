// A small adversarial run of whole clusters, to catch what hand-written cases miss. Each node is the
// production Ready loop (src/main/host/ready-loop.ts, the one NodeHost runs) on a disk whose writes
// finish a few actions later (steps arrive meanwhile), a pool network that drops, duplicates and
// reorders, and a scheduler drained after each input. Nodes crash (losing the write in progress)
// and restart from their disk. Checked after every action:
//   - Election Safety: at most one leader per term, ever.
//   - State Machine Safety: no two nodes apply different entries at one index.
//   - Durability: every node's commit index names an entry that a majority holds on disk.
//   - Leader Completeness: a leader holds every entry any node has applied.
//   - Linearizable reads: a read is served from a state that has applied every entry applied
//     anywhere before the read was asked.
// Checked at the end: once healed, a leader emerges and a new write commits everywhere.
// Each failure names its seed.
import { describe, expect, it } from 'vitest';
import { ReadyLoop } from '../../src/main/host/ready-loop';
import { ManualClock } from '../../src/main/net/testing/clocks';
import { createRaft } from '../../src/shared/raft/index';
import { quorumSize } from '../../src/shared/raft/quorum';
import type { Entry, Message, NodeId, RaftCore } from '../../src/shared/raft/types';
import { SeededRandom } from '../../src/shared/random';
import { MemoryDisk } from '../harness/disk';
import { StepScheduler } from '../harness/scheduler';
import { SimStorage } from '../harness/sim-storage';
import { makeConfig, peersOf } from './helpers';

/** Applies in order and tells the run about each entry; answers with the index applied. */
class RecordingMachine {
  appliedIndex = 0;

  constructor(private readonly onApply: (entry: Entry) => void) {}

  apply(entry: Entry): number {
    if (entry.index !== this.appliedIndex + 1) throw new Error(`applied ${entry.index} after ${this.appliedIndex}`);
    this.appliedIndex = entry.index;
    this.onApply(entry);
    return entry.index;
  }
}

interface Life {
  readonly loop: ReadyLoop<RecordingMachine, number>;
  readonly storage: SimStorage;
  readonly scheduler: StepScheduler;
}

interface Host {
  life: Life | null;
  readonly disk: MemoryDisk;
}

interface Faults {
  readonly drop: number;
  readonly duplicate: number;
  readonly crash: number;
}

const ignore = (): void => {};

class Chaos {
  readonly hosts = new Map<NodeId, Host>();
  private pool: Message[] = [];
  private readonly leaders = new Map<number, NodeId>();
  private readonly appliedAt = new Map<number, string>();
  private proposals = 0;
  private maxApplied = 0;
  private maxAppliedTermFloor = 0;
  private readonly cut = new Set<string>();
  /** Actions so far: the clock the disks' write delays are counted in. */
  private actions = 0;
  /** In the final phase every write finishes at once. */
  private instantDisks = false;
  private faults: Faults = { drop: 0, duplicate: 0, crash: 0 };
  private readonly clock = new ManualClock();
  readonly stats = { commits: 0, crashes: 0, leaderTerms: 0, reads: 0 };

  constructor(
    readonly ids: readonly NodeId[],
    private readonly rng: SeededRandom,
    private readonly options: { preVote: boolean; checkQuorum: boolean },
  ) {
    for (const id of ids) {
      this.hosts.set(id, { life: null, disk: new MemoryDisk() });
      this.boot(id);
    }
  }

  private core(host: Host): RaftCore | null {
    return host.life?.loop.core ?? null;
  }

  private boot(id: NodeId): void {
    const host = this.hosts.get(id)!;
    const config = makeConfig(id, this.ids, {
      ...this.options,
      maxEntriesPerMessage: 4,
      maxInflightMessages: 3,
      random: this.rng.fork(id.charCodeAt(1) * 7919 + this.stats.crashes),
    });
    const initial = host.disk.load();
    const core = createRaft(config, initial);
    const storage = new SimStorage(host.disk, {
      saveDelayTicks: () => (this.instantDisks ? 0 : this.diskLatency()),
      now: () => this.actions,
      writer: () => ({ role: core.status().role, term: core.status().term }),
      persisted: ignore,
      torn: ignore,
    });
    const scheduler = new StepScheduler();
    const loop = new ReadyLoop<RecordingMachine, number>({
      core,
      durable: initial.hardState,
      machine: new RecordingMachine((entry) => this.applied(entry)),
      storage,
      sink: { send: (message) => this.send(message), flush: ignore },
      scheduler,
      clock: this.clock,
      onFailure: (error) => {
        throw error;
      },
    });
    host.life = { loop, storage, scheduler };
    loop.schedule();
    scheduler.drain();
  }

  step(faults: Faults): void {
    this.faults = faults;
    this.actions++;
    const roll = this.rng.next();
    if (roll < 0.45 && this.pool.length > 0) this.deliver();
    else if (roll < 0.7) this.tickOne();
    else if (roll < 0.85) this.propose();
    else if (roll < 0.88) this.read();
    else if (roll < 0.885) this.transfer();
    else if (roll < 0.887) this.toggleOptions();
    else if (roll < 0.892) this.repartition();
    else if (roll < 0.892 + faults.crash) this.crashOrRestart();
    this.finishDueWrites();
    this.check();
  }

  /** Runs what an input scheduled on `host` (the loop may then wait for its disk). */
  private drained(host: Host): void {
    host.life?.scheduler.drain();
  }

  private deliver(): void {
    const at = this.rng.nextInt(this.pool.length);
    const message = this.pool[at]!;
    this.pool[at] = this.pool[this.pool.length - 1]!;
    this.pool.pop();
    if (this.rng.chance(this.faults.drop) || this.cut.has(`${message.from}>${message.to}`)) return;
    if (this.rng.chance(this.faults.duplicate)) this.pool.push(message);
    const host = this.hosts.get(message.to)!;
    host.life?.loop.receive(message);
    this.drained(host);
  }

  private tickOne(): void {
    const host = this.hosts.get(this.ids[this.rng.nextInt(this.ids.length)]!)!;
    host.life?.loop.tick();
    this.drained(host);
  }

  private propose(): void {
    for (const host of this.hosts.values()) {
      if (this.core(host)?.status().role === 'leader') {
        host.life!.loop.propose(new TextEncoder().encode(`w${++this.proposals}`), ignore, ignore);
        this.drained(host);
        return;
      }
    }
  }

  /** A read must see every write applied anywhere before it was asked (linearizability). */
  private read(): void {
    const host = this.hosts.get(this.ids[this.rng.nextInt(this.ids.length)]!)!;
    const life = host.life;
    if (life === null) return;
    const floor = this.maxApplied;
    life.loop.read(
      (machine) => machine.appliedIndex,
      (applied) => {
        if ((applied as number) < floor) throw new Error(`Linearizability: a read served at ${applied} < ${floor}`);
        this.stats.reads++;
      },
      ignore,
    );
    this.drained(host);
  }

  private transfer(): void {
    for (const host of this.hosts.values()) {
      if (this.core(host)?.status().role === 'leader') {
        host.life!.loop.transferLeadership(
          this.rng.chance(0.5) ? undefined : this.ids[this.rng.nextInt(this.ids.length)],
        );
        this.drained(host);
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
    const host = this.hosts.get(this.ids[this.rng.nextInt(this.ids.length)]!)!;
    host.life?.loop.setRaftOptions({ preVote: this.rng.chance(0.5), checkQuorum: this.rng.chance(0.5) });
  }

  private crashOrRestart(): void {
    const id = this.ids[this.rng.nextInt(this.ids.length)]!;
    const host = this.hosts.get(id)!;
    const life = host.life;
    if (life === null) {
      this.boot(id);
      return;
    }
    const down = [...this.hosts.values()].filter((h) => h.life === null).length;
    if (down >= quorumSize(this.ids.length) - 1) return;
    this.stats.crashes++;
    life.loop.halt();
    life.storage.crash();
    life.scheduler.clear();
    host.life = null;
  }

  /** Disk writes whose time has come finish, and their loops carry on. */
  private finishDueWrites(): void {
    for (const host of this.hosts.values()) {
      host.life?.storage.completeDue(this.instantDisks ? Number.POSITIVE_INFINITY : this.actions);
      this.drained(host);
    }
  }

  /** Most writes are quick; one in five is slow enough for the rest of the cluster to move on. */
  private diskLatency(): number {
    return this.rng.chance(0.2) ? 10 + this.rng.nextInt(30) : this.rng.nextInt(3);
  }

  private send(message: Message): void {
    this.pool.push(message);
    if (this.rng.chance(this.faults.duplicate)) this.pool.push(message);
  }

  private applied(entry: Entry): void {
    const key = entryKey(entry);
    if (entry.index > this.maxApplied) {
      this.maxApplied = entry.index;
      this.maxAppliedTermFloor = Math.max(...[...this.hosts.values()].map((h) => this.core(h)?.status().term ?? 0));
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
      const core = this.core(host);
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
        for (const other of this.hosts.values()) if (other.disk.termAt(s.commit) === term) onDisk++;
        if (onDisk < quorum) {
          throw new Error(`Durability: ${id} has commit ${s.commit} (term ${term}) but only ${onDisk} disks hold it`);
        }
      }
    }
  }

  /** Heals everything and runs without faults until a leader commits a fresh write everywhere. */
  settle(): void {
    this.faults = { drop: 0, duplicate: 0, crash: 0 };
    this.instantDisks = true;
    this.cut.clear();
    for (const id of this.ids) if (this.hosts.get(id)!.life === null) this.boot(id);
    const flush = () => {
      for (let guard = 0; guard < 10_000; guard++) {
        this.actions++;
        this.finishDueWrites();
        if (this.pool.length === 0) return;
        const batch = this.pool;
        this.pool = [];
        for (const m of batch) {
          const host = this.hosts.get(m.to)!;
          host.life?.loop.receive(m);
          this.drained(host);
        }
        this.check();
      }
      throw new Error('settle: no quiescence');
    };
    const tickAll = () => {
      for (const host of this.hosts.values()) {
        host.life!.loop.tick();
        this.drained(host);
      }
      flush();
    };
    let leader: Host | null = null;
    for (let t = 0; t < 500 && leader === null; t++) {
      tickAll();
      leader = [...this.hosts.values()].find((h) => this.core(h)!.status().role === 'leader') ?? null;
    }
    if (leader === null) throw new Error('Liveness: no leader after healing');
    let finalIndex = 0;
    leader.life!.loop.propose(
      new TextEncoder().encode('final'),
      (index) => {
        finalIndex = index;
      },
      ignore,
    );
    const proposed = leader.life!.loop.flushProposals();
    if (proposed === null || !proposed.ok) throw new Error('Liveness: the leader refused the final write');
    this.drained(leader);
    for (let t = 0; t < 5; t++) tickAll();
    for (const [id, host] of this.hosts) {
      if (host.life!.loop.machine.appliedIndex < proposed.firstIndex)
        throw new Error(`Liveness: ${id} did not apply the final write`);
    }
    expect(finalIndex).toBe(proposed.firstIndex);
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
