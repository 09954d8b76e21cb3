import { describe, expect, it } from 'vitest';
import { entrySizeBytes, RaftLog } from '../../src/shared/raft/log';
import { entry, logOfTerms } from './helpers';

const ZERO = { index: 0, term: 0 };

function logOf(terms: number[], committed = 0, applied = 0): RaftLog {
  return new RaftLog(ZERO, logOfTerms(terms), committed, applied);
}

const noTruncate = () => {
  throw new Error('unexpected truncation');
};

describe('RaftLog', () => {
  it('knows the term of each index, of the snapshot point, and nothing beyond', () => {
    const log = new RaftLog({ index: 5, term: 2 }, [entry(6, 2), entry(7, 3)], 5, 5);
    expect([log.firstIndex(), log.lastIndex(), log.lastTerm()]).toEqual([6, 7, 3]);
    expect([log.term(4), log.term(5), log.term(6), log.term(7), log.term(8)]).toEqual([undefined, 2, 2, 3, undefined]);
    expect(log.matchTerm(7, 3)).toBe(true);
    expect(log.matchTerm(7, 2)).toBe(false);
  });

  it('refuses a stored log with a gap, a term that falls, or a commit beyond its end', () => {
    expect(() => new RaftLog(ZERO, [entry(1, 1), entry(3, 1)], 0, 0)).toThrow(/gap/);
    expect(() => new RaftLog(ZERO, [entry(1, 2), entry(2, 1)], 0, 0)).toThrow(/below/);
    expect(() => new RaftLog(ZERO, [entry(1, 1)], 2, 0)).toThrow(/commit 2/);
    expect(() => new RaftLog(ZERO, [entry(1, 1)], 1, 2)).toThrow(/applied 2/);
  });

  it('compares logs as §5.4.1 says: last term first, then length', () => {
    const log = logOf([1, 2, 2]);
    expect(log.isUpToDate(3, 2)).toBe(true);
    expect(log.isUpToDate(2, 2)).toBe(false);
    expect(log.isUpToDate(1, 3)).toBe(true);
    expect(log.isUpToDate(9, 1)).toBe(false);
  });

  it('appends after a matching prev entry and reports the last new index', () => {
    const log = logOf([1]);
    expect(log.appendFromLeader(1, 1, [entry(2, 1), entry(3, 2)], noTruncate)).toBe(3);
    expect(log.lastIndex()).toBe(3);
  });

  it('refuses when prev does not match, changing nothing', () => {
    const log = logOf([1, 1]);
    expect(log.appendFromLeader(2, 2, [entry(3, 2)], noTruncate)).toBeNull();
    expect(log.appendFromLeader(5, 1, [], noTruncate)).toBeNull();
    expect(log.lastIndex()).toBe(2);
  });

  it('truncates from the first conflicting entry only, announcing where', () => {
    const log = logOf([1, 1, 1, 1]);
    const cuts: number[] = [];
    expect(log.appendFromLeader(1, 1, [entry(2, 1), entry(3, 2)], (i) => cuts.push(i))).toBe(3);
    expect(cuts).toEqual([3]);
    expect(log.slice(1, 10).map((e) => e.term)).toEqual([1, 1, 2]);
  });

  it('keeps a longer matching suffix when a shorter duplicate arrives', () => {
    const log = logOf([1, 1, 1, 1]);
    expect(log.appendFromLeader(0, 0, [entry(1, 1), entry(2, 1)], noTruncate)).toBe(2);
    expect(log.lastIndex()).toBe(4);
  });

  it('never truncates a committed entry', () => {
    const log = logOf([1, 1, 1], 2);
    expect(() => log.appendFromLeader(1, 1, [entry(2, 2)], noTruncate)).toThrow(/committed/);
  });

  it('refuses a malformed batch before changing anything', () => {
    const log = logOf([1, 1]);
    expect(() => log.appendFromLeader(1, 1, [entry(2, 1), entry(4, 1)], noTruncate)).toThrow(/consecutive/);
    expect(() => log.appendFromLeader(1, 1, [entry(2, 2), entry(3, 1)], noTruncate)).toThrow(/below/);
    expect(log.slice(1, 10).map((e) => e.term)).toEqual([1, 1]);
  });

  it('lets a leader only extend its log', () => {
    const log = logOf([1, 2]);
    log.appendAsLeader([entry(3, 2)]);
    expect(() => log.appendAsLeader([entry(3, 3)])).toThrow(/would not extend/);
    expect(() => log.appendAsLeader([entry(4, 1)])).toThrow(/term 1/);
  });

  it('finds where a term starts and ends by binary search', () => {
    const log = logOf([1, 1, 2, 2, 2, 4, 4, 5]);
    expect(log.firstIndexOfTerm(2, 5)).toBe(3);
    expect(log.firstIndexOfTerm(4, 7)).toBe(6);
    expect(log.firstIndexOfTerm(1, 2)).toBe(1);
    expect(log.lastIndexOfTerm(2)).toBe(5);
    expect(log.lastIndexOfTerm(4)).toBe(7);
    expect(log.lastIndexOfTerm(3)).toBe(0);
    expect(log.lastIndexOfTerm(9)).toBe(0);
  });

  it('slices within bounds, clipped to what it holds', () => {
    const log = logOf([1, 1, 1]);
    expect(log.slice(0, 99).map((e) => e.index)).toEqual([1, 2, 3]);
    expect(log.slice(2, 3).map((e) => e.index)).toEqual([2]);
    expect(log.slice(3, 2)).toEqual([]);
  });

  it('bounds a slice by count and bytes, but always yields one entry', () => {
    const big = new Uint8Array(1000);
    const log = new RaftLog(
      ZERO,
      [1, 2, 3, 4].map((i) => ({ index: i, term: 1, type: 'normal' as const, data: big })),
      0,
      0,
    );
    const size = entrySizeBytes(log.entry(1)!);
    expect(log.sliceBounded(1, 10, size * 2).map((e) => e.index)).toEqual([1, 2]);
    expect(log.sliceBounded(1, 3, 1_000_000).map((e) => e.index)).toEqual([1, 2, 3]);
    expect(log.sliceBounded(2, 10, 1).map((e) => e.index)).toEqual([2]);
    expect(log.sliceBounded(5, 10, 1)).toEqual([]);
  });

  it('hands out unstable entries once and counts them durable only when the host says so', () => {
    const log = logOf([1]);
    log.appendAsLeader([entry(2, 1), entry(3, 1)]);
    expect(log.hasUnstable()).toBe(true);
    expect(log.takeUnstable().map((e) => e.index)).toEqual([2, 3]);
    expect(log.hasUnstable()).toBe(false);
    expect(log.persistedIndex).toBe(1);
    log.stableTo(3, 1);
    expect(log.persistedIndex).toBe(3);
  });

  it('ignores durability news for entries truncated since they were handed out', () => {
    const log = logOf([1]);
    log.appendFromLeader(1, 1, [entry(2, 1), entry(3, 1)], noTruncate);
    log.takeUnstable();
    log.appendFromLeader(1, 1, [entry(2, 2)], () => {});
    log.stableTo(3, 1);
    expect(log.persistedIndex).toBe(1);
    expect(log.takeUnstable().map((e) => [e.index, e.term])).toEqual([[2, 2]]);
  });

  it('commits forward only, never beyond its end, and applies no further than commit', () => {
    const log = logOf([1, 1, 1]);
    expect(log.commitTo(2)).toBe(true);
    expect(log.commitTo(1)).toBe(false);
    expect(log.committed).toBe(2);
    expect(() => log.commitTo(4)).toThrow(/beyond/);
    expect(log.nextCommitted(10).map((e) => e.index)).toEqual([1, 2]);
    expect(log.nextCommitted(1).map((e) => e.index)).toEqual([1]);
    log.appliedTo(2);
    expect(log.hasNextCommitted()).toBe(false);
    expect(() => log.appliedTo(3)).toThrow(/pass commit/);
    expect(() => log.appliedTo(1)).toThrow(/move back/);
  });
});
