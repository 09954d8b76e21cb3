// The nemesis' checker on hand-made histories: each kind of anomaly it exists to catch, and valid
// histories with concurrency and unknown outcomes that it must not flag.
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/shared/random';
import { endOf, type Op, type RegisterState } from './history';
import { applyOp, checkHistory } from './linearizability';
import { OTHER_VALUE, prefixUntil, shrinkFailure, suffixFrom } from './shrink';

let nextId = 0;
function op(
  kind: Op['kind'],
  invokeMs: number,
  completeMs: number | null,
  arg?: string | null | number,
  client = 0,
): Op {
  const base = { id: nextId++, client, node: 'n1', key: 'k', kind, invokeMs, completeMs };
  if (completeMs === null) {
    return { ...base, outcome: 'unknown', error: 'timeout', ...(kind === 'set' ? { value: arg as string } : {}) };
  }
  if (kind === 'set') return { ...base, outcome: 'ok', value: arg as string };
  return { ...base, outcome: 'ok', result: arg as string | null | number };
}
const set = (value: string, from: number, to: number | null, client = 0) => op('set', from, to, value, client);
const get = (value: string | null, from: number, to: number, client = 0) => op('get', from, to, value, client);
const del = (count: number | null, from: number, to: number | null) => op('del', from, to, count);
const verdictOf = (ops: Op[]) => checkHistory(ops).kind;

describe('the checker catches', () => {
  it('a stale read: an older value read after a newer write completed', () => {
    expect(verdictOf([set('a', 0, 1), set('b', 2, 3), get('a', 4, 5)])).toBe('violation');
  });

  it('a lost write: an acknowledged SET that a later read does not see', () => {
    expect(verdictOf([set('a', 0, 1), get(null, 2, 3)])).toBe('violation');
    expect(verdictOf([get(null, 0, 1), set('a', 2, 3), get('a', 4, 5), get(null, 6, 7)])).toBe('violation');
  });

  it('a read of a value never written', () => {
    expect(verdictOf([get('z', 0, 1)])).toBe('violation');
    expect(verdictOf([set('a', 0, 1), set('b', 0, null), get('z', 2, 3)])).toBe('violation');
  });

  it('a read that sees a write before that write was invoked', () => {
    expect(verdictOf([get('a', 0, 1), set('a', 2, null)])).toBe('violation');
  });

  it('a value that flips back: once a read saw the new value, later reads cannot see the old one', () => {
    // Concurrent with the SET, either value may be read, but not new then old.
    expect(verdictOf([set('a', 0, 1), set('b', 2, 20), get('b', 3, 4), get('a', 5, 6)])).toBe('violation');
    expect(verdictOf([set('a', 0, null), get('a', 1, 2), get(null, 3, 4)])).toBe('violation');
  });

  it('two concurrent writes seen in an order that no linearization allows', () => {
    expect(verdictOf([set('a', 0, 10), set('b', 0, 10), get('a', 11, 12), get('b', 13, 14)])).toBe('violation');
  });

  it('a DEL count that does not match the state', () => {
    expect(verdictOf([set('a', 0, 1), del(0, 2, 3)])).toBe('violation');
    expect(verdictOf([del(1, 0, 1)])).toBe('violation');
    expect(verdictOf([set('a', 0, 1), del(1, 2, 3), del(1, 4, 5)])).toBe('violation');
    expect(verdictOf([set('a', 0, 1), del(1, 2, 3), get('a', 4, 5)])).toBe('violation');
  });
});

describe('the checker accepts', () => {
  it('a sequential history with SET, GET and DEL', () => {
    expect(
      verdictOf([get(null, 0, 1), set('a', 2, 3), get('a', 4, 5), del(1, 6, 7), get(null, 8, 9), del(0, 10, 11)]),
    ).toBe('linearizable');
  });

  it('reads concurrent with a write that see the old value, then the new one', () => {
    expect(verdictOf([set('a', 0, 1), set('b', 2, 10), get('a', 3, 4), get('b', 5, 6), get('b', 11, 12)])).toBe(
      'linearizable',
    );
  });

  it('concurrent writes in the order that needs backtracking to find', () => {
    // The search first tries a then b (call order), which the read refutes; b then a is valid.
    expect(verdictOf([set('a', 0, 10, 1), set('b', 0, 10), get('a', 11, 12)])).toBe('linearizable');
  });

  it('unknown writes that took effect late, or never', () => {
    expect(verdictOf([set('a', 0, null), get(null, 1, 2), get('a', 3, 4), get('a', 5, 6)])).toBe('linearizable');
    expect(verdictOf([set('a', 0, null), get(null, 1, 2), get(null, 3, 4)])).toBe('linearizable');
    expect(verdictOf([set('a', 0, 1), del(null, 2, null), get('a', 3, 4), get(null, 5, 6)])).toBe('linearizable');
  });

  it('a DEL concurrent with a SET, counted either way', () => {
    expect(verdictOf([set('a', 0, 10), del(0, 1, 2), get('a', 11, 12)])).toBe('linearizable');
    expect(verdictOf([set('a', 0, 10), del(1, 1, 2), get(null, 11, 12)])).toBe('linearizable');
    expect(verdictOf([set('a', 0, 1), set('b', 2, 10), del(1, 3, 4), get('b', 11, 12)])).toBe('linearizable');
  });

  it('ignores a failed read, which says nothing', () => {
    const failedRead: Op = { ...get('z', 2, 3), outcome: 'unknown', completeMs: null, error: 'timeout' };
    expect(verdictOf([set('a', 0, 1), failedRead, get('a', 4, 5)])).toBe('linearizable');
  });
});

