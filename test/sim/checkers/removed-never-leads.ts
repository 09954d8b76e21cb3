// A removed node never becomes leader of the group it left (issue 12; thesis §4.2.2). Once the
// config entry removing a node is known committed, every later leader holds it (Leader
// Completeness); a node whose log holds its own removal does not campaign, and voters refuse a
// stranger's vote requests, so it can never win again. (A node added back later would be a new
// member; the simulator never re-adds one.)
import { decodeConfChange } from '../../../src/shared/raft/conf-change';
import type { Entry, NodeId } from '../../../src/shared/raft/types';
import type { Checker } from './checker';
import type { ClusterModel } from './model';
import { InvariantViolation } from './violation';

export class RemovedNeverLeads implements Checker {
  /** Removed node -> the index of the committed entry that removed it. */
  private readonly removedAt = new Map<NodeId, number>();

  onCommitted(entry: Entry, _observedInTerm: number, _model: ClusterModel): void {
    if (entry.type !== 'config') return;
    const change = decodeConfChange(entry.data);
    if (change.type === 'remove') this.removedAt.set(change.node, entry.index);
    else if (change.type === 'addLearner') this.removedAt.delete(change.node);
  }

  onLeader(node: NodeId, term: number): void {
    const index = this.removedAt.get(node);
    if (index === undefined) return;
    throw new InvariantViolation(
      'Removed Never Leads',
      `${node} became leader in term ${term}, though its removal (entry ${index}) is committed`,
    );
  }
}
