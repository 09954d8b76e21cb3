// What the Ready loop (ready-loop.ts) is given: where it saves, where its messages go, how it defers
// its next run and how it waits. NodeHost passes the real ones (the WAL, the peer transport,
// setImmediate, the host clock); the simulator and the chaos test pass deterministic twins, so that
// what they prove about the loop holds for the loop that ships.

import type { Message } from '../../shared/raft/types';
import type { HostClock } from '../net/types';
import type { SaveUpdate } from '../storage/save-plan';
import type { RaftStorage, SaveOptions } from '../storage/types';

/** How a save ends: `null` once durable, or the error that leaves its durability unknown. */
export type SaveDone = (error: Error | null) => void;

/**
 * RaftStorage.save told by callback instead of a promise. Why a callback: the simulator decides when
 * a save completes (after its simulated delay, or never, if the node crashes during it) and then runs
 * the rest of the Ready at once, synchronously, in an order fixed by the seed. A promise would
 * resume the loop in a microtask, after the simulator's synchronous step is over, so each step would
 * have to await a drain and the whole simulator become async. `done` is called once, from inside
 * `save` (a save that completes at once) or later; the loop handles both.
 */
export interface LoopStorage {
  save(update: SaveUpdate, options: SaveOptions, done: SaveDone): void;
}

/** Where the loop's messages go. `send` may queue; `flush` asks for everything queued to leave now. */
export interface MessageSink {
  send(message: Message): void;
  flush(): void;
}

/** Defers the loop's next run, so that everything arriving meanwhile is stepped into one Ready. */
export interface LoopScheduler {
  schedule(task: () => void): void;
}

/** The timers the loop needs (waiting for a leader change). */
export type LoopClock = Pick<HostClock, 'setTimeout' | 'clearTimeout'>;

/**
 * Production: the end of this turn of the event loop. setImmediate, not a microtask: everything that
 * arrives in this turn (many client commands, many peer messages) is stepped before the Ready is cut.
 */
export const NEXT_TURN: LoopScheduler = { schedule: (task) => void setImmediate(task) };

/** A RaftStorage (the WAL, or its in-memory twin) seen through the callback the loop uses. */
export class PromisedSaves implements LoopStorage {
  /** One save at a time (RaftStorage's rule): the callback of the one in flight. */
  private done: SaveDone | null = null;
  // Made once, not per save: the settle handlers read the callback from the field above.
  private readonly saved = (): void => this.settle(null);
  private readonly failed = (error: unknown): void =>
    this.settle(error instanceof Error ? error : new Error(String(error)));

  constructor(private readonly storage: RaftStorage) {}

  save(update: SaveUpdate, options: SaveOptions, done: SaveDone): void {
    this.done = done;
    this.storage.save(update, options).then(this.saved, this.failed);
  }

  private settle(error: Error | null): void {
    const done = this.done;
    this.done = null;
    done?.(error);
  }
}
