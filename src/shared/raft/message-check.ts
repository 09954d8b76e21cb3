// Everything a peer message must satisfy before the core lets it touch any state. A message that
// fails is refused whole: no term adopted, no leader noted, no entry appended. The core calls this
// first thing in step(), so the simulator, the harness and every host get the same check.
//
// The checks need only the message and who receives it (its id and its group), never the log:
// whether a well-formed App fits the log is Raft's own business (a rejection, not a refusal).
import { ConfChangeDecodeError, decodeConfChange, nodeIdProblem } from './conf-change';
import type { Entry, Membership, Message, NodeId } from './types';
import { MESSAGE_TYPES } from './types';

/**
 * No term above this is accepted or produced. It leaves room below 2^53 (the largest integer a
 * number holds exactly, and what the wire's varints carry) for term + 1, and a cluster electing a
 * leader every millisecond takes nearly 9,000 years to reach it. A message claiming more is forged
 * or corrupt; accepting it would leave the group in a term it cannot campaign out of.
 */
export const TERM_CEILING = 2 ** 48;
/** The same bound for log indexes and commit indexes. */
export const INDEX_CEILING = 2 ** 48;

export interface MessageReceiver {
  readonly id: NodeId;
  /** Every member (voters and learners) of the receiver's group as far as it knows. */
  readonly peers: readonly NodeId[];
}

/** Why `message` must be refused, or null when the core may step it. */
export function messageProblem(message: Message, receiver: MessageReceiver): string | null {
  if (typeof message !== 'object' || message === null) return 'a message must be an object';
  const type: unknown = message.type;
  if (!MESSAGE_TYPES.includes(type as Message['type'])) return `unknown message type ${String(type)}`;
  if (message.to !== receiver.id) return `${message.type} for ${String(message.to)} delivered to ${receiver.id}`;
  // A known member's id was checked when it joined; only a stranger's is looked at here (per message).
  if (message.from !== receiver.id && !receiver.peers.includes(message.from)) {
    const fromProblem = nodeIdProblem(message.from);
    if (fromProblem !== null) return `${message.type} from a bad sender id: ${fromProblem}`;
    // A leader's traffic is taken from any sender: a follower whose membership lags the group's may
    // be led by a node added after what it knows. Anything else must come from a known member,
    // which also keeps a removed node's vote requests away.
    const leaderTraffic = message.type === 'App' || message.type === 'Heartbeat' || message.type === 'Snap';
    if (!leaderTraffic) return `${message.type} from ${String(message.from)}, who is not a member of this group`;
  }
  const prefix = `${message.type} from ${message.from}`;
  const term = message.term;
  if (!isCount(term)) return `${prefix} has a bad term ${String(term)}`;
  if (term > TERM_CEILING) return `${prefix} has term ${term}, above the ceiling ${TERM_CEILING}`;
  const problem = bodyProblem(message);
  return problem === null ? null : `${prefix} (term ${term}): ${problem}`;
}

function bodyProblem(message: Message): string | null {
  switch (message.type) {
    case 'PreVote':
    case 'Vote':
      return (
        indexProblem(message.lastLogIndex, 'lastLogIndex') ??
        termProblem(message.lastLogTerm, 'lastLogTerm', message.term) ??
        (message.lastLogIndex === 0 && message.lastLogTerm !== 0
          ? `lastLogTerm ${message.lastLogTerm} for an empty log`
          : null) ??
        flagProblem(message.transfer, 'transfer')
      );
    case 'PreVoteResp':
    case 'VoteResp':
      return flagProblem(message.reject, 'reject');
    case 'App':
      return (
        indexProblem(message.prevLogIndex, 'prevLogIndex') ??
        termProblem(message.prevLogTerm, 'prevLogTerm', message.term) ??
        (message.prevLogIndex === 0 && message.prevLogTerm !== 0
          ? `prevLogTerm ${message.prevLogTerm} at index 0`
          : null) ??
        indexProblem(message.commit, 'commit') ??
        entriesProblem(message.entries, message.prevLogIndex, message.prevLogTerm, message.term)
      );
    case 'AppResp':
      return (
        flagProblem(message.reject, 'reject') ??
        indexProblem(message.index, 'index') ??
        termProblem(message.conflictTerm, 'conflictTerm', message.term) ??
        indexProblem(message.conflictIndex, 'conflictIndex')
      );
    case 'Heartbeat':
      return indexProblem(message.commit, 'commit') ?? contextProblem(message.context);
    case 'HeartbeatResp':
    case 'ReadIndex':
      return contextProblem(message.context);
    case 'TimeoutNow':
      return null;
    case 'ReadIndexResp':
      return (
        contextProblem(message.context) ?? indexProblem(message.index, 'index') ?? flagProblem(message.reject, 'reject')
      );
    case 'Snap':
      return snapshotProblem(message.snapshot, message.term);
  }
}

