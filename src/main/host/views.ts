// Turns live nodes into the plain data of CONTRACTS.md §4: the node views of `/api/state` and the
// ClusterEvents of the event stream. Pure translation; the cluster host decides when.
import type { ClusterEvent, LogEntryView, NodeView } from '../../shared/api';
import type { Entry, Message, NodeId, RaftStatus } from '../../shared/raft/types';
import { describeEntry } from '../kv/command';
import { describeRingEntry } from '../kv/ring-command';
import type { TransportEvent } from '../net/types';
import type { NodeEvent, NodeHost } from './node-host';

export function logEntryView(entry: Entry): LogEntryView {
  const ring = entry.type === 'noop' ? null : describeRingEntry(entry.data);
  return { index: entry.index, term: entry.term, command: ring ?? describeEntry(entry) };
}

export function liveNodeView(node: NodeHost, tickMs: number): NodeView {
  const status: RaftStatus = node.status();
  const progress: Record<NodeId, { match: number; next: number; state: 'probe' | 'replicate' | 'snapshot' }> = {};
  for (const [id, pr] of Object.entries(status.progress)) {
    if (id !== node.nodeId) progress[id] = { match: pr.match, next: pr.next, state: pr.state };
  }
  return {
    id: node.nodeId,
    group: node.group,
    alive: true,
    role: status.role,
    term: status.term,
    votedFor: status.vote === '' ? null : status.vote,
    leader: status.leader,
    commitIndex: status.commit,
    appliedIndex: node.stateMachine().appliedIndex,
    lastLogIndex: status.lastIndex,
    snapshotIndex: status.snapshotIndex,
    firstLogIndex: status.firstIndex,
    ...snapshotTermOf(node),
    log: node.logTail().map(logEntryView),
    electionElapsedMs: status.electionElapsedTicks * tickMs,
    electionTimeoutMs: status.electionTimeoutTicks * tickMs,
    progress,
    learner: status.membership.learners.includes(node.nodeId),
  };
}

function snapshotTermOf(node: NodeHost): { snapshotTerm?: number } {
  const term = node.snapshotTerm();
  return term === undefined ? {} : { snapshotTerm: term };
}

/**
 * A dead node keeps its place in the picture, with the reason when it stopped itself. Its memory is gone, but its data folder is not: it
 * shows what it last held (its term, vote and log, as its disk has them), never as a live role.
 */
export function deadNodeView(id: NodeId, group: number, last: NodeView | undefined, failure?: string): NodeView {
  return {
    id,
    group,
    alive: false,
    role: 'follower',
    term: last?.term ?? 0,
    votedFor: last?.votedFor ?? null,
    leader: null,
    commitIndex: last?.commitIndex ?? 0,
    appliedIndex: last?.appliedIndex ?? 0,
    lastLogIndex: last?.lastLogIndex ?? 0,
    snapshotIndex: last?.snapshotIndex ?? 0,
    firstLogIndex: last?.firstLogIndex ?? 1,
    log: last?.log ?? [],
    electionElapsedMs: 0,
    electionTimeoutMs: 0,
    progress: {},
    learner: last?.learner ?? false,
    ...(failure === undefined ? {} : { failure }),
  };
}

/** A live node's role as a view's opening batch tells it (see `ClusterBridge.openingEvents`). */
export function initialRoleEvent(node: NodeHost, at: number): ClusterEvent {
  const status: RaftStatus = node.status();
  return {
    type: 'role',
    at,
    node: node.nodeId,
    role: status.role,
    term: status.term,
    leader: status.leader,
    initial: true,
  };
}

export function clusterEventOf(node: NodeId, event: NodeEvent, at: number): ClusterEvent {
  switch (event.type) {
    case 'role':
      return { type: 'role', at, node, role: event.role, term: event.term };
    case 'term':
      return { type: 'term', at, node, term: event.term };
    case 'vote':
      return { type: 'vote', at, node, term: event.term, votedFor: event.votedFor };
    case 'append':
      return {
        type: 'append',
        at,
        node,
        index: event.index,
        term: event.term,
        count: event.count,
        ...(event.runs ? { runs: event.runs } : {}),
      };
    case 'commit':
      return { type: 'commit', at, node, index: event.index };
    case 'apply':
      return { type: 'apply', at, node, index: event.index };
    case 'snapshot':
      return { type: 'snapshot', at, node, phase: event.phase, index: event.index, bytes: event.bytes };
    case 'transport':
      return messageEventOf(event.event, at);
    case 'membership':
      return { type: 'membership', at, phase: event.phase, group: event.group, change: event.change };
  }
}

function messageEventOf(event: TransportEvent, at: number): ClusterEvent {
  const message = event.message;
  return {
    type: event.type,
    at,
    id: event.meta.id,
    kind: message.type,
    from: message.from,
    to: message.to,
    term: message.term,
    size: event.meta.size,
    ...messageDetail(message),
    ...(event.type === 'drop' ? { reason: event.reason } : {}),
  };
}

type MessageDetail = Partial<
  Pick<
    Extract<ClusterEvent, { kind: Message['type'] }>,
    'entries' | 'reject' | 'index' | 'logTerm' | 'hint' | 'transfer'
  >
>;

/** The few fields of a message that narration needs to say why (log repair, transfers, reads). */
function messageDetail(message: Message): MessageDetail {
  switch (message.type) {
    case 'App':
      return { entries: message.entries.length, index: message.prevLogIndex, logTerm: message.prevLogTerm };
    case 'AppResp':
      return message.reject
        ? { reject: true, index: message.index, logTerm: message.conflictTerm, hint: message.conflictIndex }
        : { reject: false, index: message.index };
    case 'Vote':
    case 'PreVote':
      return message.transfer ? { transfer: true } : {};
    case 'ReadIndexResp':
      return { reject: message.reject, index: message.index };
    case 'VoteResp':
    case 'PreVoteResp':
      return { reject: message.reject };
    default:
      return {};
  }
}
