import { describe, expect, it } from 'vitest';
import {
  boxesOverlap,
  boxInside,
  type DiagramLayout,
  layoutDiagram,
  nodeBox,
  PRESENTER_TEXT_SCALE,
  placeNodeLabel,
  placeNodesOnCircle,
} from './group-layout';
import { distance } from './point';

function groupsOf(count: number, size: number): string[][] {
  let port = 5001;
  return Array.from({ length: count }, () => Array.from({ length: size }, () => `127.0.0.1:${port++}`));
}

function everyBox(layout: DiagramLayout) {
  return layout.groups.map((group) =>
    group.nodes.flatMap((node) => [
      nodeBox(node, group.nodeRadius),
      placeNodeLabel(node, group.nodeRadius, group.textScale).box,
    ]),
  );
}

describe('nodes on a circle', () => {
  it('puts every node at the group radius, the first at the top, evenly spaced', () => {
    const center = { x: 100, y: 100 };
    const nodes = placeNodesOnCircle(['a', 'b', 'c', 'd'], center, 50);
    expect(nodes[0]).toMatchObject({ id: 'a', x: 100, y: 50 });
    for (const node of nodes) expect(distance(node, center)).toBeCloseTo(50);
    expect(nodes[1]?.x).toBeCloseTo(150);
    expect(nodes[2]?.y).toBeCloseTo(150);
  });

  it('puts a lone node at the centre', () => {
    expect(placeNodesOnCircle(['solo'], { x: 7, y: 9 }, 50)).toEqual([{ id: 'solo', x: 7, y: 9, angle: 0 }]);
  });
});

describe.each([
  ['normal', 1],
  ['presenter', PRESENTER_TEXT_SCALE],
])('diagram layout, %s text', (_mode, scale) => {
  for (let groupCount = 1; groupCount <= 5; groupCount++) {
    for (const size of [1, 3, 5, 7]) {
      it(`keeps ${groupCount} group(s) of ${size} apart, every glyph and label inside its own cell`, () => {
        const layout = layoutDiagram(groupsOf(groupCount, size), scale);
        expect(layout.groups).toHaveLength(groupCount);
        const boxes = everyBox(layout);
        layout.groups.forEach((group, index) => {
          expect(boxInside(group.cell, { x: 0, y: 0, width: layout.width, height: layout.height })).toBe(true);
          for (const box of boxes[index] ?? []) expect(boxInside(box, group.cell)).toBe(true);
          for (let other = index + 1; other < layout.groups.length; other++) {
            expect(boxesOverlap(group.cell, layout.groups[other]?.cell ?? group.cell)).toBe(false);
          }
        });
      });
    }
  }

  for (const size of [2, 3, 5, 7]) {
    it(`keeps the ${size} nodes of a group and their labels from covering one another`, () => {
      const [group] = layoutDiagram(groupsOf(1, size), scale).groups;
      if (!group) throw new Error('no group laid out');
      const nodeBoxes = group.nodes.map((node) => nodeBox(node, group.nodeRadius));
      const labelBoxes = group.nodes.map((node) => placeNodeLabel(node, group.nodeRadius, scale).box);
      for (let i = 0; i < size; i++) {
        for (let j = i + 1; j < size; j++) {
          const a = group.nodes[i];
          const b = group.nodes[j];
          if (!a || !b) throw new Error('missing node');
          expect(distance(a, b)).toBeGreaterThan(2 * group.nodeRadius);
          expect(boxesOverlap(labelBoxes[i] ?? nodeBoxes[0]!, labelBoxes[j] ?? nodeBoxes[0]!)).toBe(false);
        }
        for (let j = 0; j < size; j++) {
          expect(boxesOverlap(labelBoxes[i]!, nodeBoxes[j]!)).toBe(false);
        }
      }
    });
  }

  it('leaves the client column free on the left', () => {
    const layout = layoutDiagram(groupsOf(3, 3));
    for (const group of layout.groups) expect(group.cell.x).toBeGreaterThan(layout.client.x);
  });
});
