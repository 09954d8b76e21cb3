// Where things sit on the hash ring. A key belongs to the first token at or after its hash going
// clockwise (wrapping past the top), the rule the shared HashRing uses, so the arc a token owns
// runs from the previous token (exclusive) to itself (inclusive).
import type { RingView } from '../../../../shared/api';
import { type Point, polarPoint, TAU } from './point';

export interface TokenArc {
  readonly group: number;
  /** Radians, d3 convention. `endAngle - startAngle` is the arc's share of the circle times TAU. */
  readonly startAngle: number;
  readonly endAngle: number;
}

/** A hash's angle in [0, TAU): 0 at the top, clockwise. */
export function hashToAngle(hash: number, hashSpace: number): number {
  if (!(hashSpace > 0)) throw new RangeError(`hash space must be positive, got ${hashSpace}`);
  const wrapped = ((hash % hashSpace) + hashSpace) % hashSpace;
  return (wrapped / hashSpace) * TAU;
}

function sortedTokens(ring: RingView): RingView['tokens'] {
  return [...ring.tokens].sort((a, b) => a.hash - b.hash);
}

/**
 * One arc per token, in clockwise order. The first arc starts at the last token's angle minus TAU,
 * so the arcs are contiguous and together cover exactly one turn.
 */
export function tokenArcs(ring: RingView): TokenArc[] {
  const tokens = sortedTokens(ring);
  const last = tokens.at(-1);
  if (!last) return [];
  let previousAngle = hashToAngle(last.hash, ring.hashSpace) - TAU;
  return tokens.map((token) => {
    const endAngle = hashToAngle(token.hash, ring.hashSpace);
    const arc = { group: token.group, startAngle: previousAngle, endAngle };
    previousAngle = endAngle;
    return arc;
  });
}

/** Neighbouring arcs of the same group joined, so the ring draws one path per run instead of per token. */
export function mergeAdjacentArcs(arcs: readonly TokenArc[]): TokenArc[] {
  const merged: TokenArc[] = [];
  for (const arc of arcs) {
    const previous = merged.at(-1);
    if (previous && previous.group === arc.group && Math.abs(previous.endAngle - arc.startAngle) < 1e-12) {
      merged[merged.length - 1] = { ...previous, endAngle: arc.endAngle };
    } else {
      merged.push(arc);
    }
  }
  return merged;
}

/** The group whose token is the first at or after `hash`, clockwise; null for an empty ring. */
export function groupOfHash(ring: RingView, hash: number): number | null {
  const tokens = sortedTokens(ring);
  const owner = tokens.find((token) => token.hash >= hash) ?? tokens[0];
  return owner ? owner.group : null;
}

export interface KeyPlacement {
  readonly angle: number;
  readonly point: Point;
  readonly group: number | null;
}

export function placeHash(ring: RingView, hash: number, center: Point, radius: number): KeyPlacement {
  const angle = hashToAngle(hash, ring.hashSpace);
  return { angle, point: polarPoint(center, radius, angle), group: groupOfHash(ring, hash) };
}

/** Each group's share of the hash space, as a fraction; shown in the ring's legend. */
export function groupShares(ring: RingView): Map<number, number> {
  const shares = new Map<number, number>();
  for (const arc of tokenArcs(ring)) {
    shares.set(arc.group, (shares.get(arc.group) ?? 0) + (arc.endAngle - arc.startAngle) / TAU);
  }
  return shares;
}
