// The ring a node routes by: the newest ring of record it has heard of (docs/resharding.md). It is
// only advice. The group a key is sent to checks ownership against its own log (ring-state.ts) and
// refuses what it does not serve, so a stale table costs a retry, never a wrong answer. Nodes learn
// newer rings when their own group adopts one; nodes of one process share one table, which every
// node's adoption updates.
import type { NodeId } from '../../shared/raft/types';
import { DEFAULT_TOKENS_PER_GROUP, type HashRing } from '../../shared/ring';
import type { RingConfig } from './ring-command';
import { ringOf } from './ring-state';

export class RoutingTable {
  private config: RingConfig;
  private hashRing: HashRing;
  private readonly members = new Map<number, readonly NodeId[]>();
  private readonly listeners = new Set<(config: RingConfig) => void>();

  constructor(initial: RingConfig) {
    this.config = initial;
    this.hashRing = requireRing(initial);
    this.remember(initial);
  }

  get version(): number {
    return this.config.version;
  }

  get current(): RingConfig {
    return this.config;
  }

  get ring(): HashRing {
    return this.hashRing;
  }

  groupOf(key: Uint8Array | string): number {
    return this.hashRing.groupOf(key);
  }

  /** The members of any group this table has seen, current or past (a removed group's old members). */
  membersOf(group: number): readonly NodeId[] {
    return this.members.get(group) ?? [];
  }

  /** Takes `config` if it is newer than the one held; returns whether it did. */
  offer(config: RingConfig): boolean {
    if (config.version <= this.config.version || config.groups.length === 0) return false;
    this.config = config;
    this.hashRing = requireRing(config);
    this.remember(config);
    for (const listener of this.listeners) listener(config);
    return true;
  }

  /** Called with each newer ring taken; returns the unsubscribe. */
  onChange(listener: (config: RingConfig) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private remember(config: RingConfig): void {
    for (const group of config.groups) this.members.set(group.id, group.members);
  }
}

function requireRing(config: RingConfig): HashRing {
  const ring = ringOf(config);
  if (ring === null) throw new RangeError('a routing table needs a ring with at least one group');
  return ring;
}

/**
 * The bootstrap ring of a partitions string: version 1, groups numbered in order. A non-default
 * token count (`--ring-tokens`) is recorded in it, so every later ring keeps it.
 */
export function bootstrapRing(
  partitions: readonly (readonly NodeId[])[],
  tokensPerGroup: number = DEFAULT_TOKENS_PER_GROUP,
): RingConfig {
  const groups = partitions.map((members, id) => ({ id, members: [...members] }));
  return tokensPerGroup === DEFAULT_TOKENS_PER_GROUP ? { version: 1, groups } : { version: 1, groups, tokensPerGroup };
}
