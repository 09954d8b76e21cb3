// The Ready loop's storage in the simulation: the node's MemoryDisk, with saves that become durable
// when the simulation says (after a drawn number of ticks, or at once), and that a crash can tear.
// A torn save leaves nothing of itself on the disk, or only the new term and vote (the WAL writes the
// hardstate file before the log record). The loop (src/main/host/ready-loop.ts) waits on `done`
// exactly as it waits on the WAL in production.
import type { LoopStorage, SaveDone } from '../../src/main/host/ready-ports';
import type { SaveOptions, SaveUpdate } from '../../src/main/storage/save-plan';
import type { HardState, Role } from '../../src/shared/raft/types';
import type { MemoryDisk } from './disk';

/** What survives a crash in the middle of a save. */
export type TornWrite = 'nothing' | 'term-and-vote';

export interface SimStorageHooks {
  /** How long this save takes to become durable, in ticks; 0 completes it inside save(). */
  saveDelayTicks(): number;
  now(): number;
  /** The writer's role and term as the save begins (the checkers judge a leader's writes by them). */
  writer(): { readonly role: Role; readonly term: number };
  /** The save reached the disk. */
  persisted(write: { role: Role; term: number; hardState: HardState | null; update: SaveUpdate }): void;
  /** The save was torn: the node must die now, before anything else happens. */
  torn(): void;
}

interface PendingSave {
  readonly update: SaveUpdate;
  readonly role: Role;
  readonly term: number;
  readonly doneAt: number;
  readonly done: SaveDone;
}

export class SimStorage implements LoopStorage {
  private pending: PendingSave | null = null;
  /** Set by crashAtNextSave: the next save dies half-way. */
  tearNext: TornWrite | null = null;

  constructor(
    private readonly disk: MemoryDisk,
    private readonly hooks: SimStorageHooks,
  ) {}

  get savePending(): boolean {
    return this.pending !== null;
  }

  save(update: SaveUpdate, options: SaveOptions, done: SaveDone): void {
    if (this.pending !== null) throw new Error('sim storage: save() while another save is in flight');
    const { role, term } = this.hooks.writer();
    // No sync to overlap here: what the loop does while a sync runs may as well happen now.
    options.whileSyncing?.();
    const tear = this.tearNext;
    if (tear !== null) {
      this.tearNext = null;
      if (tear === 'term-and-vote' && update.hardState !== null) {
        const hardState = {
          term: update.hardState.term,
          vote: update.hardState.vote,
          commit: this.disk.hardState.commit,
        };
        this.disk.persist(hardState, []);
        this.hooks.persisted({ role, term, hardState, update: { hardState, entries: [] } });
      }
      this.hooks.torn();
      return;
    }
    const delay = this.hooks.saveDelayTicks();
    const save = { update, role, term, doneAt: this.hooks.now() + delay, done };
    if (delay > 0) {
      // A slow fsync: the core keeps taking messages meanwhile, but no new Ready until this one is done.
      this.pending = save;
      return;
    }
    this.complete(save);
  }

  /** Completes the save in flight if its time has come; the loop carries on inside this call. */
  completeDue(now: number): void {
    const save = this.pending;
    if (save === null || save.doneAt > now) return;
    this.pending = null;
    this.complete(save);
  }

  /** The node died: a save in flight never reaches the disk. */
  crash(): void {
    this.pending = null;
    this.tearNext = null;
  }

  private complete(save: PendingSave): void {
    const { hardState, entries } = save.update;
    this.disk.persist(hardState, entries);
    this.hooks.persisted({ role: save.role, term: save.term, hardState, update: save.update });
    save.done(null);
  }
}
