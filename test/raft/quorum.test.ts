import { describe, expect, it } from 'vitest';
import { majorityValue, quorumSize, voteResult } from '../../src/shared/raft/quorum';

describe('quorum', () => {
  it('needs a strict majority', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(quorumSize)).toEqual([1, 2, 2, 3, 3, 4, 4]);
  });

  it('commits the highest index a majority has reached', () => {
    expect(majorityValue([5])).toBe(5);
    expect(majorityValue([5, 3])).toBe(3);
    expect(majorityValue([5, 3, 1])).toBe(3);
    expect(majorityValue([1, 5, 3, 2])).toBe(2);
    expect(majorityValue([9, 9, 1, 1, 1])).toBe(1);
    expect(majorityValue([9, 9, 8, 1, 1])).toBe(8);
  });

  it('does not reorder the values it is given', () => {
    const values = [1, 3, 2];
    majorityValue(values);
    expect(values).toEqual([1, 3, 2]);
  });

  it('tallies votes as won, lost or pending', () => {
    const voters = ['a', 'b', 'c', 'd'];
    const votes = new Map<string, boolean>([['a', true]]);
    expect(voteResult(voters, votes)).toBe('pending');
    votes.set('b', true);
    expect(voteResult(voters, votes)).toBe('pending');
    votes.set('c', false);
    expect(voteResult(voters, votes)).toBe('pending');
    votes.set('d', false);
    expect(voteResult(voters, votes)).toBe('lost');
    votes.set('d', true);
    expect(voteResult(voters, votes)).toBe('won');
  });

  it('ignores votes from nodes that are not voters', () => {
    expect(
      voteResult(
        ['a', 'b', 'c'],
        new Map([
          ['a', true],
          ['x', true],
          ['y', true],
        ]),
      ),
    ).toBe('pending');
  });
});
