// State Machine Safety (Raft Figure 3): if a server has applied a log entry at an index, no other
// server ever applies a different entry there. Each node must also apply in order, from its own
// log, only what is committed. (Two nodes committing different entries at one index is caught
// where commits are recorded, in the monitor.)
import type { Entry, NodeId } from '../../../src/shared/raft/types';
import type { Checker } from './checker';
import { type ClusterModel, describeEntry, sameEntry } from './model';
import { InvariantViolation } from './violation';

export class StateMachineSafety implements Checker {
  private readonly appliedAt: Entry[] = [];
  private readonly appliedBy: NodeId[] = [];
  private readonly lastApplied = new Map<NodeId, number>();

  onCrashOrRestart(node: NodeId): void {
    // A restarted node rebuilds its state machine from index 1, or from its snapshot (onSnapshotState).
    this.lastApplied.set(node, 0);
  }

  onSnapshotState(node: NodeId, index: number): void {
    this.lastApplied.set(node, index);
  }

  onApply(node: NodeId, entry: Entry, model: ClusterModel): void {
    const expected = (this.lastApplied.get(node) ?? 0) + 1;
    if (entry.index !== expected) {
      throw new InvariantViolation(
        'State Machine Safety',
        `${node} applied ${describeEntry(entry)} when ${expected} was next`,
      );
    }
    this.lastApplied.set(node, entry.index);
    // Its memory log: committed entries are applied while the save that makes them durable here runs.
    const own = model.memoryEntryAt(node, entry.index);
    if (own === undefined || !sameEntry(own, entry)) {
      throw new InvariantViolation(
        'State Machine Safety',
        `${node} applied ${describeEntry(entry)} but its log holds ${describeEntry(own)}`,
      );
    }
    const earlier = this.appliedAt[entry.index - 1];
    if (earlier === undefined) {
      this.appliedAt[entry.index - 1] = entry;
      this.appliedBy[entry.index - 1] = node;
    } else if (!sameEntry(earlier, entry)) {
      const other = this.appliedBy[entry.index - 1];
      throw new InvariantViolation(
        'State Machine Safety',
        `${other} applied ${describeEntry(earlier)} but ${node} applied ${describeEntry(entry)} at index ${entry.index}`,
      );
    }
  }
}
