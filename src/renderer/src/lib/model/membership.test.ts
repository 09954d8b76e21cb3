import { describe, expect, it } from 'vitest';
import { diagramGroups, suggestNewNode } from './membership';

const partitions = [
  ['127.0.0.1:5001', '127.0.0.1:5002', '127.0.0.1:5003'],
  ['127.0.0.1:5004', '127.0.0.1:5005', '127.0.0.1:5006'],
];

describe('diagramGroups', () => {
  it('draws the bootstrap members until the membership changes', () => {
    const groups = partitions.map((members, id) => ({ id, leader: null, members, learners: [] }));
    expect(diagramGroups({ partitions, groups })).toEqual(partitions.map((members, id) => ({ id, members })));
  });

  it('keeps the bootstrap order, drops a removed node and appends joined ones (learners too)', () => {
    const groups = [
      {
        id: 0,
        leader: null,
        members: ['127.0.0.1:5001', '127.0.0.1:5003', '127.0.0.1:5007'],
        learners: ['127.0.0.1:5008'],
      },
      { id: 1, leader: null, members: partitions[1]!, learners: [] },
    ];
    expect(diagramGroups({ partitions, groups })[0]?.members).toEqual([
      '127.0.0.1:5001',
      '127.0.0.1:5003',
      '127.0.0.1:5007',
      '127.0.0.1:5008',
    ]);
  });

  it('draws nothing before the first snapshot', () => {
    expect(diagramGroups(null)).toEqual([]);
  });
});

describe('suggestNewNode', () => {
  it('offers the port after the highest in use', () => {
    expect(suggestNewNode({ partitions, nodes: [] })).toBe('127.0.0.1:5007');
    expect(suggestNewNode({ partitions, nodes: [{ id: '127.0.0.1:5010' }] as never })).toBe('127.0.0.1:5011');
  });
});
