// What the dashboard says about a resharding (issue 13), as pure functions of the state: which of
// the keys seen moved between the previous ring and this one, against the ideal share, and how far
// the data has moved.
import type { RingMoveView } from '../../../../shared/api';
import { HashRing } from '../../../../shared/ring';

const rings = new Map<string, HashRing>();

/** The ring the nodes route by for these group ids (cached: building one sorts thousands of tokens). */
export function ringOfGroups(groups: readonly number[]): HashRing {
  const id = [...groups].sort((a, b) => a - b).join(',');
  let ring = rings.get(id);
  if (ring === undefined) {
    if (rings.size > 16) rings.clear();
    ring = new HashRing(groups);
    rings.set(id, ring);
  }
  return ring;
}

export interface MovedKeys {
  /** Keys whose group differs between the two rings. */
  readonly moved: ReadonlySet<string>;
  readonly total: number;
  /** The percentage that moved, rounded. */
  readonly percent: number;
  /** The ideal percentage: the added group's share 1/(n+1), or the removed group's 1/n. */
  readonly idealPercent: number;
  /** The group gained (added) or lost (removed), or null when the rings have the same groups. */
  readonly group: number | null;
  readonly added: boolean;
}

export function movedKeys(keys: readonly string[], before: readonly number[], after: readonly number[]): MovedKeys {
  const beforeRing = ringOfGroups(before);
  const afterRing = ringOfGroups(after);
  const moved = new Set<string>();
  for (const key of keys) if (beforeRing.groupOf(key) !== afterRing.groupOf(key)) moved.add(key);
  const added = after.find((g) => !before.includes(g));
  const removed = before.find((g) => !after.includes(g));
  const group = added ?? removed ?? null;
  const ideal = added !== undefined ? 1 / after.length : removed !== undefined ? 1 / before.length : 0;
  return {
    moved,
    total: keys.length,
    percent: keys.length === 0 ? 0 : Math.round((moved.size / keys.length) * 100),
    idealPercent: Math.round(ideal * 100),
    group,
    added: added !== undefined,
  };
}

/** E.g. "312 of 1000 keys moved to group 3: 31%, ideal 25%". */
export function describeMovedKeys(result: MovedKeys): string {
  if (result.group === null) return 'no group was added or removed';
  const where = result.added ? `to group ${result.group}` : `from group ${result.group}`;
  return `${result.moved.size} of ${result.total} keys moved ${where}: ${result.percent}%, ideal ${result.idealPercent}%`;
}

/** Data moved so far over every move, 0..1; 1 when there is nothing (left) to move. */
export function moveProgress(moves: readonly RingMoveView[]): { fraction: number; moving: boolean } {
  const total = moves.reduce((sum, m) => sum + m.keysTotal, 0);
  const moved = moves.reduce((sum, m) => sum + Math.min(m.keysMoved, m.keysTotal), 0);
  const moving = moves.some((m) => !m.done);
  return { fraction: total === 0 ? (moving ? 0 : 1) : moved / total, moving };
}

/** Addresses for a new group: the ports after the highest one in use, on its host. */
export function suggestMembers(nodes: readonly string[], size = 3): string[] {
  let host = '127.0.0.1';
  let highest = 5000;
  for (const id of nodes) {
    const colon = id.lastIndexOf(':');
    const port = Number(id.slice(colon + 1));
    if (port > highest) {
      highest = port;
      host = id.slice(0, colon);
    }
  }
  return Array.from({ length: size }, (_, i) => `${host}:${highest + 1 + i}`);
}
