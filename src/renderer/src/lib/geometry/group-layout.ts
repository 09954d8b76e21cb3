// Where each group's circle and each node sit in the cluster diagram. Groups take cells of a grid
// to the right of the client glyph; each cell leaves room above for the group's title and the
// leader's crown, and below for the node labels, so neighbouring groups can never overlap.
import type { NodeId } from '../../../../shared/api';
import { type Point, polarPoint, TAU } from './point';

export interface NodePlacement extends Point {
  readonly id: NodeId;
  readonly angle: number;
}

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface GroupPlacement {
  readonly group: number;
  readonly center: Point;
  readonly radius: number;
  readonly nodeRadius: number;
  /** How much larger than normal the diagram's text is (presenter mode); labels are placed for it. */
  readonly textScale: number;
  readonly nodes: readonly NodePlacement[];
  /** The cell the group owns, labels included. */
  readonly cell: Box;
}

export interface DiagramLayout {
  readonly width: number;
  readonly height: number;
  readonly client: Point;
  readonly groups: readonly GroupPlacement[];
}

export const CELL_WIDTH = 410;
export const CELL_HEIGHT = 390;
const CLIENT_COLUMN_WIDTH = 120;
const TITLE_BAND = 34;
const GROUP_RADIUS = 95;
const MAX_NODE_RADIUS = 28;
/** Room for a node's label block: three short lines ("follower", "term 12", "vote 5003"). */
export const LABEL_LINE_HEIGHT = 14;
export const LABEL_LINES = 3;
export const LABEL_WIDTH = 72;
const LABEL_GAP = 8;

/** Columns for n groups: a row of up to three, then a grid. */
export function columnsFor(groupCount: number): number {
  if (groupCount <= 3) return Math.max(1, groupCount);
  return Math.ceil(Math.sqrt(groupCount));
}

/**
 * Presenter mode's text scale: the diagram's type this many times its normal size in viewBox
 * units. The cells grow to hold the larger labels, so the whole diagram shrinks on screen by less
 * than its text grows: at 1280x720 three groups of three still show labels of 18 px and more.
 */
export const PRESENTER_TEXT_SCALE = 3;
/** A node grows with its name's type, but less: its circle need only hold the port. */
const NODE_GROWTH_LIMIT = 1.75;
/** A port has at most five digits. */
const PORT_CHARS = 5;
/** The port inside a node grows with the text, up to what its circle holds. */
export function portScale(textScale: number): number {
  return Math.min(textScale, 2.8);
}

/** The largest node radius that keeps neighbours on the circle apart by at least a third of a node. */
export function nodeRadiusFor(nodeCount: number, groupRadius: number, textScale = 1): number {
  const largest = MAX_NODE_RADIUS * Math.min(textScale, NODE_GROWTH_LIMIT);
  if (nodeCount <= 1) return largest;
  const chord = 2 * groupRadius * Math.sin(Math.PI / nodeCount);
  return Math.min(largest, chord / 2.7);
}

/** The gap between a node and its label; a larger node needs a larger one to clear its corners. */
function labelGap(nodeRadius: number): number {
  return Math.max(LABEL_GAP, Math.round(nodeRadius * 0.3));
}

/** The label block's line height, width and height at a text scale. */
export function labelMetrics(textScale = 1): { lineHeight: number; width: number; height: number } {
  const lineHeight = LABEL_LINE_HEIGHT * textScale;
  return { lineHeight, width: LABEL_WIDTH * textScale, height: lineHeight * LABEL_LINES };
}

/** Nodes evenly on a circle, the first at the top, then clockwise. */
export function placeNodesOnCircle(ids: readonly NodeId[], center: Point, radius: number): NodePlacement[] {
  if (ids.length === 1) return [{ id: ids[0] ?? '', ...center, angle: 0 }];
  return ids.map((id, index) => {
    const angle = (index / ids.length) * TAU;
    return { id, angle, ...polarPoint(center, radius, angle) };
  });
}

/**
 * The group circle's radius: the normal one, or (with larger text) the smallest larger one at which
 * no node's label covers another node or label. Few nodes need no more room; five or seven do.
 */
export function groupRadiusFor(size: number, textScale = 1): number {
  if (textScale <= 1 || size <= 1) return GROUP_RADIUS;
  const ids = Array.from({ length: size }, (_, i) => String(i));
  const largest = MAX_NODE_RADIUS * Math.min(textScale, NODE_GROWTH_LIMIT);
  // Neighbours far enough apart for full-size nodes and for their ports (up to five digits) side by side.
  const portWidth = PORT_CHARS * 0.62 * 13 * portScale(textScale);
  const chordNeeded = Math.max(2.7 * largest, portWidth + 12);
  for (let radius = GROUP_RADIUS; radius < GROUP_RADIUS * 6; radius += 5) {
    if (2 * radius * Math.sin(Math.PI / size) < chordNeeded) continue;
    const nodeRadius = nodeRadiusFor(size, radius, textScale);
    const nodes = placeNodesOnCircle(ids, { x: 0, y: 0 }, radius);
    const labels = nodes.map((node) => placeNodeLabel(node, nodeRadius, textScale).box);
    const circles = nodes.map((node) => nodeBox(node, nodeRadius));
    const clear = labels.every((box, i) =>
      [...labels.filter((_, j) => j !== i), ...circles].every((other) => !boxesOverlap(box, other)),
    );
    if (clear) return radius;
  }
  return GROUP_RADIUS * 6;
}

