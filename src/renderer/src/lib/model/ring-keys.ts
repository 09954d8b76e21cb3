// Where a key goes, computed with the very HashRing the nodes route by, so the dashboard's preview
// of a typed key and the server's answer cannot disagree.
import { HashRing } from '../../../../shared/ring';

let cached: HashRing | null = null;

export function ringFor(groupCount: number): HashRing {
  if (!cached || cached.groupCount !== groupCount) cached = new HashRing(groupCount);
  return cached;
}

export interface KeyPosition {
  readonly key: string;
  readonly hash: number;
  readonly group: number;
}

export function positionOfKey(key: string, groupCount: number): KeyPosition {
  const ring = ringFor(groupCount);
  const hash = ring.hashOf(key);
  return { key, hash, group: ring.groupAt(hash) };
}

export function formatHash(hash: number): string {
  return `0x${hash.toString(16).padStart(8, '0')}`;
}
