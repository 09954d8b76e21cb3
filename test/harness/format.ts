// One compact line per message and per event, so that a failing seed's trace reads like a story:
//   t=12 n2 precandidate term 1
//   t=14 n2->n3 App t2 prev=3/1 [4..5] commit=3
import { decodeConfChange } from '../../src/shared/raft/conf-change';
import type { Entry, Message } from '../../src/shared/raft/types';
import type { HistoryEvent } from './history';
import { decodeText } from './kv';

function span(entries: readonly Entry[]): string {
  if (entries.length === 0) return '[]';
  const first = entries[0]!;
  const last = entries[entries.length - 1]!;
  return first === last
    ? `[${first.index}@${first.term}]`
    : `[${first.index}@${first.term}..${last.index}@${last.term}]`;
}

export function formatMessage(message: Message): string {
  const head = `${message.from}->${message.to} ${message.type} t${message.term}`;
  switch (message.type) {
    case 'PreVote':
    case 'Vote':
      return `${head} last=${message.lastLogIndex}/${message.lastLogTerm}${message.transfer ? ' transfer' : ''}`;
    case 'PreVoteResp':
    case 'VoteResp':
      return `${head} ${message.reject ? 'rejected' : 'granted'}`;
    case 'App':
      return `${head} prev=${message.prevLogIndex}/${message.prevLogTerm} ${span(message.entries)} commit=${message.commit}`;
    case 'AppResp':
      return message.reject
        ? `${head} reject index=${message.index} hint=${message.conflictIndex}/${message.conflictTerm}`
        : `${head} ok index=${message.index}`;
    case 'Heartbeat':
      return `${head} commit=${message.commit} ctx=${message.context}`;
    case 'HeartbeatResp':
      return `${head} ctx=${message.context}`;
    case 'TimeoutNow':
      return head;
    case 'ReadIndex':
      return `${head} ctx=${message.context}`;
    case 'ReadIndexResp':
      return `${head} ctx=${message.context} ${message.reject ? 'rejected' : `index=${message.index}`}`;
    case 'Snap': {
      const { index, term, membership } = message.snapshot;
      const learners = membership.learners.length > 0 ? ` learners=${membership.learners.join(',')}` : '';
      return `${head} snapshot=${index}/${term} voters=${membership.voters.join(',')}${learners}`;
    }
  }
}

function describeEntry(entry: Entry): string {
  if (entry.type === 'noop') return `${entry.index}@${entry.term} noop`;
  if (entry.type === 'config') return `${entry.index}@${entry.term} config ${describeConfChange(entry.data)}`;
  return `${entry.index}@${entry.term} "${decodeText(entry.data)}"`;
}

function describeConfChange(data: Uint8Array): string {
  try {
    const change = decodeConfChange(data);
    return `${change.type} ${change.node}`;
  } catch (error) {
    return `(garbage: ${(error as Error).message})`;
  }
}

/** The event without its tick. */
export function describeEvent(event: HistoryEvent): string {
  switch (event.kind) {
    case 'deliver':
      return `deliver ${formatMessage(event.message)}`;
    case 'drop':
      return `drop(${event.reason}) ${formatMessage(event.message)}`;
    case 'duplicate':
      return `duplicate ${formatMessage(event.message)}`;
    case 'role':
      return `${event.node} ${event.role} term ${event.term}`;
    case 'persist': {
      const hard = event.hardState;
      const parts = [
        hard === null ? '' : `hard={term ${hard.term} vote '${hard.vote}' commit ${hard.commit}}`,
        event.entries.length === 0 ? '' : `entries ${span(event.entries)}`,
      ];
      return `${event.node} persist ${parts.filter(Boolean).join(' ')}`;
    }
    case 'memory':
      return event.entries.length === 0 && !Number.isFinite(event.from)
        ? `${event.node} memory = disk`
        : `${event.node} memory departs from disk at ${event.from}: unsaved ${span(event.entries)}`;
    case 'apply':
      return `${event.node} apply ${describeEntry(event.entry)}`;
    case 'snapshot':
      return `${event.node} snapshot ${event.phase} at ${event.index}@${event.term}`;
    case 'crash':
      return `${event.node} CRASH${event.torn ? ' (before its Ready was persisted)' : ''}`;
    case 'restart':
      return `${event.node} RESTART from disk`;
    case 'propose':
      return `${event.node} propose ${event.index}@${event.term} ${event.commands.map((c) => `"${c}"`).join(' ')}`;
    case 'write-ack':
      return `${event.node} ack write ${event.key}=${event.value} at ${event.index}`;
    case 'read-start':
      return `${event.node} read#${event.readId} ${event.key} starts`;
    case 'read-done':
      return `${event.node} read#${event.readId} ${event.key} = ${event.value ?? 'nil'} (written at ${event.index})`;
    case 'read-failed':
      return `${event.node} read#${event.readId} failed`;
    case 'fault':
      return `FAULT ${event.fault} ${event.detail}`;
  }
}

export function formatEvent(event: HistoryEvent): string {
  return `t=${event.tick} ${describeEvent(event)}`;
}
