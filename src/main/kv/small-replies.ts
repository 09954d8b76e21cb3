// Replies whose size a client chooses, kept as small as Redis keeps them: an unknown command's name
// is echoed only in part, and INFO answers only the sections it has.
import { argText } from '../net/command-args';
import { errorReply } from '../net/resp-writer';
import type { RespReply } from '../net/types';

/** Redis echoes at most this much of an unknown command's name (`'%.128s'`). */
export const MAX_ECHOED_NAME_BYTES = 128;

/** `-ERR unknown command 'X'`, X cut to its first 128 bytes: a 1 MB name is not sent back whole. */
export function unknownCommandReply(name: Uint8Array | undefined): RespReply {
  const shown = (name ?? new Uint8Array()).subarray(0, MAX_ECHOED_NAME_BYTES);
  return errorReply(`ERR unknown command '${argText(shown)}'`);
}

/** The one section this node has, and Redis's names for "every section". */
const SECTIONS_WITH_RAFT: ReadonlySet<string> = new Set(['raft', 'default', 'all', 'everything']);

/**
 * `INFO [section ...]`: the Raft fields when no section is named or one of them is `raft` (or
 * default, all, everything); an empty bulk string when every section named is unknown, as Redis
 * answers `INFO bogus`.
 */
export function infoReply(sections: readonly Uint8Array[], infoText: () => string): RespReply {
  const wanted = sections.length === 0 || sections.some((name) => SECTIONS_WITH_RAFT.has(argText(name).toLowerCase()));
  return { type: 'bulk', value: wanted ? Buffer.from(infoText(), 'utf8') : new Uint8Array(0) };
}
