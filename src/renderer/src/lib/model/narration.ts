// One readable sentence per interesting event, for the event feed. Message traffic (send,
// deliver, drop) is drawn as flights instead, and followers' commits and applies would drown the
// leader's, so those return null.
import type { ClusterEvent, NodeId } from '../../../../shared/api';
import type { NameOf } from './node-names';

export interface NarrationContext {
  readonly name: NameOf;
  /** Whether the node currently leads its group; only leaders' appends and commits are told. */
  readonly isLeader: (id: NodeId) => boolean;
}

function entries(count: number): string {
  return count === 1 ? '1 entry' : `${count} entries`;
}

export function narrate(event: ClusterEvent, context: NarrationContext): string | null {
  const { name } = context;
  switch (event.type) {
    case 'role':
      switch (event.role) {
        case 'leader':
          return `${name(event.node)} became leader for term ${event.term}`;
        case 'candidate':
          return `${name(event.node)} timed out and started an election for term ${event.term}`;
        case 'precandidate':
          return `${name(event.node)} timed out and asked for pre-votes for term ${event.term}`;
        case 'follower':
          return `${name(event.node)} is a follower in term ${event.term}`;
      }
      return null;
    case 'term':
      return null;
    case 'vote':
      return event.votedFor === event.node
        ? `${name(event.node)} voted for itself in term ${event.term}`
        : `${name(event.node)} voted for ${name(event.votedFor)} in term ${event.term}`;
    case 'append':
      return context.isLeader(event.node)
        ? `${name(event.node)} appended ${entries(event.count)} up to index ${event.index} in term ${event.term}`
        : null;
    case 'commit':
      return context.isLeader(event.node) ? `${name(event.node)} committed index ${event.index}` : null;
    case 'apply':
    case 'send':
    case 'deliver':
    case 'drop':
      return null;
    case 'request':
      return `Client sent ${event.op} ${event.key} to ${name(event.via)}`;
    case 'reply': {
      const server = event.servedBy ? `${name(event.servedBy)} (group ${event.group})` : `group ${event.group}`;
      return event.ok
        ? `${server} answered via ${name(event.via)} in ${Math.round(event.ms)} ms`
        : `Request via ${name(event.via)} failed after ${Math.round(event.ms)} ms`;
    }
    case 'fault':
      return narrateFault(event, name);
    case 'migrate':
      if (event.phase === 'start')
        return `Group ${event.from} starts handing ${event.keysTotal} keys to group ${event.to}`;
      if (event.phase === 'done') return `Group ${event.from} handed ${event.keysMoved} keys to group ${event.to}`;
      return null;
  }
}

function narrateFault(event: Extract<ClusterEvent, { type: 'fault' }>, name: NameOf): string {
  const detail = event.detail ? `: ${event.detail}` : '';
  const pair = event.a && event.b ? `${event.a} – ${event.b}` : '';
  switch (event.action) {
    case 'kill':
      return `Killed ${event.node ?? 'a node'}`;
    case 'restart':
      return `Restarted ${event.node ?? 'a node'}`;
    case 'cut':
      return pair ? `Cut link ${pair}${detail}` : `Cut a link${detail}`;
    case 'heal':
      return pair ? `Healed link ${pair}` : 'Healed every link';
    case 'partition':
      return `Partitioned the network${detail}`;
    case 'network':
      return `Network settings changed${detail}`;
    case 'clock':
      return `Clock changed${detail}`;
    case 'config':
      return `Restarted the cluster on a new configuration${detail}`;
    case 'group':
      return `The ring changed, keys kept${detail}`;
    case 'transfer':
      return event.node ? `Asked ${name(event.node)} to step down${detail}` : `Leadership transfer${detail}`;
    case 'timeout':
      return event.node ? `Forced ${name(event.node)}'s election timer to fire` : `Forced an election timeout${detail}`;
    case 'options':
      return `Raft options changed${detail}`;
  }
}
