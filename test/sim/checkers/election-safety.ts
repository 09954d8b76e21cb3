// Election Safety (Raft Figure 3): at most one leader can be elected in a given term, over the
// whole history, crashes and restarts included.
import type { NodeId } from '../../../src/shared/raft/types';
import type { Checker } from './checker';
import { InvariantViolation } from './violation';

export class ElectionSafety implements Checker {
  private readonly leaderOfTerm = new Map<number, NodeId>();

  onLeader(node: NodeId, term: number): void {
    const earlier = this.leaderOfTerm.get(term);
    if (earlier !== undefined && earlier !== node) {
      throw new InvariantViolation('Election Safety', `two leaders in term ${term}: ${earlier} and ${node}`);
    }
    this.leaderOfTerm.set(term, node);
  }
}
