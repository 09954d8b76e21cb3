// The replicated state machine: the seed's hash table, changed only by committed log entries applied
// in log order. Every replica that applies the same entries holds the same table and returns the
// same results, so the result of an entry can answer the client that proposed it, whichever node
// the entry was proposed on.
import { toBytes } from '../../shared/hash';
import type { Entry } from '../../shared/raft/types';
import { type Command, CommandDecodeError, decodeCommand } from './command';

/** What applying one entry did; the host turns it into the waiting client's reply. */
export type ApplyResult =
  | { readonly index: number; readonly type: 'noop' }
  /** SET: reply `+OK`. */
  | { readonly index: number; readonly type: 'set' }
  /** DEL: reply `:removed`. */
  | { readonly index: number; readonly type: 'del'; readonly removed: number }
  /** The entry's data is no command this version knows: skipped, on every replica alike. */
  | { readonly index: number; readonly type: 'invalid'; readonly error: string };

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
    // A config entry changes the group, not the table: the core applies it (issue 12).
    if (entry.type === 'noop' || entry.type === 'config') return { index, type: 'noop' };

    let command: Command;
    try {
      command = decodeCommand(entry.data);
    } catch (error) {
      if (!(error instanceof CommandDecodeError)) throw error;
      this.skipped++;
      return { index, type: 'invalid', error: error.message };
    }

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
