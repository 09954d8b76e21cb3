// Which keys on the hash ring get a text label. Labels sit just outside the ring at each key's
// angle, so two keys with close hashes would print one name over the other: the newest keys are
// labelled first, and a key too close to one already labelled keeps its dot but not its name.

/** The angle two labels need between them, in radians (about 15 degrees at the ring's size). */
export const LABEL_MIN_GAP = (15 * Math.PI) / 180;

function angularDistance(a: number, b: number): number {
  const turn = 2 * Math.PI;
  const d = Math.abs(a - b) % turn;
  return Math.min(d, turn - d);
}

/**
 * The indexes (into `angles`, oldest first) of the keys to label: at most `limit`, newest first,
 * none closer than `minGap` to another, nor to any of the `reserved` angles (the typed key's).
 */
export function labelledKeys(
  angles: readonly number[],
  limit: number,
  reserved: readonly number[] = [],
  minGap = LABEL_MIN_GAP,
): Set<number> {
  const kept: number[] = [];
  const chosen = new Set<number>();
  for (let index = angles.length - 1; index >= 0 && chosen.size < limit; index--) {
    const angle = angles[index]!;
    if ([...reserved, ...kept].some((other) => angularDistance(angle, other) < minGap)) continue;
    kept.push(angle);
    chosen.add(index);
  }
  return chosen;
}
