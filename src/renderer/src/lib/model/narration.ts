// The narration: the event stream told as sentences that say what happened and why, in Raft's
// words. It reads the events only, never the polled snapshot: a snapshot is up to a poll old, so
// judging "is this node the leader?" from it credits an old leader with its successor's work. The
// Narrator remembers just what the sentences need (each node's role and term as the events told
// them, the votes each candidate got, the AppendEntries a follower refused), so the same stream
// always gives the same lines. What happened before the view subscribed it learns from the stream's
// opening batch (`initial` role events), the one account of roles that is in order with the rest;
// and where a reason needs history it did not see, it says less rather than guess.
import type { ClusterEvent, NodeId, Role } from '../../../../shared/api';
import type { NameOf } from './node-names';

export interface NarrationContext {
  readonly name: NameOf;
  /** The node's group and its voting members, from the configuration (never from polled roles). */
  readonly groupOf: (id: NodeId) => { readonly id: number; readonly members: readonly NodeId[] } | undefined;
  /** How far back a leader's CheckQuorum looks: an election timeout, in host ms. */
  readonly quorumWindowMs: () => number;
}

type MessageEvent = Extract<ClusterEvent, { type: 'send' | 'deliver' | 'drop' }>;
type FaultEvent = Extract<ClusterEvent, { type: 'fault' }>;

/** What the events said about one node. */
interface NodeMemory {
  role: Role | null;
  /** Since when (host ms) the events have told everything about it: its counts start there. */
  watchedSince: number | null;
  /** The term of the last role event, so a step-down in the same term is told as CheckQuorum. */
  roleTerm: number;
  term: number;
  /** The message with a higher term that made it step down, if one arrived. */
  higher: { from: NodeId; term: number; kind: string } | null;
  /** TimeoutNow received: its next campaign is a transfer. */
  timeoutNowFrom: NodeId | null;
  /** TimeoutNow sent: the transfer it started. */
  transferTo: NodeId | null;
  /** When it last heard from each peer (host ms) with nothing lost between them since: CheckQuorum's count. */
  heard: Map<NodeId, number>;
  /** The last node it heard AppendEntries or a heartbeat from: a leader. */
  leaderHeard: NodeId | null;
  /** Pre-votes granted to it in its current pre-campaign. */
  preVotes: Set<NodeId>;
  lastVote: string;
  /** The end of its log, as its appends told it. */
  logEnd: { index: number; term: number } | null;
  /** The last AppendEntries it refused: where, and what it held there. */
  refused: { index: number; term: number; from: number } | null;
}

interface Election {
  readonly group: number;
  readonly term: number;
  readonly size: number;
  /** Each candidate and who voted for it. */
  readonly candidates: Map<NodeId, Set<NodeId>>;
  decided: boolean;
}

interface PendingRequest {
  readonly op: string;
  readonly key: string;
  readonly via: NodeId;
}

function entries(count: number): string {
  return count === 1 ? '1 entry' : `${count} entries`;
}

