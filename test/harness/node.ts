// One simulated server: a real Raft core, its disk and its state machine, run through the Ready
// loop in the order types.ts prescribes (persist, send, apply, release reads, advance). Only the
// disk survives a crash; a restart rebuilds the state machine by re-applying committed entries.
import { createRaft } from '../../src/shared/raft';
import type {
  HardState,
  Message,
  NodeId,
  ProposeResult,
  RaftConfig,
  RaftCore,
  RaftStatus,
  ReadState,
  Ready,
  Role,
} from '../../src/shared/raft/types';
import { MemoryDisk } from './disk';
import type { NodeSnapshot, UnstampedEvent } from './history';
import { decodeSet, decodeText, KvStateMachine } from './kv';

/** What survives a crash in the middle of a save. */
export type TornWrite = 'nothing' | 'term-and-vote';

export interface NodeEnvironment {
  send(message: Message): void;
  emit(event: UnstampedEvent): void;
  now(): number;
  /** How long the next save takes to become durable, in ticks; 0 completes it at once. */
  saveDelayTicks(): number;
  /** The config for one life of this node; a restart gets a fresh PRNG stream. */
  config(id: NodeId, incarnation: number): RaftConfig;
}

interface PendingWrite {
  readonly term: number;
  readonly key: string;
  readonly value: string;
}

export class SimNode {
  readonly disk = new MemoryDisk();
  private core: RaftCore | null = null;
  private machine = new KvStateMachine();
  private incarnation = 0;
  private last: {
    role: Role;
    term: number;
    leader: NodeId | null;
    commit: number;
    lastIndex: number;
    lastTerm: number;
  } = { role: 'follower', term: 0, leader: null, commit: 0, lastIndex: 0, lastTerm: 0 };
  /** Reads asked of the core and not yet answered: context → key. */
  private readonly reads = new Map<number, string>();
  /** Read states the core released whose index the state machine has not reached yet. */
  private waitingReads: ReadState[] = [];
  /** KV writes this node proposed as leader, by index, to acknowledge once applied. */
  private readonly writes = new Map<number, PendingWrite>();
  private tearNextPersist: TornWrite | null = null;
  /** A save still on its way to the disk, with the role and term of the node when it began. */
  private slowSave: { ready: Ready; role: Role; term: number; doneAt: number } | null = null;

  constructor(
    readonly id: NodeId,
    private readonly env: NodeEnvironment,
  ) {}

  get alive(): boolean {
    return this.core !== null;
  }

  get stateMachine(): KvStateMachine {
    return this.machine;
  }

  /** The running core. Throws for a crashed node: tests must not poke the dead. */
  get raft(): RaftCore {
    if (this.core === null) throw new Error(`${this.id} is down`);
    return this.core;
  }

  status(): RaftStatus {
    return this.raft.status();
  }

  /** Boots (or reboots) the core from whatever the disk holds. */
  start(): void {
    if (this.core !== null) throw new Error(`${this.id} is already running`);
    this.incarnation++;
    this.machine = new KvStateMachine();
    this.core = createRaft(this.env.config(this.id, this.incarnation), this.disk.load());
    if (this.incarnation > 1) this.env.emit({ kind: 'restart', node: this.id });
    this.observe();
    this.drain();
  }

  /** Loses everything but the disk. */
  crash(torn = false): void {
    if (this.core === null) return;
    this.core = null;
    this.reads.clear();
    this.waitingReads = [];
    this.writes.clear();
    this.tearNextPersist = null;
    // An unfinished save never reached the disk.
    this.slowSave = null;
    this.env.emit({ kind: 'crash', node: this.id, torn });
  }

  /**
   * The next Ready that has something to persist sends its messages and then the node dies with
   * that save torn: nothing of it durable, or (as the WAL orders its writes) only the new term and vote.
   * `null` calls it off.
   */
  crashAtNextPersist(torn: TornWrite | null = 'nothing'): void {
    this.tearNextPersist = this.core === null ? null : torn;
  }

  /** Feeds the core one input, then carries out every Ready it produces. */
  input<T>(action: (core: RaftCore) => T): T {
    const result = action(this.raft);
    this.observe();
    this.drain();
    return result;
  }

  deliver(message: Message): void {
    this.input((core) => core.step(message));
  }

  propose(commands: readonly Uint8Array[]): ProposeResult {
    const result = this.input((core) => core.propose(commands));
    if (result.ok) this.recordProposal(result.firstIndex, result.term, commands);
    return result;
  }

  /** Starts a linearizable read of `key`; false when the core knows no leader to ask. */
  read(readId: number, key: string): boolean {
    this.env.emit({ kind: 'read-start', node: this.id, readId, key });
    this.reads.set(readId, key);
    const accepted = this.input((core) => core.readIndex(readId));
    if (!accepted && this.reads.delete(readId)) this.env.emit({ kind: 'read-failed', node: this.id, readId });
    return accepted;
  }