/** A group bigger than this is no group a person runs; a longer list is garbage or an attack. */
export const MAX_MEMBERS = 64;

/** An InstallSnapshot's meta: a real point of a log (index >= 1) and a membership with a voter. */
function snapshotProblem(meta: unknown, messageTerm: number): string | null {
  if (typeof meta !== 'object' || meta === null) return 'snapshot must be an object';
  const { index, term, membership } = meta as { index: unknown; term: unknown; membership: unknown };
  if (!isCount(index) || index < 1 || index > INDEX_CEILING) return `snapshot index ${String(index)} is out of range`;
  if (!isCount(term) || term < 1 || term > messageTerm) {
    return `snapshot term ${String(term)} is not in 1..${messageTerm} (the message's term)`;
  }
  const problem = membershipProblem(membership);
  return problem === null ? null : `snapshot ${problem}`;
}

/** Lists of well-formed ids, bounded, no id twice, at least one voter (a group never loses its last). */
export function membershipProblem(membership: unknown): string | null {
  if (typeof membership !== 'object' || membership === null) return 'membership must be an object';
  const { voters, learners } = membership as Partial<Membership>;
  if (!Array.isArray(voters) || !Array.isArray(learners)) return 'membership needs voters and learners lists';
  if (voters.length + learners.length > MAX_MEMBERS) return `membership lists more than ${MAX_MEMBERS} nodes`;
  if (voters.length === 0) return 'membership has no voter';
  const seen = new Set<NodeId>();
  for (const id of [...voters, ...learners]) {
    const problem = nodeIdProblem(id);
    if (problem !== null) return `membership: ${problem}`;
    if (seen.has(id)) return `membership lists ${id} twice`;
    seen.add(id);
  }
  return null;
}

/**
 * An App's entries follow prevLogIndex one by one, and their terms never fall (from prevLogTerm on)
 * nor pass the leader's own term: a log holds no entry from a term its leader has not reached.
 */
function entriesProblem(
  entries: readonly Entry[],
  prevLogIndex: number,
  prevLogTerm: number,
  messageTerm: number,
): string | null {
  if (!Array.isArray(entries)) return 'entries must be a list';
  if (prevLogIndex + entries.length > INDEX_CEILING) return `entries would pass index ${INDEX_CEILING}`;
  let previousTerm = prevLogTerm;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const expected = prevLogIndex + 1 + i;
    if (entry.index !== expected) {
      return `entry ${String(entry.index)} is not consecutive after ${prevLogIndex} (expected ${expected})`;
    }
    if (!isCount(entry.term)) return `entry ${expected} has a bad term ${String(entry.term)}`;
    if (entry.term > messageTerm) return `entry ${expected} has term ${entry.term}, above the message's term`;
    if (entry.term < previousTerm) {
      return `entry ${expected} has term ${entry.term} below the previous ${previousTerm}`;
    }
    if (entry.type !== 'normal' && entry.type !== 'noop' && entry.type !== 'config')
      return `entry ${expected} has type ${String(entry.type)}`;
    if (!(entry.data instanceof Uint8Array)) return `entry ${expected} has no data bytes`;
    if (entry.type === 'config') {
      const problem = confChangeProblemOf(entry.data);
      if (problem !== null) return `entry ${expected}: ${problem}`;
    }
    previousTerm = entry.term;
  }
  return null;
}

function confChangeProblemOf(data: Uint8Array): string | null {
  try {
    decodeConfChange(data);
    return null;
  } catch (error) {
    if (error instanceof ConfChangeDecodeError) return error.message;
    throw error;
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function indexProblem(value: number, field: string): string | null {
  return isCount(value) && value <= INDEX_CEILING ? null : `${field} ${String(value)} is out of range`;
}

/** A term a message carries besides its own: never above the sender's term. */
function termProblem(value: number, field: string, messageTerm: number): string | null {
  return isCount(value) && value <= messageTerm ? null : `${field} ${String(value)} is above the message's term`;
}

function contextProblem(value: number): string | null {
  return isCount(value) ? null : `context ${String(value)} is out of range`;
}

function flagProblem(value: boolean, field: string): string | null {
  return typeof value === 'boolean' ? null : `${field} must be true or false`;
}
