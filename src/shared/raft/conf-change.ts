// The bytes of a 'config' entry: one single-server membership change (thesis §4.1). A config entry
// travels in the log like any command, so it is written to disk and sent to peers as opaque data;
// this file is the only place that knows its layout.
//
// Layout: [u8 version = 1][u8 change type][node id as UTF-8, the rest of the bytes]. Tiny, fixed,
// and decodable without a length field. Pure (no node: imports): TextEncoder/TextDecoder are
// standard in every runtime the core runs in.
import type { ConfChange, NodeId } from './types';

const VERSION = 1;
/** Stable on disk and on the wire: never renumber, only append. */
const TYPE_CODES = { addLearner: 1, promote: 2, remove: 3 } as const satisfies Record<ConfChange['type'], number>;
const TYPES_BY_CODE: readonly (ConfChange['type'] | undefined)[] = [undefined, 'addLearner', 'promote', 'remove'];
/** A node id is an `ip:port` address; anything longer is not one. */
export const MAX_NODE_ID_LENGTH = 1024;

/** Thrown for bytes that are no ConfChange this version knows. */
export class ConfChangeDecodeError extends RangeError {
  override readonly name = 'ConfChangeDecodeError';
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** Why `node` cannot be named in a change, or null. */
export function nodeIdProblem(node: unknown): string | null {
  if (typeof node !== 'string') return 'a node id must be a string';
  if (node.length === 0) return 'a node id must not be empty';
  if (node.length > MAX_NODE_ID_LENGTH) return `a node id must be at most ${MAX_NODE_ID_LENGTH} characters`;
  for (let i = 0; i < node.length; i++) {
    const code = node.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return 'a node id must not contain control characters';
  }
  return null;
}

export function encodeConfChange(change: ConfChange): Uint8Array {
  const code = TYPE_CODES[change.type];
  if (code === undefined) throw new ConfChangeDecodeError(`conf change: unknown type ${String(change.type)}`);
  const problem = nodeIdProblem(change.node);
  if (problem !== null) throw new ConfChangeDecodeError(`conf change: ${problem}`);
  const id = encoder.encode(change.node);
  const out = new Uint8Array(2 + id.length);
  out[0] = VERSION;
  out[1] = code;
  out.set(id, 2);
  return out;
}

/** Decodes a config entry's data. Throws ConfChangeDecodeError, naming what is wrong, for garbage. */
export function decodeConfChange(data: Uint8Array): ConfChange {
  if (!(data instanceof Uint8Array)) throw new ConfChangeDecodeError('conf change: data must be bytes');
  if (data.length < 3) throw new ConfChangeDecodeError(`conf change: ${data.length} bytes is too short`);
  if (data[0] !== VERSION) throw new ConfChangeDecodeError(`conf change: unknown version ${data[0]}`);
  const type = TYPES_BY_CODE[data[1]!];
  if (type === undefined) throw new ConfChangeDecodeError(`conf change: unknown change type ${data[1]}`);
  let node: NodeId;
  try {
    node = strictDecoder.decode(data.subarray(2));
  } catch {
    throw new ConfChangeDecodeError('conf change: the node id is not valid UTF-8');
  }
  const problem = nodeIdProblem(node);
  if (problem !== null) throw new ConfChangeDecodeError(`conf change: ${problem}`);
  return { type, node };
}
