// Moves keys between groups when the ring changes (issue 13; the why is in docs/resharding.md).
// For a step from ring `old` to ring `next` (one version up):
//
//   1. every group of `next` has a leader (a new group's nodes were started and elected);
//   2. FREEZE(next) is committed in every source group: from that index on, its keys that leave
//      take no writes (refused at apply, so a write proposed before the freeze but committed after
//      it is refused too), and their values are fixed;
//   3. the copy: a node of the source that has applied the freeze pages through the leaving keys
//      (bounded batches) and each batch is written through the target's log as IMPORT(next.version);
//   4. ADOPT(next) in every source: it stops serving the keys that left and drops them;
//   5. ADOPT(next) in every group of `next`: targets now serve what they imported. Routers learn
//      the new ring from these adoptions.
//
// Between 4 and 5 a moving key is served by nobody (requests wait and retry), never by two groups.
// Every step is idempotent (each command names its version and a replica ignores an old one), so a
// step that timed out, or a source node that died mid-copy, is simply done again.
import type { RingMoveView } from '../../shared/api';
import type { NodeId } from '../../shared/raft/types';
import { NodeStoppedError } from '../kv/local-group';
import { encodeRingCommand, type RingCommand, type RingConfig } from '../kv/ring-command';
import { ringOf } from '../kv/ring-state';
import type { ApplyResult } from '../kv/state-machine';
import type { HostClock } from '../net/types';
import type { NodeHost } from './node-host';

export interface GroupMoverPorts {
  readonly clock: HostClock;
  /** The live nodes of a group, now. */
  liveNodes(group: number): readonly NodeHost[];
  /** Each change of a move's counts (for `ring.moves` and `migrate` events). */
  onMove(move: RingMoveView, phase: 'start' | 'progress' | 'done'): void;
  log?(line: string): void;
}

export interface GroupMoverOptions {
  /** Keys per IMPORT entry, and bytes: whichever is reached first ends the batch. */
  readonly batchKeys?: number;
  readonly batchBytes?: number;
  /** How long one proposal may take before it is tried again (idempotent, so safe). */
  readonly proposeTimeoutMs?: number;
  /** IMPORT entries in flight at once: batches hold distinct keys with fixed values, so order is free. */
  readonly importsInFlight?: number;
  /** Awaited before the n-th IMPORT (from 1) is proposed: tests strike a fault at a known point of the copy. */
  readonly beforeImport?: (n: number) => Promise<void> | void;
}

/** The move was abandoned because its host is stopping. */
export class MoveCancelledError extends Error {
  override readonly name = 'MoveCancelledError';
}

const RETRY_MS = 50;

export class GroupMover {
  private cancelled = false;
  private importsStarted = 0;
  private readonly moves = new Map<string, { -readonly [K in keyof RingMoveView]: RingMoveView[K] }>();

  constructor(
    private readonly ports: GroupMoverPorts,
    private readonly options: GroupMoverOptions = {},
  ) {}

  /** The moves of this step so far. */
  get progress(): readonly RingMoveView[] {
    return [...this.moves.values()].map((move) => ({ ...move }));
  }

  cancel(): void {
    this.cancelled = true;
  }

  /** Runs the whole step; resolves once every group of `next` has adopted it. */
  async run(old: RingConfig, next: RingConfig): Promise<void> {
    if (next.version !== old.version + 1) throw new RangeError(`ring v${old.version} cannot step to v${next.version}`);
    const oldRing = ringOf(old);
    const nextRing = ringOf(next);
    if (oldRing === null || nextRing === null) throw new RangeError('a ring step needs groups on both sides');
    const sources = old.groups.map((g) => g.id);
    const everyone = next.groups.map((g) => g.id);

    for (const group of everyone) await this.leaderOf(group);
    for (const source of sources) await this.propose(source, { type: 'freeze', next });
    for (const source of sources) await this.copyFrom(source, next);
    for (const source of sources) await this.propose(source, { type: 'adopt', ring: next });
    for (const group of everyone) {
      if (!sources.includes(group)) await this.propose(group, { type: 'adopt', ring: next });
    }
    for (const move of this.moves.values()) {
      move.done = true;
      this.ports.onMove({ ...move }, 'done');
    }
  }

