// The log entries that change which keys a group serves (issue 13, docs/resharding.md). They sit in
// the same log as SET and DEL, so every replica of a group changes its ownership at the same index
// as every other, between the same two writes. Opcodes are new letters beside command.ts's 'S' and
// 'D', never reused:
//
//   FREEZE: 'F' | JSON RingConfig (the NEXT ring): writes to keys that leave this group are refused
//   ADOPT:  'R' | JSON RingConfig: this group now serves by this ring; keys it no longer owns are dropped
//   IMPORT: 'I' | ring version (u32) | count (u32) | count × (key length u32 | key | value length u32 | value)
//           copied keys for the ring `version`; ignored once the group has adopted that version
import type { NodeId } from '../../shared/raft/types';
import { tokensPerGroupProblem } from '../../shared/ring-tokens';
import { CommandDecodeError } from './command';

/** One group of a ring configuration and the nodes that run it. */
export interface RingGroup {
  readonly id: number;
  readonly members: readonly NodeId[];
}

/** A ring of record: which groups the keys spread over, numbered by version (bootstrap = 1). */
export interface RingConfig {
  readonly version: number;
  readonly groups: readonly RingGroup[];
  /** Tokens per group (`--ring-tokens`); absent means DEFAULT_TOKENS_PER_GROUP. Kept by every later ring. */
  readonly tokensPerGroup?: number;
}

export type RingCommand =
  | { readonly type: 'freeze'; readonly next: RingConfig }
  | { readonly type: 'adopt'; readonly ring: RingConfig }
  | {
      readonly type: 'import';
      readonly version: number;
      readonly pairs: readonly (readonly [Uint8Array, Uint8Array])[];
    };

const OP_FREEZE = 0x46; // 'F'
const OP_ADOPT = 0x52; // 'R'
const OP_IMPORT = 0x49; // 'I'
/** A ring config entry is small (a few groups); anything larger is not one of ours. */
const MAX_CONFIG_BYTES = 64 * 1024;
const MAX_GROUPS = 1024;

export function isRingCommand(data: Uint8Array): boolean {
  const op = data[0];
  return op === OP_FREEZE || op === OP_ADOPT || op === OP_IMPORT;
}

export function encodeRingCommand(command: RingCommand): Uint8Array {
  if (command.type === 'freeze' || command.type === 'adopt') {
    const config = command.type === 'freeze' ? command.next : command.ring;
    const json = Buffer.from(JSON.stringify(config), 'utf8');
    const out = Buffer.allocUnsafe(1 + json.length);
    out[0] = command.type === 'freeze' ? OP_FREEZE : OP_ADOPT;
    out.set(json, 1);
    return out;
  }
  let size = 1 + 4 + 4;
  for (const [key, value] of command.pairs) size += 8 + key.length + value.length;
  const out = Buffer.allocUnsafe(size);
  out[0] = OP_IMPORT;
  out.writeUInt32BE(command.version, 1);
  out.writeUInt32BE(command.pairs.length, 5);
  let offset = 9;
  for (const [key, value] of command.pairs) {
    out.writeUInt32BE(key.length, offset);
    out.set(key, offset + 4);
    offset += 4 + key.length;
    out.writeUInt32BE(value.length, offset);
    out.set(value, offset + 4);
    offset += 4 + value.length;
  }
  return out;
}

/** Reads a ring command; keys and values are views into `data`. Throws CommandDecodeError on garbage. */
export function decodeRingCommand(data: Uint8Array): RingCommand {
  const op = data[0];
  if (op === OP_FREEZE || op === OP_ADOPT) {
    if (data.length > MAX_CONFIG_BYTES) throw new CommandDecodeError(`ring config of ${data.length} bytes`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(data.buffer, data.byteOffset + 1, data.byteLength - 1).toString('utf8'));
    } catch {
      throw new CommandDecodeError('ring config is not JSON');
    }
    const config = checkRingConfig(parsed);
    return op === OP_FREEZE ? { type: 'freeze', next: config } : { type: 'adopt', ring: config };
  }
  if (op === OP_IMPORT) {
    const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (view.length < 9) throw new CommandDecodeError('import is cut off');
    const version = view.readUInt32BE(1);
    const count = view.readUInt32BE(5);
    if (count > (view.length - 9) / 8)
      throw new CommandDecodeError(`import claims ${count} keys in ${view.length} bytes`);
    const pairs: [Uint8Array, Uint8Array][] = [];
    let offset = 9;
    for (let i = 0; i < count; i++) {
      const key = readField(view, offset, `import key ${i}`);
      offset += 4 + key.length;
      const value = readField(view, offset, `import value ${i}`);
      offset += 4 + value.length;
      pairs.push([key, value]);
    }
    if (offset !== view.length) throw new CommandDecodeError('bytes after the last imported key');
    return { type: 'import', version, pairs };
  }
  throw new CommandDecodeError(`not a ring command (opcode ${op})`);
}

function readField(view: Buffer, offset: number, what: string): Uint8Array {
  if (offset + 4 > view.length) throw new CommandDecodeError(`${what} length is cut off`);
  const length = view.readUInt32BE(offset);
  if (length > view.length - offset - 4) throw new CommandDecodeError(`${what} runs past the end`);
  return view.subarray(offset + 4, offset + 4 + length);
}

/** Checks the shape of a ring config from the log or from a request; throws CommandDecodeError. */
export function checkRingConfig(value: unknown): RingConfig {
  const bad = (why: string): never => {
    throw new CommandDecodeError(`bad ring config: ${why}`);
  };
  if (typeof value !== 'object' || value === null) return bad('not an object');
  const { version, groups, tokensPerGroup } = value as {
    version?: unknown;
    groups?: unknown;
    tokensPerGroup?: unknown;
  };
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0 || version > 0xffffffff)
    return bad('version');
  if (!Array.isArray(groups) || groups.length > MAX_GROUPS) return bad('groups');
  const seen = new Set<number>();
  const out: RingGroup[] = [];
  for (const group of groups as unknown[]) {
    if (typeof group !== 'object' || group === null) return bad('group');
    const { id, members } = group as { id?: unknown; members?: unknown };
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffff || seen.has(id))
      return bad('group id');
    if (!Array.isArray(members) || members.length === 0 || members.some((m) => typeof m !== 'string'))
      return bad(`members of group ${id}`);
    seen.add(id);
    out.push({ id, members: members as NodeId[] });
  }
  if (tokensPerGroup === undefined) return { version, groups: out };
  if (typeof tokensPerGroup !== 'number' || tokensPerGroupProblem(tokensPerGroup) !== undefined)
    return bad('tokensPerGroup');
  return { version, groups: out, tokensPerGroup };
}

/** The log view's text for a ring command (`FREEZE v2`, `ADOPT v2 [0,1,2]`, `IMPORT v2 256 keys`), else null. */
export function describeRingEntry(data: Uint8Array): string | null {
  if (!isRingCommand(data)) return null;
  try {
    const command = decodeRingCommand(data);
    if (command.type === 'import') return `IMPORT v${command.version} ${command.pairs.length} keys`;
    const config = command.type === 'freeze' ? command.next : command.ring;
    return `${command.type.toUpperCase()} v${config.version} [${config.groups.map((g) => g.id).join(',')}]`;
  } catch {
    return null;
  }
}
