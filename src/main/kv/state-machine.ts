// The replicated state machine: the seed's hash table, changed only by committed log entries applied
// in log order. Every replica that applies the same entries holds the same table and returns the
// same results, so the result of an entry can answer the client that proposed it, whichever node
// the entry was proposed on.
import { toBytes } from '../../shared/hash';
import type { Entry } from '../../shared/raft/types';
import { type Command, CommandDecodeError, decodeCommand } from './command';
import { decodeRingCommand, isRingCommand } from './ring-command';
import type { RingState, RingTablePort } from './ring-state';
import { decodeTableBody, encodeTableSlice, tableBodyPrefix } from './table-codec';

/** What applying one entry did; the host turns it into the waiting client's reply. */
export type ApplyResult =
  | { readonly index: number; readonly type: 'noop' }
  /** SET: reply `+OK`. */
  | { readonly index: number; readonly type: 'set' }
  /** DEL: reply `:removed`. */
  | { readonly index: number; readonly type: 'del'; readonly removed: number }
  /** The entry's data is no command this version knows: skipped, on every replica alike. */
  | { readonly index: number; readonly type: 'invalid'; readonly error: string }
  /** A write to a key this group does not serve now (moved, or moving): not applied; retry by the ring. */
  | { readonly index: number; readonly type: 'moved' }
  /** A ring command (ring-command.ts): `applied` false when its version made it a no-op. */
  | { readonly index: number; readonly type: 'ring'; readonly applied: boolean; readonly detail: string };

/** The host fed an entry out of log order: a bug in the host, never in the data. */
export class ApplyOrderError extends Error {
  override readonly name = 'ApplyOrderError';
}

/** Values from this size on are stored as bytes and read by reference, not copied per GET. */
export const VALUE_BY_REFERENCE_MIN_BYTES = 16 * 1024;

/** keys() never returns more than this, whatever it is asked for. */
export const MAX_KEYS_LISTED = 10_000;

/** A snapshot capture encodes about this many bytes per slice before it lets the loop run. */
export const SNAPSHOT_SLICE_BYTES = 64 * 1024;
/** ... and merges this many overlay keys back per slice when it ends. */
const MERGE_SLICE_KEYS = 4096;

/** A delete recorded in the overlay while a capture runs. */
const TOMBSTONE: unique symbol = Symbol('deleted');
type Stored = string | Uint8Array;

/** One consistent view of the table at `index`, serialised in slices while the node goes on. */
export interface SnapshotCapture {
  /** The applied index the serialised table is exactly at. */
  readonly index: number;
  /** The body in slices; between slices the loop runs (applies, serves reads). */
  readonly chunks: AsyncIterable<Uint8Array>;
  /** The longest synchronous stretch (ms) the capture took from the loop so far (with `now`). */
  readonly longestPauseMs: number;
}

/** Lets a capture hand the thread back between slices (setImmediate in production). */
export type YieldTurn = () => Promise<void>;

export class KvStateMachine {
  // Keys and values as latin1 strings (one char per byte): bench/kv-key-encoding.ts measured 100k
  // SETs of 16-byte keys at about 42 ms against 90-160 ms for hex, and 40 ms against 110-210 ms for
  // GETs. A value as a string lives on the V8 heap; as a copied Uint8Array it cost each SET on each
  // replica a malloc'ed backing store, which the leader's profile showed as malloc, the backing-store
  // registry and the array-buffer sweeper (0.44 us against 0.18 us to copy 100 bytes, before GC).
  //
  // A large value is kept as bytes instead (see VALUE_BY_REFERENCE_MIN_BYTES): a GET then hands out
  // the stored bytes themselves, and the client server writes them to the socket by reference, so
  // twenty clients pipelining a thousand GETs of a 1 MB value share one copy instead of making
  // twenty thousand (issue 10: 92 MB to 4 GB of RSS).
  //
  // Snapshots (issue 12) freeze `table` while a capture serialises it in slices: changes meanwhile go
  // to `overlay` (a value, or TOMBSTONE for a delete) and reads look there first. When the capture
  // ends, the overlay is merged back in slices; during that merge writes go to `table` and clear
  // their overlay key, so the overlay only shrinks. No copy of the whole table is ever made.
  private table = new Map<string, Stored>();
  private overlay: Map<string, Stored | typeof TOMBSTONE> | null = null;
  private capturing = false;
  private keyCount = 0;
  private applied = 0;
  private storedBytes = 0;
  private skipped = 0;