function majority(size: number): number {
  return Math.floor(size / 2) + 1;
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

export class Narrator {
  private readonly nodes = new Map<NodeId, NodeMemory>();
  private readonly elections = new Map<number, Election>();
  /** Leader → follower: the index a refused AppendEntries was sent at, until the leader backs off. */
  private readonly backoffs = new Map<string, number>();
  /** Leader → follower: the prevLogTerm of the last AppendEntries sent, to say what did not match. */
  private readonly lastApp = new Map<string, { index: number; term: number }>();
  private readonly requests = new Map<number, PendingRequest>();
  /** The host time of the first event this narrator saw: it has watched every node since. */
  private firstAt: number | null = null;

  constructor(private readonly context: NarrationContext) {}

  /** The sentences one event adds, oldest first; usually none or one. */
  narrate(event: ClusterEvent): string[] {
    this.firstAt ??= event.at;
    switch (event.type) {
      case 'send':
      case 'deliver':
      case 'drop':
        return this.message(event);
      case 'term':
        this.memory(event.node).term = event.term;
        return [];
      case 'vote':
        return this.vote(event.node, event.term, event.votedFor);
      case 'role':
        if (event.initial) {
          this.opening(event.node, event.role, event.term, event.leader ?? null, event.at);
          return [];
        }
        return this.role(event.node, event.role, event.term, event.at);
      case 'append':
        return this.append(event.node, event.index, event.term, event.count);
      case 'commit':
        return this.memory(event.node).role === 'leader'
          ? [`${this.name(event.node)} committed index ${event.index}`]
          : [];
      case 'apply':
        return [];
      case 'request':
        this.requests.set(event.id, { op: event.op, key: event.key, via: event.via });
        return [`Client sent ${event.op} ${event.key} to ${this.name(event.via)}`];
      case 'reply':
        return this.reply(event);
      case 'fault':
        return this.fault(event);
      case 'snapshot': {
        const done = { taken: 'took', sent: 'sent', installed: 'installed' }[event.phase];
        return [`${this.name(event.node)} ${done} a snapshot through index ${event.index} (${event.bytes} bytes)`];
      }
      case 'membership':
        return [narrateMembership(event, (id) => this.name(id))];
      case 'migrate':
        if (event.phase === 'start')
          return [`Group ${event.from} starts handing ${event.keysTotal} keys to group ${event.to}`];
        if (event.phase === 'done') return [`Group ${event.from} handed ${event.keysMoved} keys to group ${event.to}`];
        return [];
    }
  }

  /**
   * The stream's opening batch: the node's role, term and leader as they are now. It says nothing
   * (nothing happened), and replaces whatever was known, which is older. What the history would
   * have told (votes, who was heard lately, a pending transfer) starts afresh from here.
   */
  private opening(node: NodeId, role: Role, term: number, leader: NodeId | null, at: number): void {
    const memory = this.memory(node);
    Object.assign(memory, {
      role,
      watchedSince: at,
      roleTerm: term,
      term,
      higher: null,
      timeoutNowFrom: null,
      transferTo: null,
      leaderHeard: leader === node ? null : leader,
      preVotes: new Set(role === 'precandidate' ? [node] : []),
      refused: null,
    } satisfies Partial<NodeMemory>);
    memory.heard.clear();
    // Votes cast before are unknown: a tally of this group's election would be a guess.
    const group = this.context.groupOf(node);
    if (group) this.elections.delete(group.id);
  }

  private name(id: NodeId): string {
    return this.context.name(id);
  }

  private memory(id: NodeId): NodeMemory {
    let memory = this.nodes.get(id);
    if (!memory) {
      memory = {
        role: null,
        watchedSince: this.firstAt,
        roleTerm: 0,
        term: 0,
        higher: null,
        timeoutNowFrom: null,
        transferTo: null,
        heard: new Map(),
        leaderHeard: null,
        preVotes: new Set(),
        lastVote: '',
        logEnd: null,
        refused: null,
      };
      this.nodes.set(id, memory);
    }
    return memory;
  }

  // ---------------------------------------------------------------------------------------------
  // Messages: drawn as flights, told only when they explain something.

  private message(event: MessageEvent): string[] {
    const pair = `${event.from}>${event.to}`;
    if (event.type === 'send') return this.sent(event, pair);
    if (event.type === 'drop') {
      // A message lost between two nodes means neither has heard from the other since (CheckQuorum).
      this.memory(event.from).heard.delete(event.to);
      this.memory(event.to).heard.delete(event.from);
      return [];
    }
    const to = this.memory(event.to);
    to.heard.set(event.from, event.at);
    // A pre-vote's term is the one it would campaign in: it changes nobody's term.
    if (event.kind !== 'PreVote' && event.kind !== 'PreVoteResp' && event.term > to.term) {
      to.higher = { from: event.from, term: event.term, kind: event.kind };
    }
    switch (event.kind) {
      case 'App':
      case 'Heartbeat':
        to.leaderHeard = event.from;
        return [];
      case 'TimeoutNow':
        to.timeoutNowFrom = event.from;
        return [];
      case 'VoteResp': {
        if (event.reject) return [];
        const election = this.elections.get(this.context.groupOf(event.to)?.id ?? -1);
        if (election && election.term === event.term) election.candidates.get(event.to)?.add(event.from);
        return [];
      }
      case 'PreVoteResp':
        if (!event.reject && to.role === 'precandidate') to.preVotes.add(event.from);
        return [];
      case 'AppResp':
        return event.reject ? this.refusedAppend(event) : [];
      case 'ReadIndexResp':
        return event.reject
          ? [
              `${this.name(event.from)} refused ${this.name(event.to)}'s ReadIndex: it could not confirm that it still leads`,
            ]
          : [];
      default:
        return [];
    }
  }

  private sent(event: MessageEvent, pair: string): string[] {
    switch (event.kind) {
      case 'TimeoutNow':
        this.memory(event.from).transferTo = event.to;
        return [
          `${this.name(event.from)} sent TimeoutNow to ${this.name(event.to)}: a leadership transfer, so ${this.name(event.to)} campaigns at once`,
        ];
      case 'AppResp':
        if (event.reject && event.index !== undefined) {
          this.memory(event.from).refused = {
            index: event.index,
            term: event.logTerm ?? 0,
            from: event.hint ?? event.index,
          };
        }
        return [];
      case 'App': {
        if (event.index === undefined) return [];
        this.lastApp.set(pair, { index: event.index, term: event.logTerm ?? 0 });
        const refusedAt = this.backoffs.get(pair);
        if (refusedAt === undefined || event.index >= refusedAt) return [];
        this.backoffs.delete(pair);
        return [
          `${this.name(event.from)} backed nextIndex for ${this.name(event.to)} off to ${event.index + 1} and resends from there`,
        ];
      }
      default:
        return [];
    }
  }

  private refusedAppend(event: MessageEvent): string[] {
    // A refusal with no conflict hint answers an AppendEntries of an older term (§5.1): the
    // follower tells a deposed leader its term, and the step-down says so. A log mismatch always
    // names where to resume (an index of 1 or more), and it comes in the term the leader sent in;
    // a reply of another term reaches a leader that has moved on and ignores it.
    if (!event.hint) return [];
    const leaderTerm = this.memory(event.to).term;
    if (leaderTerm > 0 && event.term !== leaderTerm) return [];
    const index = event.index ?? 0;
    const leaderPair = `${event.to}>${event.from}`;
    this.backoffs.set(leaderPair, index);
    const follower = this.name(event.from);
    const leader = this.name(event.to);
    const sent = this.lastApp.get(leaderPair);
    const held = event.logTerm ?? 0;
    if (held === 0) {
      return [`${follower} rejected AppendEntries at index ${index} from ${leader}: it has no entry ${index}`];
    }
    const expected = sent && sent.index === index ? `, not ${sent.term}` : '';
    return [
      `${follower} rejected AppendEntries at index ${index} from ${leader}: its entry ${index} has term ${held}${expected}`,
    ];
  }

  // ---------------------------------------------------------------------------------------------
  // Votes and roles.

  private vote(node: NodeId, term: number, votedFor: NodeId): string[] {
    const memory = this.memory(node);
    // The host repeats a vote when it saves unchanged hard state; tell each vote once.
    const key = `${term}/${votedFor}`;
    if (memory.lastVote === key) return [];
    memory.lastVote = key;
    if (votedFor !== node) return [`${this.name(node)} voted for ${this.name(votedFor)} in term ${term}`];
    // A candidate that times out again campaigns anew without a role change: only its vote tells.
    if (memory.role === 'candidate' && term > memory.roleTerm) {
      const lines = this.closeElection(node, term);
      memory.roleTerm = term;
      lines.push(`${this.name(node)} timed out again and started an election for term ${term}`);
      this.openCampaign(node, term);
      return lines;
    }
    return [];
  }

  private role(node: NodeId, role: Role, term: number, at: number): string[] {
    const memory = this.memory(node);
    const previous = memory.role;
    if (previous === role && memory.roleTerm === term) return [];
    const lines: string[] = [];
    const who = this.name(node);
    switch (role) {
      case 'leader': {
        const election = this.elections.get(this.context.groupOf(node)?.id ?? -1);
        const votes = election && election.term === term ? election.candidates.get(node)?.size : undefined;
        if (election && election.term === term) election.decided = true;
        const tally = votes === undefined ? '' : ` with ${votes} of ${election?.size} votes`;
        lines.push(`${who} became leader for term ${term}${tally}`);
        break;
      }
      case 'candidate':
        lines.push(...this.closeElection(node, term));
        lines.push(
          memory.timeoutNowFrom
            ? `${who} received TimeoutNow from ${this.name(memory.timeoutNowFrom)} and started an election for term ${term} (a leadership transfer)`
            : `${who} timed out and started an election for term ${term}`,
        );
        this.openCampaign(node, term);
        break;
      case 'precandidate':
        lines.push(...this.closeElection(node, term + 1));
        memory.preVotes = new Set([node]);
        lines.push(`${who} timed out and asked for pre-votes for term ${term + 1}`);
        break;
      case 'follower':
        if (previous !== null) lines.push(...this.becameFollower(node, memory, previous, term, at));
        break;
    }
    memory.role = role;
    memory.roleTerm = term;
    memory.term = term;
    memory.higher = null;
    memory.timeoutNowFrom = null;
    if (role !== 'leader') memory.transferTo = null;
    return lines;
  }

  private becameFollower(node: NodeId, memory: NodeMemory, previous: Role, term: number, at: number): string[] {
    const who = this.name(node);
    const higher = memory.higher && memory.higher.term === term ? memory.higher : null;
    const size = this.context.groupOf(node)?.members.length ?? 0;
    switch (previous) {
      case 'leader': {
        if (memory.transferTo && higher?.from === memory.transferTo) {
          return [`${who} stepped down in term ${term}: it handed leadership to ${this.name(memory.transferTo)}`];
        }
        if (higher) {
          return [`${who} stepped down: it saw the higher term ${term} from ${this.name(higher.from)}`];
        }
        if (term === memory.roleTerm) {
          // A count needs a whole election timeout of watching; short of that, the rule alone is said.
          const since = at - this.context.quorumWindowMs();
          const watched = memory.watchedSince !== null && memory.watchedSince <= since;
          const reason = watched
            ? `CheckQuorum heard only from ${1 + this.heardSince(node, memory, since)} of ${size} within an election timeout`
            : `CheckQuorum did not hear from a majority of ${size} within an election timeout`;
          return [`${who} stepped down in term ${term}: ${reason}`, ...this.refusedReads(node)];
        }
        return [`${who} stepped down and is a follower in term ${term}`];
      }
      case 'candidate':
        if (higher && (higher.kind === 'App' || higher.kind === 'Heartbeat')) {
          return [`${who} lost the election: ${this.name(higher.from)} leads term ${term}`];
        }
        if (higher)
          return [`${who} gave up its election: it saw the higher term ${term} from ${this.name(higher.from)}`];
        if (term === memory.roleTerm) {
          const leader = memory.leaderHeard;
          return [`${who} lost the election for term ${term}${leader ? `: ${this.name(leader)} leads it` : ''}`];
        }
        return [`${who} is a follower in term ${term}`];
      case 'precandidate': {
        if (higher)
          return [`${who} gave up its pre-vote: it saw the higher term ${term} from ${this.name(higher.from)}`];
        const granted = memory.preVotes.size;
        return [
          `${who} stays a follower in term ${term}: its pre-vote for term ${term + 1} got ${granted} of ${size}, it needed ${majority(size)}`,
        ];
      }
      case 'follower':
        return [];
    }
  }

  private heardSince(node: NodeId, memory: NodeMemory, since: number): number {
    let count = 0;
    for (const [peer, at] of memory.heard) if (peer !== node && at >= since) count++;
    return count;
  }

  /** A leader that could not confirm it leads refuses the reads it was holding (ReadIndex). */
  private refusedReads(node: NodeId): string[] {
    const lines: string[] = [];
    for (const request of this.requests.values()) {
      if (request.via === node && request.op === 'GET') {
        lines.push(
          `${this.name(node)} refused the read of ${request.key}: it could not confirm its leadership with a majority (ReadIndex)`,
        );
      }
    }
    return lines;
  }

  private openCampaign(node: NodeId, term: number): void {
    const group = this.context.groupOf(node);
    if (!group) return;
    let election = this.elections.get(group.id);
    if (!election || election.term !== term) {
      election = { group: group.id, term, size: group.members.length, candidates: new Map(), decided: false };
      this.elections.set(group.id, election);
    }
    election.candidates.set(node, new Set([node]));
  }

  /** A new campaign in a group whose last election chose nobody: say why nobody won. */
  private closeElection(node: NodeId, nextTerm: number): string[] {
    const group = this.context.groupOf(node);
    const election = group ? this.elections.get(group.id) : undefined;
    if (!election || election.decided || election.term >= nextTerm) return [];
    election.decided = true;
    const needed = majority(election.size);
    const tallies = [...election.candidates].map(([id, votes]) => `${this.name(id)} ${votes.size}`);
    const only = election.candidates.size === 1 ? [...election.candidates][0] : undefined;
    if (only) {
      const [id, votes] = only;
      return [
        `No leader in term ${election.term}: ${this.name(id)} got ${votes.size} of ${election.size} votes, it needed ${needed}`,
      ];
    }
    return [
      `Split vote: ${election.candidates.size} candidates in term ${election.term}; none reached ${needed} of ${election.size} votes (${tallies.join(', ')})`,
    ];
  }

  // ---------------------------------------------------------------------------------------------
  // The log.

  private append(node: NodeId, index: number, term: number, count: number): string[] {
    const memory = this.memory(node);
    const first = index - count + 1;
    const lines: string[] = [];
    if (memory.role === 'leader') {
      lines.push(`${this.name(node)} appended ${entries(count)} up to index ${index} in term ${term}`);
    } else {
      const replaced = this.replaced(memory, first);
      if (replaced) lines.push(`${this.name(node)} replaced ${replaced} with the leader's entries of term ${term}`);
    }
    memory.logEnd = { index, term };
    memory.refused = null;
    return lines;
  }

  /** Which of its entries an append overwrote: those from `first` to the old end of its log. */
  private replaced(memory: NodeMemory, first: number): string | null {
    const end = memory.logEnd;
    const refused = memory.refused;
    const termOfFirst =
      refused && refused.term > 0 && first >= refused.from && first <= refused.index ? refused.term : 0;
    const ofTerm =
      termOfFirst > 0 ? ` of term ${termOfFirst}` : end && end.index === first ? ` of term ${end.term}` : '';
    if (end && first <= end.index) {
      return first === end.index ? `entry ${first}${ofTerm}` : `entries ${first}–${end.index}${ofTerm}`;
    }
    if (!end && termOfFirst > 0) return `its entries from index ${first} on${ofTerm}`;
    return null;
  }

  // ---------------------------------------------------------------------------------------------
  // Clients and faults.

  private reply(event: Extract<ClusterEvent, { type: 'reply' }>): string[] {
    const request = this.requests.get(event.id);
    this.requests.delete(event.id);
    const what = request ? `${request.op} ${request.key}` : 'Request';
    const via = this.name(event.via);
    if (event.ok) {
      const server = event.servedBy ? `; ${this.name(event.servedBy)} leads group ${event.group}` : '';
      return [`${what} via ${via} answered in ${seconds(event.ms)}${server}`];
    }
    return [`${what} via ${via} failed after ${seconds(event.ms)}${event.error ? `: ${event.error}` : ''}`];
  }

  private fault(event: FaultEvent): string[] {
    const node = event.node ? this.name(event.node) : 'a node';
    const detail = event.detail ? `: ${event.detail}` : '';
    const pair = event.a && event.b ? `${this.name(event.a)} – ${this.name(event.b)}` : '';
    switch (event.action) {
      case 'kill':
        if (event.node) this.memory(event.node).role = null;
        return [`Killed ${node}${detail}`];
      case 'restart':
        // A node starts again as a follower (§5.2), its term what its disk holds, having heard from nobody.
        if (event.node) {
          const memory = this.memory(event.node);
          Object.assign(memory, { role: 'follower', watchedSince: event.at });
          memory.heard.clear();
        }
        return [`Restarted ${node}`];
      case 'cut':
        return [pair ? `Cut link ${pair}${detail}` : `Cut a link${detail}`];
      case 'heal':
        return [pair ? `Healed link ${pair}` : 'Healed every link'];
      case 'partition':
        return [`Partitioned the network${this.sides(event.detail)}`];
      case 'network':
        return [`Network settings changed${detail}`];
      case 'clock':
        return [`Clock changed${detail}`];
      case 'config':
        this.nodes.clear();
        this.elections.clear();
        this.backoffs.clear();
        this.lastApp.clear();
        this.requests.clear();
        return [event.unchanged ? 'Restarted the cluster' : `Restarted the cluster on a new configuration${detail}`];
      case 'transfer':
        return [event.node ? `Asked ${node} to step down${detail}` : `Leadership transfer${detail}`];
      case 'timeout':
        return [event.node ? `Forced ${node}'s election timer to fire` : `Forced an election timeout${detail}`];
      case 'options':
        return [`Raft options changed${detail}`];
      case 'lesson':
        return [event.detail ?? 'Figure 8 lesson changed'];
      case 'group':
        return [`The ring changed, keys kept${detail}`];
    }
  }

  /** The host tells a partition as `a b | c d`; names it the way every other line does. */
  private sides(detail: string | undefined): string {
    if (!detail) return '';
    const sides = detail.split('|').map((side) =>
      side
        .trim()
        .split(/\s+/)
        .filter((id) => id.length > 0)
        .map((id) => this.name(id))
        .join(' '),
    );
    return `: ${sides.join(' | ')}`;
  }
}

/** One line per step of a single-server change, proposed then committed by the group's leader. */
export function narrateMembership(event: Extract<ClusterEvent, { type: 'membership' }>, name: NameOf): string {
  const node = name(event.change.node);
  const group = `group ${event.group}`;
  if (event.phase === 'proposed') {
    switch (event.change.type) {
      case 'addLearner':
        return `${group}'s leader proposed adding ${node} as a learner (it gets the log but does not vote yet)`;
      case 'promote':
        return `${node} has caught up: ${group}'s leader proposed promoting it to voter`;
      case 'remove':
        return `${group}'s leader proposed removing ${node}`;
    }
  }
  switch (event.change.type) {
    case 'addLearner':
      return `${node} is now a learner of ${group}; it catches up from the leader`;
    case 'promote':
      return `${node} is now a voter of ${group}: it counts in elections and commits`;
    case 'remove':
      return `${node} left ${group}: the change committed, so it no longer counts`;
  }
}