  snapshot(): NodeSnapshot {
    if (this.core !== null) this.refreshLast(this.core.status());
    return {
      id: this.id,
      alive: this.core !== null,
      ...this.last,
      applied: this.machine.appliedIndex,
      savePending: this.slowSave !== null,
      diskLastIndex: this.disk.lastIndex,
      diskLastTerm: this.disk.lastTerm,
    };
  }

  private recordProposal(firstIndex: number, term: number, commands: readonly Uint8Array[]): void {
    commands.forEach((data, offset) => {
      const command = decodeSet(data);
      if (command !== null) this.writes.set(firstIndex + offset, { term, key: command.key, value: command.value });
    });
    this.env.emit({
      kind: 'propose',
      node: this.id,
      index: firstIndex,
      term,
      commands: commands.map((data) => decodeText(data)),
    });
  }

  private observe(): void {
    if (this.core === null) return;
    const before = this.last;
    this.refreshLast(this.core.status());
    const now = this.last;
    if (now.role !== before.role || now.term !== before.term) {
      this.env.emit({ kind: 'role', node: this.id, role: now.role, term: now.term, leader: now.leader });
    }
  }

  private refreshLast(status: RaftStatus): void {
    this.last = {
      role: status.role,
      term: status.term,
      leader: status.leader,
      commit: status.commit,
      lastIndex: status.lastIndex,
      lastTerm: status.lastTerm,
    };
  }

  private drain(): void {
    // A core that always has more work would spin forever; that is a bug worth a loud error.
    for (let rounds = 0; this.core !== null && this.slowSave === null && this.core.hasReady(); rounds++) {
      if (rounds > 10_000) throw new Error(`${this.id}: the core still has a Ready after 10000 rounds`);
      const ready = this.core.ready();
      const { role, term } = this.core.status();
      // Messages that promise nothing durable may leave before the save (types.ts, Ready step 1).
      for (const message of ready.messages) this.env.send(message);
      const mustPersist = ready.hardState !== null || ready.entries.length > 0;
      if (mustPersist && this.tearNextPersist !== null) {
        if (this.tearNextPersist === 'term-and-vote' && ready.hardState !== null) {
          this.persistTermAndVote(ready.hardState, role, term);
        }
        this.crash(true);
        return;
      }
      const delayTicks = mustPersist ? this.env.saveDelayTicks() : 0;
      if (delayTicks > 0) {
        // A slow fsync: the core keeps taking messages meanwhile, but no new Ready until this one is done.
        this.slowSave = { ready, role, term, doneAt: this.env.now() + delayTicks };
        return;
      }
      this.finish(ready, role, term);
    }
  }

  /** Completes a slow save whose time has come, then carries on with the Ready loop. */
  completeDueSave(now: number): void {
    const save = this.slowSave;
    if (save === null || save.doneAt > now || this.core === null) return;
    this.slowSave = null;
    this.finish(save.ready, save.role, save.term);
    this.drain();
  }

  /** Steps 1 (the save) to 4 of a Ready, then advance. */
  private finish(ready: Ready, role: Role, term: number): void {
    if (ready.hardState !== null || ready.entries.length > 0) {
      this.disk.persist(ready.hardState, ready.entries);
      this.env.emit({ kind: 'persist', node: this.id, role, term, hardState: ready.hardState, entries: ready.entries });
    }
    for (const message of ready.persistedMessages) this.env.send(message);
    for (const entry of ready.committedEntries) {
      this.machine.apply(entry);
      this.env.emit({ kind: 'apply', node: this.id, entry });
      this.acknowledgeWrite(entry.index, entry.term);
    }
    this.waitingReads.push(...ready.readStates.filter((read) => this.reads.has(read.context)));
    this.releaseReads();
    for (const context of ready.failedReads) {
      if (this.reads.delete(context)) this.env.emit({ kind: 'read-failed', node: this.id, readId: context });
    }
    this.raft.advance(ready);
    this.observe();
  }

  private persistTermAndVote(next: HardState, role: Role, term: number): void {
    const hardState = { term: next.term, vote: next.vote, commit: this.disk.hardState.commit };
    this.disk.persist(hardState, []);
    this.env.emit({ kind: 'persist', node: this.id, role, term, hardState, entries: [] });
  }

  private acknowledgeWrite(index: number, term: number): void {
    const write = this.writes.get(index);
    if (write === undefined) return;
    this.writes.delete(index);
    // Another leader's entry took this index: the client never hears OK for that write.
    if (write.term !== term) return;
    this.env.emit({ kind: 'write-ack', node: this.id, key: write.key, value: write.value, index });
  }

  private releaseReads(): void {
    const applied = this.machine.appliedIndex;
    const still: ReadState[] = [];
    for (const read of this.waitingReads) {
      const key = this.reads.get(read.context);
      if (key === undefined) continue;
      if (read.index > applied) {
        still.push(read);
        continue;
      }
      this.reads.delete(read.context);
      const stored = this.machine.get(key);
      this.env.emit({
        kind: 'read-done',
        node: this.id,
        readId: read.context,
        key,
        value: stored?.value ?? null,
        index: stored?.index ?? 0,
      });
    }
    this.waitingReads = still;
  }
}
