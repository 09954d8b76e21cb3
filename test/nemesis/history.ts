// One key-value operation as a client saw it: when it was invoked and when (if ever) it completed,
// on the monotonic clock, and what came back. This is the input of the linearizability checker.

export type OpKind = 'set' | 'get' | 'del';

/**
 * `ok`: the reply came and says what happened. `unknown`: a write whose reply never came or was an
 * error (timeout, -TRYAGAIN, connection lost): it may have taken effect at any time after its
 * invoke, or never. A read that failed says nothing and is left out of the history instead.
 */
export type Outcome = 'ok' | 'unknown';

export interface Op {
  readonly id: number;
  readonly client: number;
  /** The node the client sent it to. */
  readonly node: string;
  readonly key: string;
  readonly kind: OpKind;
  /** A SET's value; every SET of a run writes a value no other SET writes. */
  readonly value?: string;
  /** performance.now() just before the command was written. */
  readonly invokeMs: number;
  /** performance.now() when the reply arrived; null when the outcome is unknown. */
  readonly completeMs: number | null;
  readonly outcome: Outcome;
  /** A GET's value (null for nil) or a DEL's count; absent for SET and unknown outcomes. */
  readonly result?: string | null | number;
  /** What made the outcome unknown. */
  readonly error?: string;
}

/** The register's state: the key's value, or null when it does not exist. */
export type RegisterState = string | null;

/** End time used by the checker: an unknown outcome stays open for ever. */
export function endOf(op: Op): number {
  return op.completeMs ?? Number.POSITIVE_INFINITY;
}

export function describeOp(op: Op, originMs = 0): string {
  const at = (ms: number) => ((ms - originMs) / 1000).toFixed(3);
  const end = op.completeMs === null ? '       ?' : at(op.completeMs).padStart(8);
  const call = op.kind === 'set' ? `SET ${op.key} ${op.value}` : op.kind === 'get' ? `GET ${op.key}` : `DEL ${op.key}`;
  const result =
    op.outcome === 'unknown'
      ? `unknown (${op.error ?? 'no reply'})`
      : op.kind === 'set'
        ? 'OK'
        : op.kind === 'get'
          ? op.result === null
            ? 'nil'
            : JSON.stringify(op.result)
          : `(integer) ${op.result}`;
  return `${at(op.invokeMs).padStart(8)} ${end}  c${String(op.client).padEnd(3)} ${op.node.padEnd(16)} ${call} -> ${result}`;
}
