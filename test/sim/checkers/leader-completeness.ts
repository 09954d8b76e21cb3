// Leader Completeness (Raft Figure 3): an entry committed in a term is present in the log of the
// leader of every later term. Checked when a node becomes leader (against every entry known to be
// committed by then) and whenever an entry becomes known committed (against the current leaders).
// The leader's log is the one it holds in memory: it may have won holding entries its save has not
// made durable yet, and it leads with them (seeds 101245 and 148018 once failed here when this
// checker read the disk only).
import type { Entry, NodeId } from '../../../src/shared/raft/types';
import type { Checker } from './checker';
import { type ClusterModel, describeEntry, sameEntry } from './model';
import { InvariantViolation } from './violation';

export class LeaderCompleteness implements Checker {
  onLeader(node: NodeId, term: number, model: ClusterModel): void {
    for (let index = 1; index <= model.committedCount; index++) {
      if (model.commitTerm(index) > term) continue;
      this.expectHeld(node, term, model.committed(index)!, model);
    }
  }

  onCommitted(entry: Entry, observedInTerm: number, model: ClusterModel): void {
    for (const leader of model.leaders()) {
      if (leader.term >= observedInTerm) this.expectHeld(leader.id, leader.term, entry, model);
    }
  }

  private expectHeld(node: NodeId, term: number, entry: Entry, model: ClusterModel): void {
    const held = model.memoryEntryAt(node, entry.index);
    if (held !== undefined && sameEntry(held, entry)) return;
    throw new InvariantViolation(
      'Leader Completeness',
      `leader ${node} of term ${term} lacks committed entry ${describeEntry(entry)}; it holds ${describeEntry(held)}`,
    );
  }
}
