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
const LABEL_HEIGHT = LABEL_LINE_HEIGHT * LABEL_LINES;

/** Columns for n groups: a row of up to three, then a grid. */
export function columnsFor(groupCount: number): number {
  if (groupCount <= 3) return Math.max(1, groupCount);
  return Math.ceil(Math.sqrt(groupCount));
}

/** The largest node radius that keeps neighbours on the circle apart by at least a third of a node. */
export function nodeRadiusFor(nodeCount: number, groupRadius: number): number {
  if (nodeCount <= 1) return MAX_NODE_RADIUS;
  const chord = 2 * groupRadius * Math.sin(Math.PI / nodeCount);
  return Math.min(MAX_NODE_RADIUS, chord / 2.7);
}

/** Nodes evenly on a circle, the first at the top, then clockwise. */
export function placeNodesOnCircle(ids: readonly NodeId[], center: Point, radius: number): NodePlacement[] {
  if (ids.length === 1) return [{ id: ids[0] ?? '', ...center, angle: 0 }];
  return ids.map((id, index) => {
    const angle = (index / ids.length) * TAU;
    return { id, angle, ...polarPoint(center, radius, angle) };
  });
}

/** `ids`: the groups' numbers when they are not 0..n-1 (a ring that lost or gained a group live). */
export function layoutDiagram(groups: readonly (readonly NodeId[])[], ids?: readonly number[]): DiagramLayout {
  const columns = columnsFor(groups.length);
  const rows = Math.max(1, Math.ceil(groups.length / columns));
  const placements = groups.map((members, index): GroupPlacement => {
    const group = ids?.[index] ?? index;
    const column = index % columns;
    const row = Math.floor(index / columns);
    const cell: Box = {
      x: CLIENT_COLUMN_WIDTH + column * CELL_WIDTH,
      y: row * CELL_HEIGHT,
      width: CELL_WIDTH,
      height: CELL_HEIGHT,
    };
    const nodeRadius = nodeRadiusFor(members.length, GROUP_RADIUS);
    const reach = GROUP_RADIUS + nodeRadius + LABEL_GAP + LABEL_HEIGHT;
    const center = { x: cell.x + cell.width / 2, y: cell.y + TITLE_BAND + reach };
    return {
      group,
      center,
      radius: GROUP_RADIUS,
      nodeRadius,
      nodes: placeNodesOnCircle(members, center, GROUP_RADIUS),
      cell,
    };
  });
  const width = CLIENT_COLUMN_WIDTH + columns * CELL_WIDTH;
  const height = rows * CELL_HEIGHT;
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
export function placeNodeLabel(node: NodePlacement, nodeRadius: number): LabelPlacement {
  const dx = Math.sin(node.angle);
  const dy = -Math.cos(node.angle);
  const x = node.x + dx * (nodeRadius + LABEL_GAP);
  const y = node.y + dy * (nodeRadius + LABEL_GAP);
  const anchor: TextAnchor = dx > 0.35 ? 'start' : dx < -0.35 ? 'end' : 'middle';
  const top = dy < -0.35 ? y - LABEL_HEIGHT : dy > 0.35 ? y : y - LABEL_HEIGHT / 2;
  const left = anchor === 'start' ? x : anchor === 'end' ? x - LABEL_WIDTH : x - LABEL_WIDTH / 2;
  return {
    x,
    firstBaseline: top + LABEL_LINE_HEIGHT - 3,
    anchor,
    box: { x: left, y: top, width: LABEL_WIDTH, height: LABEL_HEIGHT },
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
