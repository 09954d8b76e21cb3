// SVG paths for the ring's coloured arcs: one path per group, made of all its (merged) arcs, so
// a ring of a few thousand tokens is still a handful of DOM nodes.
import { arc } from 'd3';
import type { RingView } from '../../../../shared/api';
import { mergeAdjacentArcs, tokenArcs } from './ring-geometry';

export interface GroupArcPath {
  readonly group: number;
  readonly d: string;
}

const ringArc = arc<{ innerRadius: number; outerRadius: number; startAngle: number; endAngle: number }>();

export function groupArcPaths(ring: RingView, innerRadius: number, outerRadius: number): GroupArcPath[] {
  const parts = new Map<number, string[]>();
  for (const span of mergeAdjacentArcs(tokenArcs(ring))) {
    const d = ringArc({ innerRadius, outerRadius, startAngle: span.startAngle, endAngle: span.endAngle });
    if (!d) continue;
    const list = parts.get(span.group) ?? [];
    list.push(d);
    parts.set(span.group, list);
  }
  return [...parts.entries()].sort(([a], [b]) => a - b).map(([group, list]) => ({ group, d: list.join('') }));
}

/** A cheap fingerprint of a ring, to skip rebuilding its paths when a new snapshot carries the same ring. */
export function ringSignature(ring: RingView): string {
  const tokens = ring.tokens;
  const sample = [0, 1, Math.floor(tokens.length / 2), tokens.length - 1]
    .map((i) => (tokens[i] ? `${tokens[i].hash}/${tokens[i].group}` : ''))
    .join(',');
  return `${ring.hashSpace}:${tokens.length}:${sample}`;
}
