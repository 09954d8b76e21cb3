// The Raft core's public face: the factory, the vocabulary and sensible defaults.
import { Raft } from './raft';
import { BOOTSTRAP_MEMBERSHIP, type InitialState, type RaftConfig, type RaftCore } from './types';

export { ConfChangeDecodeError, decodeConfChange, encodeConfChange } from './conf-change';
export { InvariantError, RefusedMessageError } from './errors';
export { INDEX_CEILING, messageProblem, TERM_CEILING } from './message-check';
export type * from './types';
export { BOOTSTRAP_MEMBERSHIP, DEFAULT_SNAPSHOT_CATCH_UP_ENTRIES, MESSAGE_TYPES } from './types';

/** A pure Raft node. Throws a RangeError naming the problem when the config or initial state is invalid. */
export function createRaft(config: RaftConfig, initial: InitialState): RaftCore {
  return new Raft(config, initial);
}

/** Flow control: entries and bytes per App, and Apps in flight per follower (as etcd's defaults suggest). */
export const DEFAULT_FLOW_CONTROL = {
  maxEntriesPerMessage: 256,
  maxBytesPerMessage: 1024 * 1024,
  maxInflightMessages: 256,
} as const;

/** Both protections against disruptive servers are on unless a lesson switches them off. */
export const DEFAULT_PROTECTIONS = {
  preVote: true,
  checkQuorum: true,
} as const;

/** A fresh node's state: term 0, no vote, an empty log. */
export const EMPTY_INITIAL_STATE: InitialState = {
  hardState: { term: 0, vote: '', commit: 0 },
  snapshot: { index: 0, term: 0, membership: BOOTSTRAP_MEMBERSHIP },
  entries: [],
  applied: 0,
};