  /** @param ring which keys this group serves (ring-state.ts); absent: every key, as before resharding. */
  constructor(readonly ring: RingState | null = null) {}

  /** The index of the last entry applied; entries are applied in order, so all before it are too. */
  get appliedIndex(): number {
    return this.applied;
  }

  /** The number of keys. */
  get size(): number {
    return this.keyCount;
  }

  /** True while a snapshot capture or its merge is in progress. */
  get snapshotInProgress(): boolean {
    return this.overlay !== null;
  }

  /** Bytes of keys and values held. */
  get bytes(): number {
    return this.storedBytes;
  }

  /** Entries whose command could not be decoded, and were skipped. */
  get skippedCommands(): number {
    return this.skipped;
  }

  /** Applies the next committed entry. Its index must be appliedIndex + 1. */
  apply(entry: Entry): ApplyResult {
    if (entry.index !== this.applied + 1) {
      throw new ApplyOrderError(
        `entry ${entry.index} applied after entry ${this.applied}; expected ${this.applied + 1}`,
      );
    }
    this.applied = entry.index;
    const index = entry.index;
    // A config entry changes the group, not the table: the core applies it (issue 12).
    if (entry.type === 'noop' || entry.type === 'config') return { index, type: 'noop' };

    if (this.ring !== null && isRingCommand(entry.data)) return this.applyRing(index, entry.data, this.ring);

    let command: Command;
    try {
      command = decodeCommand(entry.data);
    } catch (error) {
      if (!(error instanceof CommandDecodeError)) throw error;
      this.skipped++;
      return { index, type: 'invalid', error: error.message };
    }

    if (this.ring !== null && !this.ringAcceptsWrite(command, this.ring)) return { index, type: 'moved' };

    if (command.type === 'set') {
      const name = keyName(command.key);
      const previous = this.lookup(name);
      // A copy (a string, or bytes when large), never the view: it points into the entry's buffer.
      const value =
        command.value.length >= VALUE_BY_REFERENCE_MIN_BYTES ? Buffer.from(command.value) : latin1Of(command.value);
      if (this.overlay === null) this.table.set(name, value);
      else this.writeDuringSnapshot(name, value);
      if (previous === undefined) this.keyCount++;
      this.storedBytes += value.length - (previous === undefined ? -command.key.length : previous.length);
      return { index, type: 'set' };
    }

    let removed = 0;
    for (const key of command.keys) {
      const name = keyName(key);
      const previous = this.lookup(name);
      if (previous === undefined) continue;
      if (this.overlay === null) this.table.delete(name);
      else this.writeDuringSnapshot(name, TOMBSTONE);
      this.keyCount--;
      this.storedBytes -= key.length + previous.length;
      removed++;
    }
    return { index, type: 'del', removed };
  }

  private lookup(name: string): Stored | undefined {
    const overlay = this.overlay;
    if (overlay !== null) {
      const value = overlay.get(name);
      if (value !== undefined) return value === TOMBSTONE ? undefined : value;
    }
    return this.table.get(name);
  }

  private writeDuringSnapshot(name: string, value: Stored | typeof TOMBSTONE): void {
    const overlay = this.overlay!;
    if (this.capturing) {
      overlay.set(name, value);
      return;
    }
    // Merging: the table is live again; this key's overlay entry is now stale.
    overlay.delete(name);
    if (value === TOMBSTONE) this.table.delete(name);
    else this.table.set(name, value);
  }

