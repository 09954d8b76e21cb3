import { describe, expect, it } from 'vitest';
import { heldMessageView, nextToStep } from './held-messages';

describe('held messages', () => {
  it('are stepped oldest first by id, whatever order the links list them in', () => {
    const held = [{ id: 7 }, { id: 3 }, { id: 9 }, { id: 4 }];
    expect(nextToStep(held, 2)).toEqual([3, 4]);
    expect(nextToStep(held, 10)).toEqual([3, 4, 7, 9]);
    expect(nextToStep(held, 0)).toEqual([]);
  });

  it('show every field for the inspector, entries as index/term', () => {
    const entries = Array.from({ length: 10 }, (_, i) => ({
      index: i + 5,
      term: 2,
      type: 'normal' as const,
      data: new Uint8Array(),
    }));
    const view = heldMessageView({
      id: 12,
      message: { type: 'App', from: 'a:1', to: 'b:2', term: 2, prevLogIndex: 4, prevLogTerm: 1, entries, commit: 3 },
    });
    expect(view).toEqual({
      id: 12,
      kind: 'App',
      from: 'a:1',
      to: 'b:2',
      term: 2,
      fields: {
        prevLogIndex: 4,
        prevLogTerm: 1,
        commit: 3,
        entries: 10,
        entryTerms: '5/2 6/2 7/2 8/2 9/2 10/2 11/2 12/2 …',
      },
    });
  });
});
