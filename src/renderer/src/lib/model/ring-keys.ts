// Where a key goes, computed with the very HashRing the nodes route by, so the dashboard's preview
// of a typed key and the server's answer cannot disagree.
import { HashRing } from '../../../../shared/ring';

let cached: HashRing | null = null;
let cachedId = '';

/** A count means groups 0..n-1; a live ring after resharding passes its group ids. */
export function ringFor(groups: number | readonly number[]): HashRing {
  const id = typeof groups === 'number' ? `n${groups}` : groups.join(',');
  if (!cached || cachedId !== id) {
    cached = new HashRing(groups);
    cachedId = id;
  }
  return cached;
}

export interface KeyPosition {
  readonly key: string;
  readonly hash: number;
  readonly group: number;
}

export function positionOfKey(key: string, groups: number | readonly number[]): KeyPosition {
  const ring = ringFor(groups);
  const hash = ring.hashOf(key);
  return { key, hash, group: ring.groupAt(hash) };
}

export function formatHash(hash: number): string {
  return `0x${hash.toString(16).padStart(8, '0')}`;
}