  /**
   * Starts a consistent snapshot of the table as of appliedIndex. The table is serialised slice by
   * slice as `chunks` is read, while entries go on being applied; at the end the changes made
   * meanwhile are merged back, also in slices. One capture at a time. `now` (ms) measures the pauses.
   */
  beginSnapshot(yieldTurn: YieldTurn, now: () => number = () => 0): SnapshotCapture {
    if (this.overlay !== null) throw new Error('state machine: a snapshot is already being taken');
    this.overlay = new Map();
    this.capturing = true;
    const stats = { longestPauseMs: 0 };
    // The ring state is taken now, at the same applied index as the frozen table.
    const chunks = this.sliceTable(this.table, this.ring?.serialise() ?? null, yieldTurn, now, stats);
    return {
      index: this.applied,
      chunks,
      get longestPauseMs() {
        return stats.longestPauseMs;
      },
    };
  }

  private async *sliceTable(
    frozen: Map<string, Stored>,
    ringText: string | null,
    yieldTurn: YieldTurn,
    now: () => number,
    stats: { longestPauseMs: number },
  ): AsyncGenerator<Uint8Array, void, undefined> {
    const pause = (ms: number) => {
      if (ms > stats.longestPauseMs) stats.longestPauseMs = ms;
    };
    try {
      yield tableBodyPrefix(ringText);
      const entries = frozen.entries();
      for (;;) {
        const started = now();
        const slice = encodeTableSlice(entries, SNAPSHOT_SLICE_BYTES);
        pause(now() - started);
        if (slice === null) break;
        yield slice;
      }
      this.capturing = false;
      // Merge the overlay back in slices; writes meanwhile go to the table (writeDuringSnapshot).
      for (;;) {
        const started = now();
        const done = this.mergeSlice(MERGE_SLICE_KEYS);
        pause(now() - started);
        if (done) break;
        await yieldTurn();
      }
    } finally {
      // Abandoned (the file write failed) or finished: the table must be whole again either way.
      this.capturing = false;
      if (this.overlay !== null) this.mergeSlice(Number.POSITIVE_INFINITY);
    }
  }

  /** Moves up to `max` overlay entries into the table; true when the overlay is gone. */
  private mergeSlice(max: number): boolean {
    const overlay = this.overlay;
    if (overlay === null) return true;
    let moved = 0;
    for (const [name, value] of overlay) {
      if (moved++ >= max) return false;
      if (value === TOMBSTONE) this.table.delete(name);
      else this.table.set(name, value);
      overlay.delete(name);
    }
    this.overlay = null;
    return true;
  }

