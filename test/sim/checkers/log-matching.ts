// Log Matching (Raft Figure 3): if two logs hold an entry with the same index and term, the logs
// are identical up to that index. Checked incrementally: every (index, term) ever written is
// remembered with its content and the term before it, and every later copy must agree on both.
// By induction on the index, that makes the whole prefixes equal.
import type { Entry } from '../../../src/shared/raft/types';
import type { Checker } from './checker';
import { type ClusterModel, describeEntry, type LogWrite, sameEntry } from './model';
import { InvariantViolation } from './violation';

export class LogMatching implements Checker {
  private readonly seen = new Map<string, { entry: Entry; previousTerm: number; node: string }>();

  afterLogWrite(write: LogWrite, model: ClusterModel): void {
    for (const entry of write.entries) {
      const previousTerm = model.termAt(write.node, entry.index - 1);
      const key = `${entry.index}@${entry.term}`;
      const first = this.seen.get(key);
      if (first === undefined) {
        this.seen.set(key, { entry, previousTerm, node: write.node });
        continue;
      }
      if (!sameEntry(first.entry, entry)) {
        throw new InvariantViolation(
          'Log Matching',
          `index ${entry.index} term ${entry.term} holds ${describeEntry(first.entry)} on ${first.node} but ${describeEntry(entry)} on ${write.node}`,
        );
      }
      if (first.previousTerm !== previousTerm) {
        throw new InvariantViolation(
          'Log Matching',
          `${key} follows an entry of term ${first.previousTerm} on ${first.node} but of term ${previousTerm} on ${write.node}`,
        );
      }
    }
  }
}
