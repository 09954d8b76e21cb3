// Shrinks a non-linearizable history to a short window that is still non-linearizable by itself,
// so that a person can read why. Both cuts are sound: if the whole history were linearizable, so
// would be every window cut this way, so a failing window is real evidence against the whole.
//
// - The prefix up to time T keeps what was invoked by T. An operation still running at T becomes
//   an unknown outcome (a read is dropped): after T it may or may not have taken effect.
// - The suffix from time T0 drops what completed before T0 and starts from any state the register
//   could have had at T0. An operation invoked before T0 becomes unknown: it may have taken effect
//   before T0, which the starting state then covers.
// Failing is monotone in both cuts (a longer window only adds constraints), so each is a binary
// search for the shortest window that still fails.
import { endOf, type Op, type RegisterState } from './history';
import { type CheckOptions, checkHistory, type Verdict } from './linearizability';

/** A register value no SET writes: it stands for every value that no read in the window sees. */
export const OTHER_VALUE = '\u0000some value no read saw';

export interface Window {
  readonly ops: readonly Op[];
  readonly initialStates: readonly RegisterState[];
  readonly fromMs: number;
  readonly toMs: number;
}

function unknown(op: Op, why: string): Op | null {
  if (op.kind === 'get') return null;
  if (op.outcome === 'unknown') return op;
  const { result: _result, ...rest } = op;
  return { ...rest, outcome: 'unknown', completeMs: null, error: why };
}

export function prefixUntil(ops: readonly Op[], untilMs: number): Op[] {
  const kept: Op[] = [];
  for (const op of ops) {
    if (op.invokeMs > untilMs) continue;
    const cut = endOf(op) > untilMs ? unknown(op, 'still running at the end of the window') : op;
    if (cut) kept.push(cut);
  }
  return kept;
}

export function suffixFrom(ops: readonly Op[], fromMs: number): Window {
  const kept: Op[] = [];
  const earlierValues = new Set<string>();
  for (const op of ops) {
    if (op.kind === 'set' && op.invokeMs < fromMs && op.value !== undefined) earlierValues.add(op.value);
    if (endOf(op) <= fromMs) continue;
    const cut = op.invokeMs < fromMs ? unknown(op, 'invoked before the window') : op;
    if (cut) kept.push(cut);
  }
  // The state at T0 is null or a value written before T0; only values a read in the window sees
  // are told apart, the rest behave alike and OTHER_VALUE stands for them.
  const initialStates: RegisterState[] = [null, OTHER_VALUE];
  for (const op of kept) {
    if (op.kind === 'get' && typeof op.result === 'string' && earlierValues.has(op.result)) {
      if (!initialStates.includes(op.result)) initialStates.push(op.result);
    }
  }
  return { ops: kept, initialStates, fromMs, toMs: Number.POSITIVE_INFINITY };
}

function fails(window: Window, options: CheckOptions): boolean {
  const verdict: Verdict = checkHistory(window.ops, { ...options, initialStates: window.initialStates });
  return verdict.kind === 'violation';
}

/**
 * The shortest failing window of a history that fails from an empty register. Returns null if
 * the whole history does not fail (nothing to shrink) or a check was inconclusive.
 */
export function shrinkFailure(ops: readonly Op[], options: CheckOptions = {}): Window | null {
  const whole: Window = {
    ops,
    initialStates: [null],
    fromMs: Number.NEGATIVE_INFINITY,
    toMs: Number.POSITIVE_INFINITY,
  };
  if (!fails(whole, options)) return null;

  // Smallest T among the completion times of ok operations such that the prefix fails.
  const ends = [...new Set(ops.filter((op) => op.completeMs !== null).map((op) => op.completeMs as number))].sort(
    (a, b) => a - b,
  );
  let lo = 0;
  let hi = ends.length - 1;
  let prefix: Window = whole;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const untilMs = ends[mid]!;
    const candidate: Window = {
      ops: prefixUntil(ops, untilMs),
      initialStates: [null],
      fromMs: whole.fromMs,
      toMs: untilMs,
    };
    if (fails(candidate, options)) {
      prefix = candidate;
      hi = mid - 1;
    } else {
      lo = mid + 1;
    }
  }

  // Largest T0 among the invoke times such that the suffix of that prefix still fails.
  const starts = [...new Set(prefix.ops.map((op) => op.invokeMs))].sort((a, b) => a - b);
  lo = 0;
  hi = starts.length - 1;
  let window = prefix;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const fromMs = starts[mid]!;
    const candidate = { ...suffixFrom(prefix.ops, fromMs), toMs: prefix.toMs };
    if (fails(candidate, options)) {
      window = candidate;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return window;
}
