// The replicated state machine: the seed's hash table, changed only by committed log entries applied
// in log order. Every replica that applies the same entries holds the same table and returns the
// same results, so the result of an entry can answer the client that proposed it, whichever node
// the entry was proposed on.
import { toBytes } from '../../shared/hash';
import type { Entry } from '../../shared/raft/types';
import { type Command, CommandDecodeError, decodeCommand } from './command';
import { decodeRingCommand, isRingCommand } from './ring-command';
import type { RingState, RingTablePort } from './ring-state';

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
  private readonly table = new Map<string, string | Uint8Array>();
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
    return this.table.size;
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
    if (entry.type === 'noop') return { index, type: 'noop' };

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
      const previous = this.table.get(name);
      // A copy (a string, or bytes when large), never the view: it points into the entry's buffer.
      const value =
        command.value.length >= VALUE_BY_REFERENCE_MIN_BYTES ? Buffer.from(command.value) : latin1Of(command.value);
      this.table.set(name, value);
      this.storedBytes += value.length - (previous === undefined ? -command.key.length : previous.length);
      return { index, type: 'set' };
    }

    let removed = 0;
    for (const key of command.keys) {
      const name = keyName(key);
      const previous = this.table.get(name);
      if (previous === undefined) continue;
      this.table.delete(name);
      this.storedBytes -= key.length + previous.length;
      removed++;
    }
    return { index, type: 'del', removed };
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

  /** What ring commands do to the table: the copy's writes and the handover's drop. */
  private readonly tablePort: RingTablePort = {
    importPair: (key, value) => {
      const name = keyName(key);
      const previous = this.table.get(name);
      const stored = value.length >= VALUE_BY_REFERENCE_MIN_BYTES ? Buffer.from(value) : latin1Of(value);
      this.table.set(name, stored);
      this.storedBytes += stored.length - (previous === undefined ? -key.length : previous.length);
    },
    dropWhere: (keep) => {
      let dropped = 0;
      for (const [name, value] of this.table) {
        const key = bytesOfName(name);
        if (keep(key)) continue;
        this.table.delete(name);
        this.storedBytes -= key.length + value.length;
        dropped++;
      }
      return dropped;
    },
  };

  /** Keys and values (as bytes) for which `pick` is true, read lazily: the copy of a move pages through it. */
  *entriesWhere(pick: (key: Uint8Array) => boolean): Generator<readonly [Uint8Array, Uint8Array]> {
    for (const [name, value] of this.table) {
      const key = bytesOfName(name);
      if (pick(key)) yield [key, typeof value === 'string' ? Buffer.from(value, 'latin1') : value];
    }
  }

  /**
   * The value, or null: a copy of a small value, the stored bytes themselves of a large one. The
   * caller must not change them (a reply only writes them out).
   */
  get(key: Uint8Array | string): Uint8Array | null {
    const value = this.table.get(keyName(toBytes(key)));
    if (value === undefined) return null;
    return typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
  }

  exists(key: Uint8Array | string): boolean {
    return this.table.has(keyName(toBytes(key)));
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
      out.push(bytesOfName(name));
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