/** `ids`: the groups' numbers when they are not 0..n-1 (a ring that lost or gained a group live). */
export function layoutDiagram(
  groups: readonly (readonly NodeId[])[],
  textScale = 1,
  ids?: readonly number[],
): DiagramLayout {
  const columns = columnsFor(groups.length);
  const rows = Math.max(1, Math.ceil(groups.length / columns));
  const label = labelMetrics(textScale);
  const largestNode = MAX_NODE_RADIUS * Math.min(textScale, NODE_GROWTH_LIMIT);
  const groupRadius = Math.max(GROUP_RADIUS, ...groups.map((members) => groupRadiusFor(members.length, textScale)));
  // A cell holds its circle, the nodes on it and their labels on every side, and a title band.
  const cellWidth = Math.max(
    CELL_WIDTH,
    Math.ceil(2 * (groupRadius + largestNode + labelGap(largestNode) + label.width)),
  );
  const titleBand = TITLE_BAND * Math.max(1, textScale * 0.7);
  const reachOf = (nodeRadius: number) => groupRadius + nodeRadius + labelGap(nodeRadius) + label.height;
  const cellHeight = Math.max(CELL_HEIGHT, Math.ceil(titleBand + 2 * reachOf(largestNode)));
  const placements = groups.map((members, index): GroupPlacement => {
    const group = ids?.[index] ?? index;
    const column = index % columns;
    const row = Math.floor(index / columns);
    const cell: Box = {
      x: CLIENT_COLUMN_WIDTH + column * cellWidth,
      y: row * cellHeight,
      width: cellWidth,
      height: cellHeight,
    };
    const nodeRadius = nodeRadiusFor(members.length, groupRadius, textScale);
    const center = { x: cell.x + cell.width / 2, y: cell.y + titleBand + reachOf(nodeRadius) };
    return {
      group,
      center,
      radius: groupRadius,
      nodeRadius,
      textScale,
      nodes: placeNodesOnCircle(members, center, groupRadius),
      cell,
    };
  });
  const width = CLIENT_COLUMN_WIDTH + columns * cellWidth;
  const height = rows * cellHeight;
  const firstRowMiddle = placements[0]?.center.y ?? height / 2;
  return { width, height, client: { x: CLIENT_COLUMN_WIDTH / 2, y: firstRowMiddle }, groups: placements };
}

export type TextAnchor = 'start' | 'middle' | 'end';

export interface LabelPlacement {
  readonly x: number;
  /** The baseline of the first line; later lines follow LABEL_LINE_HEIGHT apart. */
  readonly firstBaseline: number;
  readonly anchor: TextAnchor;
  readonly box: Box;
}

/**
 * A node's label block sits just outside the node, pointing away from the group's centre, so
 * labels never cover the links inside the circle or each other.
 */
export function placeNodeLabel(node: NodePlacement, nodeRadius: number, textScale = 1): LabelPlacement {
  const label = labelMetrics(textScale);
  const dx = Math.sin(node.angle);
  const dy = -Math.cos(node.angle);
  const gap = labelGap(nodeRadius);
  const x = node.x + dx * (nodeRadius + gap);
  const y = node.y + dy * (nodeRadius + gap);
  const anchor: TextAnchor = dx > 0.35 ? 'start' : dx < -0.35 ? 'end' : 'middle';
  const top = dy < -0.35 ? y - label.height : dy > 0.35 ? y : y - label.height / 2;
  const left = anchor === 'start' ? x : anchor === 'end' ? x - label.width : x - label.width / 2;
  return {
    x,
    firstBaseline: top + label.lineHeight - 3 * textScale,
    anchor,
    box: { x: left, y: top, width: label.width, height: label.height },
  };
}

export function nodeBox(node: Point, nodeRadius: number): Box {
  return { x: node.x - nodeRadius, y: node.y - nodeRadius, width: 2 * nodeRadius, height: 2 * nodeRadius };
}

export function boxesOverlap(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

export function boxInside(inner: Box, outer: Box): boolean {
  return (
    inner.x >= outer.x &&
    inner.y >= outer.y &&
    inner.x + inner.width <= outer.x + outer.width &&
    inner.y + inner.height <= outer.y + outer.height
  );
}
