import { describe, expect, it } from 'vitest';
import { columnCount, logWindow, needsSnapshotSlot, progressMarkers, snapshotBlock, stripCells } from './log-window';

function entries(from: number, to: number, term = 1) {
  return Array.from({ length: to - from + 1 }, (_, i) => ({ index: from + i, term, command: `SET k${from + i} v` }));
}

describe('log strip window', () => {
  it('spans the union of the tails when it fits', () => {
    const window = logWindow([{ log: entries(3, 10) }, { log: entries(1, 7) }], 50);
    expect(window).toEqual({ firstIndex: 1, lastIndex: 10 });
    expect(columnCount(window)).toBe(10);
  });

  it('keeps only the newest columns of a long log', () => {
    const window = logWindow([{ log: entries(1, 500) }], 40);
    expect(window).toEqual({ firstIndex: 461, lastIndex: 500 });
  });

  it('is empty when no node has entries', () => {
    const window = logWindow([{ log: [] }, { log: [] }], 40);
    expect(columnCount(window)).toBe(0);
  });

  it('lines each entry up in the column of its index, leaving gaps where a node lacks it', () => {
    const window = { firstIndex: 5, lastIndex: 9 };
    const cells = stripCells({ log: entries(6, 7, 3), lastLogIndex: 7, commitIndex: 6 }, window);
    expect(cells.map((cell) => cell?.index ?? null)).toEqual([null, 6, 7, null, null]);
    expect(cells[1]).toMatchObject({ term: 3, committed: true });
    expect(cells[2]?.committed).toBe(false);
  });

  it('drops entries that fall outside the window', () => {
    const cells = stripCells(
      { log: entries(1, 20), lastLogIndex: 20, commitIndex: 20 },
      { firstIndex: 18, lastIndex: 20 },
    );
    expect(cells.map((cell) => cell?.index)).toEqual([18, 19, 20]);
  });
});

describe("leader's progress markers", () => {
  it('put matchIndex on its entry and nextIndex one past it', () => {
    const markers = progressMarkers({ match: 7, next: 8, state: 'replicate' }, { firstIndex: 5, lastIndex: 10 });
    expect(markers).toEqual({ match: 7, next: 8, matchColumn: 2, nextColumn: 3 });
  });

  it('allow nextIndex one past the newest entry but not further', () => {
    const window = { firstIndex: 5, lastIndex: 10 };
    expect(progressMarkers({ match: 10, next: 11, state: 'replicate' }, window)?.nextColumn).toBe(6);
    expect(progressMarkers({ match: 3, next: 12, state: 'probe' }, window)).toMatchObject({
      matchColumn: null,
      nextColumn: null,
    });
  });

  it('show no match marker for a follower that matches nothing yet, and nothing without progress', () => {
    expect(
      progressMarkers({ match: 0, next: 5, state: 'probe' }, { firstIndex: 1, lastIndex: 9 })?.matchColumn,
    ).toBeNull();
    expect(progressMarkers(undefined, { firstIndex: 1, lastIndex: 9 })).toBeNull();
  });
});

describe('snapshot block (the compacted prefix)', () => {
  const compacted = { snapshotIndex: 7911, snapshotTerm: 3, firstLogIndex: 2912 };

  it('labels the block with the snapshot, whatever the distance to the tail the strip shows', () => {
    expect(snapshotBlock(compacted)).toEqual({ index: 7911, term: 3, compactedThrough: 2911 });
    expect(snapshotBlock({ snapshotIndex: 120, firstLogIndex: 101 })).toEqual({
      index: 120,
      term: null,
      compactedThrough: 100,
    });
  });

  it('draws nothing, and needs no slot, for nodes that compacted nothing (a snapshot with the whole log kept)', () => {
    expect(snapshotBlock({})).toBeNull();
    expect(snapshotBlock({ snapshotIndex: 60, firstLogIndex: 1 })).toBeNull();
    expect(needsSnapshotSlot([{}, { snapshotIndex: 60, firstLogIndex: 1 }])).toBe(false);
    expect(needsSnapshotSlot([{}, compacted])).toBe(true);
  });

  it('leaves no entry cell for an index before the first held one, even if a tail still lists it', () => {
    const window = { firstIndex: 98, lastIndex: 103 };
    const cells = stripCells(
      { log: entries(99, 103), lastLogIndex: 103, commitIndex: 103, snapshotIndex: 120, firstLogIndex: 101 },
      window,
    );
    expect(cells.map((cell) => cell?.index ?? null)).toEqual([null, null, null, 101, 102, 103]);
  });
});
