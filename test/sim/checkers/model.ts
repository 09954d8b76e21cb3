// What the checkers know about the cluster, rebuilt from the history alone: each node's durable
// log (as its persist events wrote it), the entries it holds in memory but not yet on disk (its
// 'memory' events), its role, and the entries known to be committed. Durability is judged on the
// disks; what a node votes, leads and commits with is its memory log.
import { decodeConfChange } from '../../../src/shared/raft/conf-change';
import { applyConfChange } from '../../../src/shared/raft/membership';
import { quorumSize } from '../../../src/shared/raft/quorum';
import type { Entry, Membership, NodeId, Role } from '../../../src/shared/raft/types';
import { InvariantViolation } from './violation';

export function sameEntry(a: Entry, b: Entry): boolean {
  if (a === b) return true;
  if (a.index !== b.index || a.term !== b.term || a.type !== b.type || a.data.length !== b.data.length) return false;
  return a.data.every((byte, i) => byte === b.data[i]);
}

export function describeEntry(entry: Entry | undefined): string {
  if (entry === undefined) return 'nothing';
  const data = entry.type === 'noop' ? 'noop' : new TextDecoder().decode(entry.data);
  return `${entry.index}@${entry.term} "${data}"`;
}

/** One persist step as the checkers see it. */
export interface LogWrite {
  readonly node: NodeId;
  /** Role and term of the writer at the time. */
  readonly role: Role;
  readonly term: number;
  /** entries[0].index */
  readonly first: number;
  /** Entries the write deleted or replaced with something different. */
  readonly removed: readonly Entry[];
  readonly entries: readonly Entry[];
}

export interface NodeFacts {
  alive: boolean;
  role: Role;
  term: number;
  /** The highest commit index this node has reported so far, over all its lives. */
  commit: number;
  /** The durable log, index i at position i - 1. */
  readonly log: Entry[];
  /** The memory log departs from `log` at this index (Infinity: it does not) ... */
  unsavedFrom: number;
  /** ... and holds these entries from there on, not yet durable. */
  unsaved: readonly Entry[];
  /** An InstallSnapshot taken in memory, not yet on disk: the memory log up to here is the committed prefix. */
  memorySnapshot: number;
}

export class ClusterModel {
  private readonly facts = new Map<NodeId, NodeFacts>();
  private readonly committedEntries: Entry[] = [];
  private readonly commitTerms: number[] = [];
  /** The membership after each committed config entry, from the bootstrap one at index 0. */
  private readonly configs: { readonly index: number; readonly membership: Membership }[];

  /** `members`: every node that may ever run; `bootstrap`: the voters at index 0. */
  constructor(
    readonly members: readonly NodeId[],
    bootstrap: readonly NodeId[] = members,
  ) {
    this.configs = [{ index: 0, membership: { voters: bootstrap, learners: [] } }];
    for (const id of members) {
      this.facts.set(id, {
        alive: true,
        role: 'follower',
        term: 0,
        commit: 0,
        log: [],
        unsavedFrom: Number.POSITIVE_INFINITY,
        unsaved: [],
        memorySnapshot: 0,
      });
    }
  }

  node(id: NodeId): NodeFacts {
    const facts = this.facts.get(id);
    if (facts === undefined) throw new InvariantViolation('Well-formed history', `unknown node ${id}`);
    return facts;
  }

  entryAt(id: NodeId, index: number): Entry | undefined {
    return index >= 1 ? this.node(id).log[index - 1] : undefined;
  }

  /** The entry at `index` of the node's log in memory: its disk's, or one it has not saved yet. */
  memoryEntryAt(id: NodeId, index: number): Entry | undefined {
    const facts = this.node(id);
    if (index >= 1 && index <= facts.memorySnapshot) return this.committed(index);
    if (index < facts.unsavedFrom) return index >= 1 ? facts.log[index - 1] : undefined;
    return facts.unsaved[index - facts.unsavedFrom];
  }

  setMemory(id: NodeId, from: number, entries: readonly Entry[], snapshot = 0): void {
    const facts = this.node(id);
    facts.unsavedFrom = from;
    facts.unsaved = entries;
    facts.memorySnapshot = snapshot;
  }

