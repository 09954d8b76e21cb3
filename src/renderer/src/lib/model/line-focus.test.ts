import { describe, expect, it } from 'vitest';
import { focusCovers, focusOfLine } from './line-focus';
import { shortNamer } from './node-names';

const ids = ['127.0.0.1:5001', '127.0.0.1:5002', '127.0.0.1:5003', '127.0.0.1:50011'];
const name = shortNamer(ids);

describe('what a narration line is about', () => {
  it('finds the nodes a line names, by whole names only', () => {
    expect(focusOfLine('5001 stepped down: it saw the higher term 5 from 5003', ids, name).nodes).toEqual([
      '127.0.0.1:5001',
      '127.0.0.1:5003',
    ]);
    expect(focusOfLine('50011 became leader for term 2', ids, name).nodes).toEqual(['127.0.0.1:50011']);
  });

  it('finds the log indexes it cites, single or ranges', () => {
    const repair = focusOfLine("5003 replaced entries 5–6 of term 2 with the leader's entries of term 3", ids, name);
    expect(repair.indexes).toEqual([{ from: 5, to: 6 }]);
    const refusal = focusOfLine(
      '5003 rejected AppendEntries at index 6 from 5001: its entry 6 has term 2, not 3',
      ids,
      name,
    );
    expect(refusal.nodes).toEqual(['127.0.0.1:5001', '127.0.0.1:5003']);
    expect(refusal.indexes).toEqual([
      { from: 6, to: 6 },
      { from: 6, to: 6 },
    ]);
    expect(focusOfLine('Split vote: 3 candidates in term 4', ids, name).indexes).toEqual([]);
  });

  it('covers a cell only of a focused node, within a cited range', () => {
    const focus = focusOfLine('5003 replaced entries 5–6 of term 2', ids, name);
    expect(focusCovers(focus, '127.0.0.1:5003', 5)).toBe(true);
    expect(focusCovers(focus, '127.0.0.1:5003', 7)).toBe(false);
    expect(focusCovers(focus, '127.0.0.1:5001', 5)).toBe(false);
    expect(focusCovers(null, '127.0.0.1:5003', 5)).toBe(false);
  });
});
