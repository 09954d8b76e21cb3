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
      if (node.applied > node.commit) fail(node.id, `applied ${node.applied} > commit ${node.commit}`);
      if (node.commit > node.lastIndex) fail(node.id, `commit ${node.commit} > last index ${node.lastIndex}`);
      const before = this.lastCommit.get(node.id) ?? 0;
      if (node.commit < before) fail(node.id, `commit went back from ${before} to ${node.commit}`);
      this.lastCommit.set(node.id, node.commit);
      if (!node.savePending && (node.lastIndex !== node.diskLastIndex || node.lastTerm !== node.diskLastTerm)) {
        const disk = `${node.diskLastIndex}@${node.diskLastTerm}`;
        fail(node.id, `log ends at ${node.lastIndex}@${node.lastTerm} but its disk at ${disk}`);
      }
    }
  }
}

function fail(node: NodeId, detail: string): never {
  throw new InvariantViolation('Commit Bounds', `${node}: ${detail}`);
}
