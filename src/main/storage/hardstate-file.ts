// The `hardstate` file: term, vote and a commit index, replaced atomically (temp file, fsync, rename,
// fsync the folder) so that a reader sees the old version or the new one, never a mix. Layout:
//
//   magic "RLHS" | version u8 | term u64 | commit u64 | voteLength u16 | vote (UTF-8) | crc32 u32
//
// The CRC covers every byte before it; a mismatch means the disk changed the file after it was made
// durable, and the node refuses to start rather than forget a vote.
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import type { HardState } from '../../shared/raft/types';
import { readU64, writeU64 } from './bytes';
import { errorCode, type FileOps, fsyncFolder, writeFully } from './file-ops';
import { ioFailure } from './io-error';
import { StorageCorruptError } from './types';

export const HARDSTATE_FILE = 'hardstate';
export const HARDSTATE_TEMP_FILE = 'hardstate.tmp';

const MAGIC = 0x53484c52; // "RLHS" read little-endian
const VERSION = 1;
const FIXED_BYTES = 4 + 1 + 8 + 8 + 2 + 4;
export const MAX_VOTE_BYTES = 0xffff;

export function encodeHardState(hardState: HardState): Buffer {
  const vote = Buffer.from(hardState.vote, 'utf8');
  if (vote.length > MAX_VOTE_BYTES) throw new RangeError(`vote id of ${vote.length} bytes is too long`);
  const buffer = Buffer.alloc(FIXED_BYTES + vote.length);
  buffer.writeUInt32LE(MAGIC, 0);
  buffer[4] = VERSION;
  writeU64(buffer, 5, hardState.term);
  writeU64(buffer, 13, hardState.commit);
  buffer.writeUInt16LE(vote.length, 21);
  vote.copy(buffer, 23);
  const crcAt = 23 + vote.length;
  buffer.writeUInt32LE(crc32(buffer.subarray(0, crcAt)), crcAt);
  return buffer;
}

/** `file` names the file in the error, so that an operator knows what to look at. */
export function decodeHardState(buffer: Buffer, file: string): HardState {
  const refuse = (why: string) =>
    new StorageCorruptError(`hardstate: ${why} in ${file} (${buffer.length} bytes); refusing to start`);
  if (buffer.length < FIXED_BYTES) throw refuse('file too short');
  const voteLength = buffer.readUInt16LE(21);
  const crcAt = 23 + voteLength;
  if (buffer.length !== crcAt + 4) throw refuse(`length does not match the vote length ${voteLength}`);
  if (crc32(buffer.subarray(0, crcAt)) !== buffer.readUInt32LE(crcAt))
    throw refuse(`checksum mismatch at offset ${crcAt}`);
  if (buffer.readUInt32LE(0) !== MAGIC) throw refuse('not a hardstate file (bad magic)');
  if (buffer[4] !== VERSION) throw refuse(`unsupported version ${buffer[4]}`);
  const term = readU64(buffer, 5);
  const commit = readU64(buffer, 13);
  if (term < 0 || commit < 0) throw refuse('integer beyond 2^53');
  return { term, vote: buffer.toString('utf8', 23, crcAt), commit };
}

/** The stored hard state, or null when the file does not exist (a fresh folder). */
export async function readHardStateFile(ops: FileOps, dir: string): Promise<HardState | null> {
  const file = path.join(dir, HARDSTATE_FILE);
  let buffer: Buffer;
  try {
    buffer = await ops.readFile(file);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw ioFailure('hardstate', `reading ${file}`, error, false);
  }
  return decodeHardState(buffer, file);
}

/** A temp file left by a crash mid-replace was never renamed, so it holds nothing durable. */
export async function removeStrayTempFile(ops: FileOps, dir: string): Promise<boolean> {
  try {
    await ops.unlink(path.join(dir, HARDSTATE_TEMP_FILE));
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw ioFailure('hardstate', `removing the stray ${HARDSTATE_TEMP_FILE}`, error, false);
  }
}

/**
 * Replaces the hardstate file atomically. Costs two fsyncs and a rename; callers do it only when
 * term or vote changes. A failure before the rename leaves the old file in force; a failed fsync
 * is fatal (see StorageIoError.fatal) because the kernel may have dropped the dirty pages.
 */
export async function writeHardStateFile(ops: FileOps, dir: string, hardState: HardState): Promise<void> {
  const temp = path.join(dir, HARDSTATE_TEMP_FILE);
  const bytes = encodeHardState(hardState);
  await removeStrayTempFile(ops, dir);
  let fd: number;
  try {
    fd = await ops.openNew(temp);
  } catch (error) {
    throw ioFailure('hardstate', `creating ${HARDSTATE_TEMP_FILE}`, error, false);
  }
  let step = 'writing';
  try {
    await writeFully(ops, fd, bytes, bytes.length, 0);
    step = 'syncing';
    await ops.fsync(fd);
  } catch (error) {
    await ops.close(fd).catch(() => {});
    const cleaned = await ops.unlink(temp).then(
      () => true,
      () => false,
    );
    throw ioFailure('hardstate', `${step} ${HARDSTATE_TEMP_FILE}`, error, step === 'syncing' || !cleaned);
  }
  try {
    await ops.close(fd);
    await ops.rename(temp, path.join(dir, HARDSTATE_FILE));
  } catch (error) {
    throw ioFailure('hardstate', `renaming ${HARDSTATE_TEMP_FILE} over ${HARDSTATE_FILE}`, error, true);
  }
  try {
    await fsyncFolder(ops, dir);
  } catch (error) {
    throw ioFailure('hardstate', `syncing the folder ${dir}`, error, true);
  }
}