describe('the search', () => {
  it('says inconclusive, not valid, when it runs out of steps', () => {
    const ops: Op[] = [];
    for (let i = 0; i < 12; i++) ops.push(set(`v${i}`, 0, 100));
    ops.push(get('nope', 101, 102));
    expect(checkHistory(ops, { maxSteps: 50 })).toEqual({ kind: 'inconclusive', steps: 50 });
  });

  it('stays fast on a long history with concurrency and unknown outcomes', () => {
    const ops: Op[] = [];
    for (let i = 0; i < 3000; i++) {
      const t = i * 10;
      ops.push(set(`v${i}`, t, t + 15, i % 4));
      if (i % 7 === 0) ops.push(set(`u${i}`, t + 1, null));
      ops.push(get(`v${i}`, t + 16, t + 18, 5));
    }
    expect(checkHistory(ops, { maxSteps: 2_000_000 }).kind).toBe('linearizable');
  });

  it('can start from any of several states', () => {
    expect(checkHistory([get('a', 0, 1)], { initialStates: [null, 'a'] }).kind).toBe('linearizable');
    expect(checkHistory([del(1, 0, 1)], { initialStates: [null, OTHER_VALUE] }).kind).toBe('linearizable');
  });
});

describe('shrinking', () => {
  it('cuts a long history down to the writes and the read that show a stale read', () => {
    const ops: Op[] = [];
    for (let i = 0; i < 200; i++) ops.push(set(`v${i}`, i * 10, i * 10 + 5), get(`v${i}`, i * 10 + 6, i * 10 + 8));
    const stale = get('v198', 2001, 2002);
    ops.push(stale);
    for (let i = 0; i < 50; i++) ops.push(get('v199', 2010 + i * 2, 2011 + i * 2));
    const window = shrinkFailure(ops);
    expect(window).not.toBeNull();
    expect(window!.ops.length).toBeLessThanOrEqual(4);
    expect(window!.ops).toContainEqual(stale);
    expect(checkHistory(window!.ops, { initialStates: window!.initialStates }).kind).toBe('violation');
  });

  it('has nothing to shrink in a linearizable history', () => {
    expect(shrinkFailure([set('a', 0, 1), get('a', 2, 3)])).toBeNull();
  });
});

/** Up to six operations on one key, at random times, with random replies: mostly not linearizable. */
function randomHistory(random: SeededRandom): Op[] {
  const ops: Op[] = [];
  const count = 1 + random.nextInt(6);
  for (let i = 0; i < count; i++) {
    const from = random.nextInt(20);
    const to = random.chance(0.2) ? null : from + 1 + random.nextInt(8);
    const roll = random.next();
    if (roll < 0.4) ops.push(set(`v${i}`, from, to));
    else if (roll < 0.8) ops.push(get(random.chance(0.3) ? null : `v${random.nextInt(count)}`, from, to ?? from + 3));
    else ops.push(del(to === null ? null : random.nextInt(2), from, to));
  }
  return ops;
}

describe('against a brute-force search', () => {
  // Every order of the operations that respects real time, each unknown write in or out: slow, but
  // obviously right, on small random histories.
  function bruteForce(ops: readonly Op[]): boolean {
    const history = ops.filter((o) => !(o.kind === 'get' && o.outcome !== 'ok'));
    const visit = (remaining: readonly Op[], state: RegisterState): boolean => {
      if (remaining.every((o) => o.outcome !== 'ok')) return true;
      return remaining.some((next) => {
        const blocked = remaining.some((other) => other !== next && endOf(other) < next.invokeMs);
        const result = blocked ? null : applyOp(state, next);
        return (
          result !== null &&
          visit(
            remaining.filter((o) => o !== next),
            result.next,
          )
        );
      });
    };
    return visit(history, null);
  }

  it('agrees on 3000 random small histories, valid and not', () => {
    const random = new SeededRandom(2024);
    let valid = 0;
    for (let round = 0; round < 3000; round++) {
      const ops = randomHistory(random);
      const expected = bruteForce(ops);
      if (expected) valid++;
      expect(checkHistory(ops).kind, JSON.stringify(ops)).toBe(expected ? 'linearizable' : 'violation');
    }
    // Both kinds were really exercised.
    expect(valid).toBeGreaterThan(300);
    expect(valid).toBeLessThan(2700);
  });

  it('every window the shrinker may cut fails only if the whole history fails', () => {
    // The shrinker's cuts are sound: a failing window is evidence against the whole history.
    const random = new SeededRandom(77);
    let failingCuts = 0;
    for (let round = 0; round < 1500; round++) {
      const ops = randomHistory(random);
      const wholeValid = bruteForce(ops);
      for (const untilMs of ops.flatMap((o) => (o.completeMs === null ? [] : [o.completeMs]))) {
        const prefix = prefixUntil(ops, untilMs);
        for (const fromMs of [Number.NEGATIVE_INFINITY, ...prefix.map((o) => o.invokeMs)]) {
          const window = suffixFrom(prefix, fromMs);
          if (checkHistory(window.ops, { initialStates: window.initialStates }).kind !== 'violation') continue;
          failingCuts++;
          expect(wholeValid, JSON.stringify({ ops, untilMs, fromMs })).toBe(false);
        }
      }
    }
    expect(failingCuts).toBeGreaterThan(1000);
  });
});
