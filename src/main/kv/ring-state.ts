// Which keys this group serves, as of the entries it has applied (issue 13, docs/resharding.md).
// It is replicated state, changed only by ring commands in the group's own log, so every replica
// agrees on it at every index. That is what makes a move safe whatever the routers believe: a write
// is refused AT APPLY when its key is not this group's or is leaving it (frozen), and a read is
// refused when the key is not this group's, so a stale router can cause a retry, never a lost write
// or a stale read.
//
// The state machine (state-machine.ts) calls `acceptsWrite`, `serves` and `apply`. Snapshots
// (issue 12) must carry this state: `serialise()` and `restore()` are the seam.
import { HashRing } from '../../shared/ring';
import { checkRingConfig, type RingCommand, type RingConfig } from './ring-command';

/** What a ring command needs of the hash table. */
export interface RingTablePort {
  /** Stores a copied key (from a group that is handing it over). */
  importPair(key: Uint8Array, value: Uint8Array): void;
  /** Drops every key for which `keep` is false; returns how many went. */
  dropWhere(keep: (key: Uint8Array) => boolean): number;
}

export interface RingApplyOutcome {
  readonly applied: boolean;
  readonly detail: string;
}

/** A group that joined later starts owning nothing, at version 0: it may take imports of any version. */
export const EMPTY_RING: RingConfig = { version: 0, groups: [] };

export class RingState {
  private current: RingConfig;
  private ring: HashRing | null;
  /** Set between FREEZE and ADOPT: the ring being moved to. Keys it gives to others take no writes. */
  private next: RingConfig | null = null;
  private nextRing: HashRing | null = null;

  /**
   * @param group this node's group
   * @param initial the bootstrap ring (version 1) for a group of the bootstrap string; EMPTY_RING for
   *   one added later. Never the live ring: replaying the log from the start must meet the same state.
   */
  constructor(
    readonly group: number,
    initial: RingConfig,
    private readonly onAdopt?: (ring: RingConfig) => void,
  ) {
    this.current = initial;
    this.ring = ringOf(initial);
  }

  get version(): number {
    return this.current.version;
  }

  get config(): RingConfig {
    return this.current;
  }

  /** The ring being moved to, while keys leave this group; else null. */
  get pending(): RingConfig | null {
    return this.next;
  }

  /** This group serves reads of the key (frozen keys included: they no longer change). */
  serves(key: Uint8Array): boolean {
    return this.ring !== null && this.ring.groupOf(key) === this.group;
  }

  /** This group takes writes to the key: it serves it and it is not leaving. */
  acceptsWrite(key: Uint8Array): boolean {
    if (!this.serves(key)) return false;
    return this.nextRing === null || this.nextRing.groupOf(key) === this.group;
  }

  /** Keys that leave this group for the pending ring (the copy reads these). */
  leaving(key: Uint8Array): number | null {
    if (this.nextRing === null || !this.serves(key)) return null;
    const to = this.nextRing.groupOf(key);
    return to === this.group ? null : to;
  }

  apply(command: RingCommand, table: RingTablePort): RingApplyOutcome {
    switch (command.type) {
      case 'freeze': {
        // Only the step from the current version; a duplicate or late freeze changes nothing.
        if (command.next.version !== this.current.version + 1) {
          return { applied: false, detail: `freeze v${command.next.version} at v${this.current.version}` };
        }
        this.next = command.next;
        this.nextRing = ringOf(command.next);
        return { applied: true, detail: `frozen for v${command.next.version}` };
      }
      case 'import': {
        // Once the group adopted that version it serves those keys itself: a late copy would undo writes.
        if (command.version <= this.current.version) {
          return { applied: false, detail: `import v${command.version} at v${this.current.version}` };
        }
        for (const [key, value] of command.pairs) table.importPair(key, value);
        return { applied: true, detail: `${command.pairs.length} keys` };
      }
      case 'adopt': {
        if (command.ring.version <= this.current.version) {
          return { applied: false, detail: `adopt v${command.ring.version} at v${this.current.version}` };
        }
        this.current = command.ring;
        this.ring = ringOf(command.ring);
        this.next = null;
        this.nextRing = null;
        const dropped = table.dropWhere((key) => this.serves(key));
        this.onAdopt?.(command.ring);
        return { applied: true, detail: `v${command.ring.version}, ${dropped} keys handed over` };
      }
    }
  }

  /** The state a snapshot must hold (issue 12's snapshot body carries it next to the table). */
  serialise(): string {
    return JSON.stringify({ current: this.current, next: this.next });
  }

  /** The inverse of serialise(). */
  restore(text: string): void {
    const parsed = JSON.parse(text) as { current?: unknown; next?: unknown };
    this.current = checkRingConfig(parsed.current);
    this.ring = ringOf(this.current);
    this.next = parsed.next === null || parsed.next === undefined ? null : checkRingConfig(parsed.next);
    this.nextRing = this.next === null ? null : ringOf(this.next);
    // Routers learn the restored ring as they would have from the ADOPT entries it stands for.
    if (this.current.version > 0) this.onAdopt?.(this.current);
  }
}

/** Null for a ring with no groups (a group that has not adopted any yet serves nothing). */
export function ringOf(config: RingConfig): HashRing | null {
  if (config.groups.length === 0) return null;
  const ids = config.groups.map((g) => g.id);
  return config.tokensPerGroup === undefined
    ? new HashRing(ids)
    : new HashRing(ids, { tokensPerGroup: config.tokensPerGroup });
}