  /** Step 3 for one source; starts again from the top on another node if its node stops. */
  private async copyFrom(source: number, next: RingConfig): Promise<void> {
    const batchKeys = this.options.batchKeys ?? 1024;
    const inFlightMax = this.options.importsInFlight ?? 4;
    const batchBytes = this.options.batchBytes ?? 256 * 1024;
    for (;;) {
      this.checkNotCancelled();
      const node = this.ports.liveNodes(source)[0];
      if (node === undefined) {
        await this.sleep(RETRY_MS);
        continue;
      }
      try {
        // A ReadIndex read: this node has applied everything committed before it, the freeze included.
        const ready = await this.withTimeout(
          node.read(
            (machine) =>
              machine.ring?.pending?.version === next.version || (machine.ring?.version ?? 0) >= next.version,
          ),
        );
        if (!ready) throw new NodeStoppedError('the freeze is not applied here yet');
        const machine = node.stateMachine();
        const ring = machine.ring!;
        if (ring.version >= next.version) return; // handed over already (a step done again)
        // Counted first so the dashboard can show a fraction; the leaving keys no longer change.
        const totals = new Map<number, number>();
        for (const [key] of machine.entriesWhere((k) => ring.leaving(k) !== null)) {
          const to = ring.leaving(key)!;
          totals.set(to, (totals.get(to) ?? 0) + 1);
        }
        for (const [to, total] of totals) this.startMove(source, to, total);
        const batches = new Map<number, { pairs: [Uint8Array, Uint8Array][]; bytes: number }>();
        // Bounded memory: at most inFlightMax batches proposed and one being filled per target.
        const inFlight = new Set<Promise<void>>();
        const send = async (to: number, pairs: [Uint8Array, Uint8Array][]): Promise<void> => {
          while (inFlight.size >= inFlightMax) await Promise.race(inFlight);
          const sending = this.importBatch(source, to, next.version, pairs).finally(() => inFlight.delete(sending));
          sending.catch(() => undefined); // awaited below; a cancelled move must not reject unheard
          inFlight.add(sending);
        };
        for (const [key, value] of machine.entriesWhere((k) => ring.leaving(k) !== null)) {
          if (!node.alive) throw new NodeStoppedError('the source node stopped mid-copy');
          const to = ring.leaving(key)!;
          let batch = batches.get(to);
          if (batch === undefined) {
            batch = { pairs: [], bytes: 0 };
            batches.set(to, batch);
          }
          batch.pairs.push([key, value]);
          batch.bytes += key.length + value.length;
          if (batch.pairs.length >= batchKeys || batch.bytes >= batchBytes) {
            batches.delete(to);
            await send(to, batch.pairs);
          }
        }
        for (const [to, batch] of batches) await send(to, batch.pairs);
        await Promise.all(inFlight);
        return;
      } catch (error) {
        if (error instanceof MoveCancelledError) throw error;
        this.note(
          `copy from group ${source}: ${error instanceof Error ? error.message : String(error)}; starting over`,
        );
        await this.sleep(RETRY_MS);
      }
    }
  }

  private async importBatch(
    from: number,
    to: number,
    version: number,
    pairs: readonly (readonly [Uint8Array, Uint8Array])[],
  ): Promise<void> {
    await this.options.beforeImport?.(++this.importsStarted);
    await this.propose(to, { type: 'import', version, pairs });
    const move = this.moves.get(`${from}>${to}`)!;
    move.keysMoved = Math.min(move.keysTotal, move.keysMoved + pairs.length);
    this.ports.onMove({ ...move }, 'progress');
  }

  private startMove(from: number, to: number, total: number): void {
    const key = `${from}>${to}`;
    const existing = this.moves.get(key);
    if (existing !== undefined) {
      // A copy started over: count again from zero (the imports are idempotent).
      existing.keysMoved = 0;
      existing.keysTotal = total;
      return;
    }
    const move = { from, to, keysMoved: 0, keysTotal: total, done: false };
    this.moves.set(key, move);
    this.ports.onMove({ ...move }, 'start');
  }

  /** Commits `command` in `group`, trying its current leader until one applies it. */
  private async propose(group: number, command: RingCommand): Promise<ApplyResult> {
    const data = encodeRingCommand(command);
    for (;;) {
      const leader = await this.leaderOf(group);
      try {
        return await this.withTimeout(leader.propose(data));
      } catch (error) {
        if (error instanceof MoveCancelledError) throw error;
        // Not the leader any more, dropped, stopped or timed out: the command is idempotent, go again.
        await this.sleep(RETRY_MS);
      }
    }
  }

  private async leaderOf(group: number): Promise<NodeHost> {
    for (;;) {
      this.checkNotCancelled();
      const leader = this.ports.liveNodes(group).find((node) => node.isLeader());
      if (leader !== undefined) return leader;
      await this.sleep(RETRY_MS);
    }
  }

  private withTimeout<T>(work: Promise<T>): Promise<T> {
    const ms = this.options.proposeTimeoutMs ?? 2000;
    return new Promise<T>((resolve, reject) => {
      const timer = this.ports.clock.setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      work.then(
        (value) => {
          this.ports.clock.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          this.ports.clock.clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  private sleep(ms: number): Promise<void> {
    this.checkNotCancelled();
    return new Promise((resolve) => this.ports.clock.setTimeout(resolve, ms));
  }

  private checkNotCancelled(): void {
    if (this.cancelled) throw new MoveCancelledError('the host is stopping');
  }

  private note(line: string): void {
    this.ports.log?.(line);
  }
}

/** The next ring with one more group, numbered after every group ever used. */
export function ringWithGroup(current: RingConfig, members: readonly NodeId[], id: number): RingConfig {
  return { ...current, version: current.version + 1, groups: [...current.groups, { id, members: [...members] }] };
}

/** The next ring without group `id`. */
export function ringWithoutGroup(current: RingConfig, id: number): RingConfig {
  return { ...current, version: current.version + 1, groups: current.groups.filter((g) => g.id !== id) };
}
