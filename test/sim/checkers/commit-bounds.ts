// Bookkeeping every node must keep straight after each step: applied <= commit <= lastIndex, the
// commit index of a running core never goes back, and once a Ready is carried out the core's log
// ends where its disk does (nothing left unpersisted, nothing invented).
import type { NodeId } from '../../../src/shared/raft/types';
import type { StepSnapshot } from '../../harness/history';
import type { Checker } from './checker';
import { InvariantViolation } from './violation';

export class CommitBounds implements Checker {
  private readonly lastCommit = new Map<NodeId, number>();

  onCrashOrRestart(node: NodeId): void {
    this.lastCommit.delete(node);
  }

  afterStep(snapshot: StepSnapshot): void {
    for (const node of snapshot.nodes) {
      if (!node.alive) continue;
      const fail = (detail: string) => {
        throw new InvariantViolation('Commit Bounds', `${node.id}: ${detail}`);
      };
      if (node.applied > node.commit) fail(`applied ${node.applied} > commit ${node.commit}`);
      if (node.commit > node.lastIndex) fail(`commit ${node.commit} > last index ${node.lastIndex}`);
      const before = this.lastCommit.get(node.id) ?? 0;
      if (node.commit < before) fail(`commit went back from ${before} to ${node.commit}`);
      this.lastCommit.set(node.id, node.commit);
      if (node.lastIndex !== node.diskLastIndex || node.lastTerm !== node.diskLastTerm) {
        fail(
          `log ends at ${node.lastIndex}@${node.lastTerm} but its disk at ${node.diskLastIndex}@${node.diskLastTerm}`,
        );
      }
    }
  }
}
