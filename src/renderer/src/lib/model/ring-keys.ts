// Where a key goes, computed with the very HashRing the nodes route by (the same group count and
// tokens per group as the host's ring), so the dashboard's preview of a typed key and the server's
// answer cannot disagree.
import type { RingView } from '../../../../shared/api';
import { DEFAULT_TOKENS_PER_GROUP, HashRing } from '../../../../shared/ring';

let cached: HashRing | null = null;
let cachedId = '';

/** A count means groups 0..n-1; a live ring after resharding passes its group ids. */
export function ringFor(groups: number | readonly number[], tokensPerGroup = DEFAULT_TOKENS_PER_GROUP): HashRing {
  const id = `${typeof groups === 'number' ? `n${groups}` : groups.join(',')}/${tokensPerGroup}`;
  if (!cached || cachedId !== id) {
    cached = new HashRing(groups, { tokensPerGroup });
    cachedId = id;
  }
  return cached;
}

/** The host's tokens per group: as its state says, or (from a host that does not say) as its tokens count. */
export function tokensPerGroupOf(ring: RingView | undefined, groupCount: number): number {
  if (!ring || groupCount < 1) return DEFAULT_TOKENS_PER_GROUP;
  return ring.tokensPerGroup ?? Math.max(1, Math.round(ring.tokens.length / groupCount));
}

export interface KeyPosition {
  readonly key: string;
  readonly hash: number;
  readonly group: number;
}

export function positionOfKey(
  key: string,
  groups: number | readonly number[],
  tokensPerGroup = DEFAULT_TOKENS_PER_GROUP,
): KeyPosition {
  const ring = ringFor(groups, tokensPerGroup);
  const hash = ring.hashOf(key);
  return { key, hash, group: ring.groupAt(hash) };
}

export function formatHash(hash: number): string {
  return `0x${hash.toString(16).padStart(8, '0')}`;
}
