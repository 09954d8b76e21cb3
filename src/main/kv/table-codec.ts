// The state machine's snapshot body: the key-value table as a flat run of records,
//
//   prefix "RLKV" | version u8, then per key: keyLength u32 | key | valueLength u32 | value
//
// Version 2 puts the group's ring state (resharding, ring-state.ts) between the prefix and the
// records: ringLength u32 | ring state as UTF-8 JSON. Version 1 bodies (no ring) still load.
//
// Keys and values are the table's own latin1 strings (one char per byte) or bytes, written as bytes.
// The snapshot file (storage/snapshot-file.ts) wraps it with the meta and a CRC; this layer only has
// to be able to stop anywhere (slices) and to refuse a body that does not parse.

/** A body that is not a table: a bug or a foreign file, never a torn write (the file's CRC caught those). */
export class TableBodyError extends Error {
  override readonly name = 'TableBodyError';
}

const MAGIC = Buffer.from('RLKV', 'latin1');
const VERSION = 1;
const VERSION_WITH_RING = 2;
/** A ring state is a few groups' member lists: far below this. */
const MAX_RING_BYTES = 1024 * 1024;
export const TABLE_BODY_PREFIX: Uint8Array = Buffer.concat([MAGIC, Buffer.from([VERSION])]);

/** The body's prefix: version 1 without a ring state, version 2 carrying `ring` (serialised RingState). */
export function tableBodyPrefix(ring: string | null): Uint8Array {
  if (ring === null) return TABLE_BODY_PREFIX;
  const json = Buffer.from(ring, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length, 0);
  return Buffer.concat([MAGIC, Buffer.from([VERSION_WITH_RING]), length, json]);
}

/** A decoded body: the table, and the ring state a version 2 body carried (else null). */
export interface DecodedTableBody {
  readonly table: Map<string, Stored>;
  readonly ring: string | null;
}

type Stored = string | Uint8Array;

/**
 * Encodes the next entries of `entries` until about `maxBytes` are encoded; null once the
 * iterator is exhausted and nothing is left. Never drops an entry it took from the iterator.
 */
export function encodeTableSlice(entries: Iterator<[string, Stored]>, maxBytes: number): Buffer | null {
  const names: string[] = [];
  const values: Stored[] = [];
  let bytes = 0;
  while (bytes < maxBytes) {
    const next = entries.next();
    if (next.done) break;
    const [name, value] = next.value;
    names.push(name);
    values.push(value);
    bytes += 8 + name.length + value.length;
  }
  if (names.length === 0) return null;
  const buffer = Buffer.allocUnsafe(bytes);
  let p = 0;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const value = values[i]!;
    buffer.writeUInt32LE(name.length, p);
    p += 4;
    p += buffer.write(name, p, 'latin1');
    buffer.writeUInt32LE(value.length, p);
    p += 4;
    if (typeof value === 'string') p += buffer.write(value, p, 'latin1');
    else {
      buffer.set(value, p);
      p += value.length;
    }
  }
  return buffer;
}

/**
 * Reads a whole body into a new table. Values from `byReferenceMinBytes` on stay bytes, smaller
 * ones become latin1 strings, as the state machine keeps them. Throws TableBodyError on anything
 * that does not parse, and whatever the chunks' iteration throws (a CRC mismatch at the end).
 */
export async function decodeTableBody(
  chunks: AsyncIterable<Uint8Array>,
  byReferenceMinBytes: number,
): Promise<DecodedTableBody> {
  const table = new Map<string, Stored>();
  let carry: Buffer = Buffer.alloc(0);
  let prefixSeen = false;
  let ring: string | null = null;
  for await (const chunk of chunks) {
    let buffer =
      carry.length === 0
        ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
        : Buffer.concat([carry, chunk]);
    let p = 0;
    if (!prefixSeen) {
      if (buffer.length < TABLE_BODY_PREFIX.length) {
        carry = Buffer.from(buffer);
        continue;
      }
      if (!buffer.subarray(0, MAGIC.length).equals(MAGIC))
        throw new TableBodyError('not a key-value table (bad magic)');
      const version = buffer[MAGIC.length];
      if (version !== VERSION && version !== VERSION_WITH_RING)
        throw new TableBodyError(`unsupported table version ${version}`);
      p = TABLE_BODY_PREFIX.length;
      if (version === VERSION_WITH_RING) {
        if (buffer.length < p + 4) {
          carry = Buffer.from(buffer);
          continue;
        }
        const ringLength = buffer.readUInt32LE(p);
        if (ringLength > MAX_RING_BYTES) throw new TableBodyError(`ring state of ${ringLength} bytes is too large`);
        if (buffer.length < p + 4 + ringLength) {
          carry = Buffer.from(buffer);
          continue;
        }
        ring = buffer.toString('utf8', p + 4, p + 4 + ringLength);
        p += 4 + ringLength;
      }
      prefixSeen = true;
    }
    for (;;) {
      if (buffer.length - p < 4) break;
      const keyLength = buffer.readUInt32LE(p);
      if (buffer.length - p < 8 + keyLength) break;
      const valueLength = buffer.readUInt32LE(p + 4 + keyLength);
      const end = p + 8 + keyLength + valueLength;
      if (end > buffer.length) break;
      const name = buffer.toString('latin1', p + 4, p + 4 + keyLength);
      const valueStart = p + 8 + keyLength;
      const value: Stored =
        valueLength >= byReferenceMinBytes
          ? Buffer.from(buffer.subarray(valueStart, end))
          : buffer.toString('latin1', valueStart, end);
      if (table.has(name)) throw new TableBodyError(`key listed twice at record ${table.size + 1}`);
      table.set(name, value);
      p = end;
    }
    // The rest is the start of a record that continues in the next chunk: kept, copied once.
    carry = p === buffer.length ? Buffer.alloc(0) : Buffer.from(buffer.subarray(p));
    buffer = carry;
  }
  if (!prefixSeen) throw new TableBodyError('empty table body');
  if (carry.length > 0) throw new TableBodyError(`${carry.length} bytes of an unfinished record at the end`);
  return { table, ring };
}