  /**
   * Replaces the whole table with a snapshot's body, at `index`. The new table is built aside and
   * swapped in only once the body has been read whole (its CRC checked by the reader): a corrupt or
   * short body throws and leaves the table as it was.
   */
  async restore(index: number, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    if (this.overlay !== null) throw new Error('state machine: cannot restore while a snapshot is being taken');
    if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`state machine: restore at index ${index}`);
    const { table, ring } = await decodeTableBody(chunks, VALUE_BY_REFERENCE_MIN_BYTES);
    if (this.overlay !== null) throw new Error('state machine: a snapshot began while restoring');
    // The ring state is part of the state at `index` (resharding): without it a restored replica
    // would serve by its bootstrap ring and take writes its peers refuse. A body from before
    // resharding (version 1) has none: the ring stays as it is.
    if (this.ring !== null && ring !== null) this.ring.restore(ring);
    let bytes = 0;
    for (const [name, value] of table) bytes += name.length + value.length;
    this.table = table;
    this.keyCount = table.size;
    this.storedBytes = bytes;
    this.applied = index;
  }

  private ringAcceptsWrite(command: Command, ring: RingState): boolean {
    if (command.type === 'set') return ring.acceptsWrite(command.key);
    return command.keys.every((key) => ring.acceptsWrite(key));
  }

  private applyRing(index: number, data: Uint8Array, ring: RingState): ApplyResult {
    try {
      const outcome = ring.apply(decodeRingCommand(data), this.tablePort);
      return { index, type: 'ring', ...outcome };
    } catch (error) {
      if (!(error instanceof CommandDecodeError)) throw error;
      this.skipped++;
      return { index, type: 'invalid', error: error.message };
    }
  }

  /** Stores one key's value, through the overlay while a snapshot is being taken. */
  private store(name: string, value: Stored | typeof TOMBSTONE): void {
    if (this.overlay === null) {
      if (value === TOMBSTONE) this.table.delete(name);
      else this.table.set(name, value);
    } else this.writeDuringSnapshot(name, value);
  }

  /** Every live key and value: the table as reads see it (overlay first while a snapshot is taken). */
  private *liveEntries(): Generator<[string, Stored]> {
    for (const name of this.table.keys()) {
      const value = this.lookup(name);
      if (value !== undefined) yield [name, value];
    }
    if (this.overlay === null) return;
    for (const [name, value] of this.overlay) {
      if (value !== TOMBSTONE && !this.table.has(name)) yield [name, value];
    }
  }

  /** What ring commands do to the table: the copy's writes and the handover's drop. */
  private readonly tablePort: RingTablePort = {
    importPair: (key, value) => {
      const name = keyName(key);
      const previous = this.lookup(name);
      const stored = value.length >= VALUE_BY_REFERENCE_MIN_BYTES ? Buffer.from(value) : latin1Of(value);
      this.store(name, stored);
      if (previous === undefined) this.keyCount++;
      this.storedBytes += stored.length - (previous === undefined ? -key.length : previous.length);
    },
    dropWhere: (keep) => {
      const gone: [string, Stored][] = [];
      for (const [name, value] of this.liveEntries()) if (!keep(bytesOfName(name))) gone.push([name, value]);
      for (const [name, value] of gone) {
        this.store(name, TOMBSTONE);
        this.keyCount--;
        this.storedBytes -= name.length + value.length;
      }
      return gone.length;
    },
  };

  /** Keys and values (as bytes) for which `pick` is true, read lazily: the copy of a move pages through it. */
  *entriesWhere(pick: (key: Uint8Array) => boolean): Generator<readonly [Uint8Array, Uint8Array]> {
    for (const [name, value] of this.liveEntries()) {
      const key = bytesOfName(name);
      if (pick(key)) yield [key, typeof value === 'string' ? Buffer.from(value, 'latin1') : value];
    }
  }

  /**
   * The value, or null: a copy of a small value, the stored bytes themselves of a large one. The
   * caller must not change them (a reply only writes them out).
   */
  get(key: Uint8Array | string): Uint8Array | null {
    const value = this.lookup(keyName(toBytes(key)));
    if (value === undefined) return null;
    return typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
  }

  exists(key: Uint8Array | string): boolean {
    return this.lookup(keyName(toBytes(key))) !== undefined;
  }

  /** EXISTS k1 k2 ...: a key named twice counts twice, as in Redis. */
  countExisting(keys: readonly (Uint8Array | string)[]): number {
    let count = 0;
    for (const key of keys) if (this.exists(key)) count++;
    return count;
  }

  /** Up to `limit` keys, oldest first, for the dashboard. */
  keys(limit = 100): Uint8Array[] {
    const bound = Math.max(0, Math.min(Math.floor(limit), MAX_KEYS_LISTED));
    const out: Uint8Array[] = [];
    for (const name of this.table.keys()) {
      if (out.length >= bound) break;
      if (this.lookup(name) !== undefined) out.push(bytesOfName(name));
    }
    // Keys added while a snapshot is taken are still in the overlay.
    if (this.overlay !== null) {
      for (const [name, value] of this.overlay) {
        if (out.length >= bound) break;
        if (value !== TOMBSTONE && !this.table.has(name)) out.push(bytesOfName(name));
      }
    }
    return out;
  }
}

/** Bytes as a string of one char per byte; Buffer's latin1 decoder is the identity on bytes. */
function latin1Of(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

const keyName = latin1Of;

function bytesOfName(name: string): Uint8Array {
  return Buffer.from(name, 'latin1');
}
