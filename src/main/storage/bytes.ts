// Little-endian 64-bit integers without BigInt: Raft indices and terms are JS numbers, exact up to
// 2^53, so the high word is checked on the way back in rather than trusted.

const TWO_POW_32 = 2 ** 32;

export function writeU64(buffer: Buffer, offset: number, value: number): void {
  buffer.writeUInt32LE(value % TWO_POW_32, offset);
  buffer.writeUInt32LE(Math.floor(value / TWO_POW_32), offset + 4);
}

/** Returns -1 when the stored value is not a safe integer, so a caller can call the record malformed. */
export function readU64(buffer: Buffer, offset: number): number {
  const low = buffer.readUInt32LE(offset);
  const high = buffer.readUInt32LE(offset + 4);
  if (high >= 2 ** 21) return -1;
  return high * TWO_POW_32 + low;
}
