// What the monitor knows of one node's log: the term of each entry, rebuilt from `append` events
// alone (an append replaces everything from its first index on, as the WAL does). Index 0 is the
// empty start of every log, term 0.
import type { ClusterEvent } from '../../shared/api';

type AppendEvent = Extract<ClusterEvent, { type: 'append' }>;

export class LogTerms {
  /** terms[i] is the term of entry i; terms[0] = 0. */
  private readonly terms: number[] = [0];

  get lastIndex(): number {
    return this.terms.length - 1;
  }

  /** The term at `index`, or undefined when this log does not reach it (or never told us). */
  termAt(index: number): number | undefined {
    return index >= 0 && index < this.terms.length ? this.terms[index] : undefined;
  }

  /**
   * Applies an append; returns the indexes written, in order. An append that starts beyond our end
   * (we missed events, e.g. recovery from disk) leaves a hole of unknown terms, written as -1.
   */
  apply(event: AppendEvent): number[] {
    const first = event.index - event.count + 1;
    if (first < 1 || event.count < 1) return [];
    while (this.terms.length < first) this.terms.push(-1);
    this.terms.length = first;
    const runs = event.runs ?? [[first, event.term]];
    for (let index = first; index <= event.index; index++) this.terms.push(termOfRun(runs, index));
    const written: number[] = [];
    for (let index = first; index <= event.index; index++) written.push(index);
    return written;
  }

  /**
   * A (re)started node recovered entries 1..lastIndex from its disk: anything we saw beyond was never
   * durable, and what we never saw is there but of unknown term (-1).
   */
  recovered(lastIndex: number): void {
    if (lastIndex + 1 < this.terms.length) this.terms.length = Math.max(1, lastIndex + 1);
    while (this.terms.length <= lastIndex) this.terms.push(-1);
  }
}

function termOfRun(runs: readonly (readonly [number, number])[], index: number): number {
  let term = -1;
  for (const [start, runTerm] of runs) {
    if (start > index) break;
    term = runTerm;
  }
  return term;
}
