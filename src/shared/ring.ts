// The consistent-hash ring that spreads keys over the Raft groups (CONTRACTS.md §1, §3 "Routing").
// Every node builds the same ring from nothing but the number of groups, so any node can route any
// key without asking another.
//
// Each group owns several virtual tokens. A token's position is the hash of a label that names its
// group and its number only, so the ring of n+1 groups holds every token of the ring of n groups.
// That is what makes the ring consistent: when a group is added, a key either stays where it was or
// moves to the new group, never between two old groups, and the fraction that moves is the new
// group's share, about 1/(n+1) (ring.test.ts measures it).
import type { RingToken, RingView } from './api';
import { murmur3, toBytes, utf8Bytes } from './hash';

/** Positions are unsigned 32-bit hashes. */
export const HASH_SPACE = 2 ** 32;

/**
 * Chosen by measurement (bench/ring-balance.ts): the largest deviation of any group's share from the
 * fair 1/n over 2..5 groups, in percent. "This ring" counts 100k random 16-byte keys on the labels we
 * ship; "any labels" builds the same rings from 200 other token seeds (exact arc shares), which shows
 * how much of a good row is luck.
 *
 *   tokens/group | this ring | any labels: median  p95  worst
 *             64 |      11.0 |             19.5  30.6   37.1
 *            128 |       7.9 |             13.5  22.3   31.0
 *            256 |       3.9 |              9.1  15.0   24.1
 *            384 |       7.9 |              7.1  12.3   16.3
 *            512 |       8.8 |              6.7  10.7   13.2
 *            640 |       8.6 |              6.2   9.8   14.5
 *            768 |       5.2 |              5.3   8.5   13.2
 *           1024 |       5.8 |              4.9   7.8   13.3
 *
 * 128 or 256 pass on our labels by luck only (32 does worse than 16). 640 is the smallest count whose
 * 95th percentile over label seeds is inside ±10%, and on our labels it stays within 8.8% for every
 * group count from 2 to 16. The price: 640 tokens a group in ClusterState.ring.
 */
export const DEFAULT_TOKENS_PER_GROUP = 640;

/** Bounds the ring's size (and the renderer's work) against a silly option. */
export const MAX_TOKENS_PER_GROUP = 4096;

const TOKEN_SEED = 0x52414654; // "RAFT": any fixed value; it only has to never change.
const KEY_SEED = 0;

export interface HashRingOptions {
  readonly tokensPerGroup?: number;
  /** For measuring how much the balance depends on luck only: every node of a cluster must use the default. */
  readonly tokenSeed?: number;
}

export class HashRing {
  readonly groupCount: number;
  /** The groups on the ring, ascending. A live ring may skip ids: a removed group keeps its number. */
  readonly groupIds: readonly number[];
  readonly tokensPerGroup: number;
  readonly hashSpace = HASH_SPACE;
  /** Sorted by hash, ties broken by group, so every node sees the same order. */
  readonly tokens: readonly RingToken[];
  private readonly positions: Uint32Array;
  private readonly owners: Uint16Array;

  /** `groups`: a count (groups 0..n-1, the bootstrap ring) or the ids of the live groups (resharding). */
  constructor(groups: number | readonly number[], options: HashRingOptions = {}) {
    const tokensPerGroup = options.tokensPerGroup ?? DEFAULT_TOKENS_PER_GROUP;
    const tokenSeed = options.tokenSeed ?? TOKEN_SEED;
    const groupIds = typeof groups === 'number' ? rangeOf(groups) : [...new Set(groups)].sort((a, b) => a - b);
    const groupCount = groupIds.length;
    if (!Number.isInteger(groupCount) || groupCount < 1 || groupCount > 0xffff) {
      throw new RangeError(`a ring needs a whole number of groups from 1 to 65535, not ${String(groups)}`);
    }
    for (const id of groupIds) {
      if (!Number.isInteger(id) || id < 0 || id > 0xffff)
        throw new RangeError(`a group id must be 0..65535, not ${id}`);
    }
    if (!Number.isInteger(tokensPerGroup) || tokensPerGroup < 1 || tokensPerGroup > MAX_TOKENS_PER_GROUP) {
      throw new RangeError(
        `tokensPerGroup must be a whole number from 1 to ${MAX_TOKENS_PER_GROUP}, not ${tokensPerGroup}`,
      );
    }
    this.groupCount = groupCount;
    this.groupIds = groupIds;
    this.tokensPerGroup = tokensPerGroup;

    const tokens: RingToken[] = [];
    for (const group of groupIds) {
      for (let token = 0; token < tokensPerGroup; token++) {
        tokens.push({ hash: tokenPosition(group, token, tokenSeed), group });
      }
    }
    tokens.sort((a, b) => a.hash - b.hash || a.group - b.group);
    this.tokens = tokens;
    this.positions = Uint32Array.from(tokens, (t) => t.hash);
    this.owners = Uint16Array.from(tokens, (t) => t.group);
  }

  /** The key's position on the ring. Strings are hashed as their UTF-8 bytes. */
  hashOf(key: Uint8Array | string): number {
    return murmur3(toBytes(key), KEY_SEED);
  }

  /** The group owning the key: that of the first token at or after the key's position, wrapping round. */
  groupOf(key: Uint8Array | string): number {
    return this.groupAt(this.hashOf(key));
  }

  /** The group owning a position in [0, hashSpace). */
  groupAt(position: number): number {
    const positions = this.positions;
    let lo = 0;
    let hi = positions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (positions[mid]! < position) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === positions.length ? 0 : lo]!;
  }

  /** Each group's exact share of the hash space (the arcs that end at its tokens), summing to 1; indexed by group id. */
  shares(): number[] {
    const owned = new Array<number>(this.groupIds[this.groupIds.length - 1]! + 1).fill(0);
    const positions = this.positions;
    let previous = positions[positions.length - 1]! - HASH_SPACE;
    for (let i = 0; i < positions.length; i++) {
      owned[this.owners[i]!]! += positions[i]! - previous;
      previous = positions[i]!;
    }
    return owned.map((arc) => arc / HASH_SPACE);
  }

  /** What the renderer draws (ClusterState.ring). */
  view(): RingView {
    return { hashSpace: this.hashSpace, tokens: this.tokens };
  }
}

function rangeOf(count: number): number[] {
  if (!Number.isInteger(count) || count < 1 || count > 0xffff) return [];
  return Array.from({ length: count }, (_, i) => i);
}

/** Where a group's token sits: a function of the two numbers alone, so rings of any size agree. */
export function tokenPosition(group: number, token: number, seed = TOKEN_SEED): number {
  return murmur3(utf8Bytes(`group-${group}-token-${token}`), seed);
}
