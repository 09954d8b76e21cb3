// A committed entry stays on the disks of a majority forever: no truncation, on any node, may
// take it below a majority. (It may leave a minority node that a stale leader rewrote.)
import { quorumSize } from '../../../src/shared/raft/quorum';
import type { Entry } from '../../../src/shared/raft/types';
import type { Checker } from './checker';
import { type ClusterModel, describeEntry, type LogWrite, sameEntry } from './model';
import { InvariantViolation } from './violation';

export class CommittedDurability implements Checker {
  onCommitted(entry: Entry, _observedInTerm: number, model: ClusterModel): void {
    this.expectMajority(entry, model, 'became known committed');
  }

  afterLogWrite(write: LogWrite, model: ClusterModel): void {
    for (const removed of write.removed) {
      const committed = model.committed(removed.index);
      if (committed !== undefined && sameEntry(committed, removed)) {
        this.expectMajority(committed, model, `was removed from ${write.node}`);
      }
    }
  }

  /** On a majority of the voters of a configuration that could have committed it (model.votersFor). */
  private expectMajority(entry: Entry, model: ClusterModel, when: string): void {
    const sets = model.votersFor(entry.index);
    if (sets.some((voters) => model.replicas(entry, voters) >= quorumSize(voters.length))) return;
    const counts = sets.map(
      (voters) => `${model.replicas(entry, voters)} of the ${voters.length} voters ${voters.join(',')}`,
    );
    throw new InvariantViolation(
      'Committed Durability',
      `committed ${describeEntry(entry)} ${when} and is now on ${counts.join(' or ')}, fewer than a majority`,
    );
  }
}
