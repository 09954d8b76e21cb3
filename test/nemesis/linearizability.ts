// A linearizability checker for one key's history against a register with SET, GET and DEL: the
// Wing–Gong search as improved by Lowe ("Testing for linearizability", 2017), with memoisation of
// (set of linearized operations, register state), the approach Porcupine and Knossos also take.
//
// The search walks a list of call and return events in time order. At a call it tries to
// linearize that operation now (the model must accept it, and the resulting configuration must
// be new); at a return whose operation is not yet linearized it backtracks, since that operation
// had to take effect before it returned. An unknown outcome has its return at +infinity: it may
// take effect anywhere after its invoke, and "never" is the same as "at the very end", where
// every write is accepted. So the search succeeds as soon as every `ok` operation is linearized.
import { endOf, type Op, type RegisterState } from './history';

export type Verdict =
  | { readonly kind: 'linearizable' }
  | { readonly kind: 'violation' }
  /** The search hit its step bound first: no verdict. */
  | { readonly kind: 'inconclusive'; readonly steps: number };

export interface CheckOptions {
  /** The register's possible states before the first operation (default: the key does not exist). */
  readonly initialStates?: readonly RegisterState[];
  /** Search steps (linearization attempts) before giving up, over all initial states. */
  readonly maxSteps?: number;
}

export const DEFAULT_MAX_STEPS = 20_000_000;

/** What the register does with `op` in `state`: the next state, or null if `op`'s reply is impossible there. */
export function applyOp(state: RegisterState, op: Op): { readonly next: RegisterState } | null {
  switch (op.kind) {
    case 'set':
      return { next: op.value ?? '' };
    case 'get':
      return op.outcome === 'ok' && op.result !== state ? null : { next: state };
    case 'del':
      if (op.outcome === 'ok' && op.result !== (state === null ? 0 : 1)) return null;
      return { next: null };
  }
}

export function checkHistory(ops: readonly Op[], options: CheckOptions = {}): Verdict {
  const history = ops.filter((op) => !(op.kind === 'get' && op.outcome !== 'ok'));
  const budget = { left: options.maxSteps ?? DEFAULT_MAX_STEPS };
  const initial = options.initialStates ?? [null];
  for (const state of initial) {
    const found = search(history, state, budget);
    if (found === 'yes') return { kind: 'linearizable' };
    if (found === 'gave-up')
      return { kind: 'inconclusive', steps: (options.maxSteps ?? DEFAULT_MAX_STEPS) - budget.left };
  }
  return { kind: 'violation' };
}

interface Entry {
  readonly op: number;
  /** The call's return entry; null for a return. */
  readonly match: Entry | null;
  readonly time: number;
  prev: Entry | null;
  next: Entry | null;
}

function search(ops: readonly Op[], initial: RegisterState, budget: { left: number }): 'yes' | 'no' | 'gave-up' {
  const head = buildEntries(ops);
  let remainingOk = ops.filter((op) => op.outcome === 'ok').length;
  // Zobrist hashing of the linearized set: 2 x 32 random bits per operation, XOR-ed in and out.
  // A collision (odds about n^2 / 2^65) could only make the search skip a configuration.
  const zobrist = zobristTable(ops.length);
  let h1 = 0;
  let h2 = 0;
  const seen = new Set<string>();
  const stack: { entry: Entry; state: RegisterState }[] = [];
  let state = initial;
  let entry = head.next;
  while (entry !== null) {
    if (remainingOk === 0) return 'yes';
    if (entry.match !== null) {
      const op = ops[entry.op]!;
      const result = applyOp(state, op);
      if (result !== null) {
        if (budget.left <= 0) return 'gave-up';
        budget.left--;
        const n1 = h1 ^ zobrist[2 * entry.op]!;
        const n2 = h2 ^ zobrist[2 * entry.op + 1]!;
        const key = `${n1}:${n2}:${result.next === null ? '-' : `=${result.next}`}`;
        if (!seen.has(key)) {
          seen.add(key);
          stack.push({ entry, state });
          state = result.next;
          h1 = n1;
          h2 = n2;
          lift(entry);
          if (op.outcome === 'ok') remainingOk--;
          entry = head.next;
          continue;
        }
      }
      entry = entry.next;
    } else {
      // An operation returned before anything linearized it: undo the latest choice.
      const top = stack.pop();
      if (top === undefined) return 'no';
      state = top.state;
      h1 ^= zobrist[2 * top.entry.op]!;
      h2 ^= zobrist[2 * top.entry.op + 1]!;
      unlift(top.entry);
      if (ops[top.entry.op]!.outcome === 'ok') remainingOk++;
      entry = top.entry.next;
    }
  }
  return remainingOk === 0 ? 'yes' : 'no';
}

/** A doubly linked list (behind a sentinel head) of every call and return, in time order. */
function buildEntries(ops: readonly Op[]): Entry {
  const events: Entry[] = [];
  ops.forEach((op, index) => {
    const ret: Entry = { op: index, match: null, time: endOf(op), prev: null, next: null };
    events.push({ op: index, match: ret, time: op.invokeMs, prev: null, next: null }, ret);
  });
  // At equal times a call goes first: the two operations are then treated as concurrent.
  events.sort((a, b) => a.time - b.time || (a.match !== null ? 0 : 1) - (b.match !== null ? 0 : 1) || a.op - b.op);
  const head: Entry = { op: -1, match: null, time: Number.NEGATIVE_INFINITY, prev: null, next: null };
  let last = head;
  for (const event of events) {
    last.next = event;
    event.prev = last;
    last = event;
  }
  return head;
}

function lift(call: Entry): void {
  const ret = call.match!;
  call.prev!.next = call.next;
  if (call.next) call.next.prev = call.prev;
  ret.prev!.next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

function unlift(call: Entry): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next) ret.next.prev = ret;
  call.prev!.next = call;
  if (call.next) call.next.prev = call;
}

function zobristTable(count: number): Uint32Array {
  // Fixed seed: the table only needs to be random-looking, and a fixed one keeps checks repeatable.
  const table = new Uint32Array(2 * count);
  let x = 0x9e3779b9;
  for (let i = 0; i < table.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    table[i] = x >>> 0;
  }
  return table;
}