  termAt(id: NodeId, index: number): number {
    return this.entryAt(id, index)?.term ?? 0;
  }

  /** Live nodes that currently believe they lead. */
  leaders(): { id: NodeId; term: number }[] {
    const found: { id: NodeId; term: number }[] = [];
    for (const [id, facts] of this.facts)
      if (facts.alive && facts.role === 'leader') found.push({ id, term: facts.term });
    return found;
  }

  get committedCount(): number {
    return this.committedEntries.length;
  }

  committed(index: number): Entry | undefined {
    return this.committedEntries[index - 1];
  }

  /** The lowest term in which some node was seen to know that `index` is committed. */
  commitTerm(index: number): number {
    return this.commitTerms[index - 1] ?? Number.POSITIVE_INFINITY;
  }

  /** A majority of the voters at the start (what `majority` meant before membership changes). */
  get majority(): number {
    return quorumSize(this.configs[0]!.membership.voters.length);
  }

  /** The committed membership now. */
  get membership(): Membership {
    return this.configs[this.configs.length - 1]!.membership;
  }

  /**
   * The voter sets one of which committed the entry at `index`: the membership with every config
   * entry before `index` in force, or the one before the last of those (a leader commits a config
   * entry and later entries in one step, counting under the configuration it had).
   */
  votersFor(index: number): (readonly NodeId[])[] {
    let k = 0;
    while (k + 1 < this.configs.length && this.configs[k + 1]!.index < index) k++;
    const sets = [this.configs[k]!.membership.voters];
    if (k > 0) sets.push(this.configs[k - 1]!.membership.voters);
    return sets;
  }

  /** How many durable logs hold exactly `entry`, of nodes in `among` (all nodes if not given). */
  replicas(entry: Entry, among?: readonly NodeId[]): number {
    let count = 0;
    for (const [id, facts] of this.facts) {
      if (among !== undefined && !among.includes(id)) continue;
      const held = facts.log[entry.index - 1];
      if (held !== undefined && sameEntry(held, entry)) count++;
    }
    return count;
  }

  planWrite(node: NodeId, role: Role, term: number, entries: readonly Entry[]): LogWrite {
    const log = this.node(node).log;
    const first = entries[0]?.index ?? log.length + 1;
    if (first < 1 || first > log.length + 1) {
      throw new InvariantViolation(
        'Well-formed history',
        `${node} writes from ${first} but its log ends at ${log.length}`,
      );
    }
    entries.forEach((entry, offset) => {
      if (entry.index !== first + offset) {
        throw new InvariantViolation('Well-formed history', `${node} writes entry ${entry.index} at ${first + offset}`);
      }
    });
    const removed = log.slice(first - 1).filter((old) => {
      const replacement = entries[old.index - first];
      return replacement === undefined || !sameEntry(old, replacement);
    });
    return { node, role, term, first, removed, entries };
  }

  applyWrite(write: LogWrite): void {
    if (write.entries.length === 0) return;
    const log = this.node(write.node).log;
    log.length = write.first - 1;
    log.push(...write.entries);
  }

  setRole(node: NodeId, role: Role, term: number): void {
    const facts = this.node(node);
    facts.role = role;
    facts.term = term;
  }

  setAlive(node: NodeId, alive: boolean): void {
    const facts = this.node(node);
    facts.alive = alive;
    // A crash loses the memory log; a restarted core holds exactly its disk.
    facts.unsavedFrom = Number.POSITIVE_INFINITY;
    facts.unsaved = [];
    facts.memorySnapshot = 0;
    // A restarted core always begins as a follower; a role event follows if that is news.
    facts.role = 'follower';
  }

  /** Records a newly known committed entry; returns false if it was already known. */
  addCommitted(entry: Entry, observedInTerm: number): void {
    if (entry.index !== this.committedEntries.length + 1) {
      throw new InvariantViolation(
        'Well-formed history',
        `commit of ${entry.index} after ${this.committedEntries.length}`,
      );
    }
    this.committedEntries.push(entry);
    this.commitTerms.push(observedInTerm);
    if (entry.type === 'config') {
      const membership = applyConfChange(this.membership, decodeConfChange(entry.data));
      this.configs.push({ index: entry.index, membership });
    }
  }
}
