// Leader Append-Only (Raft Figure 3): a leader never overwrites or deletes entries in its log; it
// only appends. Checked on every write to its disk and on its last index after every step.
import type { NodeId } from '../../../src/shared/raft/types';
import type { StepSnapshot } from '../../harness/history';
import type { Checker } from './checker';
import { describeEntry, type LogWrite } from './model';
import { InvariantViolation } from './violation';

export class LeaderAppendOnly implements Checker {
  /** Per leader: the term it leads and the highest last index seen in that term. */
  private readonly reign = new Map<NodeId, { term: number; lastIndex: number }>();

  beforeLogWrite(write: LogWrite): void {
    if (write.role !== 'leader' || write.removed.length === 0) return;
    const lost = write.removed.map(describeEntry).join(', ');
    throw new InvariantViolation(
      'Leader Append-Only',
      `leader ${write.node} of term ${write.term} rewrote its log: lost ${lost}`,
    );
  }

  afterStep(snapshot: StepSnapshot): void {
    for (const node of snapshot.nodes) {
      if (!node.alive || node.role !== 'leader') {
        this.reign.delete(node.id);
        continue;
      }
      const before = this.reign.get(node.id);
      if (before !== undefined && before.term === node.term && node.lastIndex < before.lastIndex) {
        throw new InvariantViolation(
          'Leader Append-Only',
          `leader ${node.id} of term ${node.term} shrank its log from ${before.lastIndex} to ${node.lastIndex}`,
        );
      }
      this.reign.set(node.id, { term: node.term, lastIndex: node.lastIndex });
    }
  }
}
