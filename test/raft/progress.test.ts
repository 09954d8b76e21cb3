import { describe, expect, it } from 'vitest';
import { Inflights } from '../../src/shared/raft/inflights';
import { Progress } from '../../src/shared/raft/progress';

describe('Inflights', () => {
  it('fills up to its capacity and frees every message at or below an acknowledged index', () => {
    const w = new Inflights(3);
    w.add(10);
    w.add(20);
    w.add(30);
    expect(w.full()).toBe(true);
    expect(() => w.add(40)).toThrow(/full/);
    w.freeLE(20);
    expect(w.count).toBe(1);
    w.freeLE(5);
    expect(w.count).toBe(1);
  });

  it('wraps around its ring without losing order', () => {
    const w = new Inflights(3);
    for (let i = 1; i <= 100; i++) {
      w.add(i);
      if (w.full()) w.freeLE(i - 1);
      expect(w.count).toBeLessThanOrEqual(3);
    }
    w.freeLE(99);
    expect(w.count).toBe(1);
    w.freeLE(100);
    expect(w.count).toBe(0);
  });

  it('refuses indexes that do not increase, and a capacity below one', () => {
    const w = new Inflights(4);
    w.add(5);
    expect(() => w.add(5)).toThrow(/does not follow/);
    expect(() => new Inflights(0)).toThrow(/positive/);
  });

  it('can give up its oldest slot', () => {
    const w = new Inflights(2);
    w.add(1);
    w.add(2);
    w.freeFirstOne();
    expect(w.full()).toBe(false);
    expect(w.count).toBe(1);
  });
});

describe('Progress', () => {
  it('in probe state sends one App and pauses until a reply', () => {
    const pr = new Progress(11, 8);
    expect(pr.isPaused()).toBe(false);
    pr.sentEntries(15);
    expect(pr.isPaused()).toBe(true);
    expect(pr.next).toBe(11);
    pr.maybeUpdate(15);
    expect(pr.isPaused()).toBe(false);
    expect([pr.match, pr.next]).toEqual([15, 16]);
  });

  it('in replicate state pipelines Apps until the inflight window is full', () => {
    const pr = new Progress(1, 2);
    pr.becomeReplicate();
    pr.sentEntries(5);
    pr.sentEntries(9);
    expect(pr.next).toBe(10);
    expect(pr.isPaused()).toBe(true);
    pr.maybeUpdate(5);
    expect(pr.isPaused()).toBe(false);
    expect(pr.inflights.count).toBe(1);
  });

  it('does not count an empty App in the window', () => {
    const pr = new Progress(1, 1);
    pr.becomeReplicate();
    pr.sentEntries(0);
    expect(pr.isPaused()).toBe(false);
  });

  it('ignores a stale rejection in probe state and backs off on the current one', () => {
    const pr = new Progress(21, 8);
    expect(pr.maybeDecreaseTo(30, 5)).toBe(false);
    expect(pr.maybeDecreaseTo(20, 12)).toBe(true);
    expect(pr.next).toBe(12);
  });

  it('in replicate state ignores rejections at or below match, and falls back to probe on others', () => {
    const pr = new Progress(1, 8);
    pr.maybeUpdate(10);
    pr.becomeReplicate();
    pr.sentEntries(20);
    expect(pr.maybeDecreaseTo(10, 3)).toBe(false);
    expect(pr.maybeDecreaseTo(20, 15)).toBe(true);
    expect(pr.state).toBe('probe');
    expect(pr.next).toBe(15);
    expect(pr.inflights.count).toBe(0);
  });

  it('never backs off to or below match', () => {
    const pr = new Progress(21, 8);
    pr.maybeUpdate(7);
    pr.next = 21;
    pr.maybeDecreaseTo(20, 2);
    expect(pr.next).toBe(8);
  });

  it('takes only news: a success below match changes nothing', () => {
    const pr = new Progress(1, 8);
    expect(pr.maybeUpdate(6)).toBe(true);
    expect(pr.maybeUpdate(4)).toBe(false);
    expect(pr.match).toBe(6);
  });
});
