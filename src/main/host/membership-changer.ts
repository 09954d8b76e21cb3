// Runs one membership change of a group on its leader, as single-server steps (thesis §4.1):
// adding a node is "add it as a learner, wait until it has caught up, promote it", so that a new,
// empty voter never joins a quorum it would slow down (thesis §4.2.1); removing is one step.
//
// The core checks what it alone can know (a change pending, the last voter, no entry of its own
// term committed yet); this class checks the rest first so that a refusal names the problem in
// words a person understands, then waits on the committed membership, which is the only place
// where a change is true: a config entry takes effect when it commits.
import type { ConfChange, Membership, NodeId, ProposeResult, RaftStatus } from '../../shared/raft/types';
import type { HostClock } from '../net/types';

/** What the changer needs of the leader's node (NodeHost gives it; unit tests give a fake). */
export interface ChangerNode {
  readonly nodeId: NodeId;
  readonly group: number;
  status(): Pick<RaftStatus, 'role' | 'term' | 'leader' | 'commit' | 'membership' | 'pendingConfIndex' | 'progress'>;
  proposeConfChange(change: ConfChange): ProposeResult;
}

export interface MembershipEvent {
  readonly type: 'membership';
  readonly phase: 'proposed' | 'committed';
  readonly group: number;
  readonly change: ConfChange;
}

export interface MembershipChangerOptions {
  readonly node: ChangerNode;
  readonly clock: HostClock;
  /** A learner is caught up once its match is within this many entries of the leader's commit. */
  readonly catchUpMarginEntries?: number;
  /** Host ms a learner has to catch up before the add gives up (it then stays a learner). */
  readonly catchUpTimeoutMs?: number;
  /** Host ms a proposed config entry has to commit. */
  readonly commitTimeoutMs?: number;
  /** How often the committed membership is looked at while waiting (host ms). */
  readonly pollMs?: number;
  readonly onEvent?: (event: MembershipEvent) => void;
}

/** The change cannot be made as asked; nothing was proposed (or what was proposed is named). */
export class MembershipRefusedError extends Error {
  override readonly name = 'MembershipRefusedError';
}

/** This node does not lead the group: ask `leader` (null when none is known). */
export class NotGroupLeaderError extends Error {
  override readonly name = 'NotGroupLeaderError';
  constructor(readonly leader: NodeId | null) {
    super(leader ? `not the group's leader; the leader is ${leader}` : 'the group has no leader right now; try again');
  }
}

export const DEFAULT_CATCH_UP_MARGIN_ENTRIES = 200;
const DEFAULT_CATCH_UP_TIMEOUT_MS = 300_000;
const DEFAULT_COMMIT_TIMEOUT_MS = 15_000;
const DEFAULT_POLL_MS = 20;

export function isMember(membership: Membership, node: NodeId): boolean {
  return membership.voters.includes(node) || membership.learners.includes(node);
}

export class MembershipChanger {
  /** Adds in progress, by node: a second request for the same node joins the first. */
  private readonly adding = new Map<NodeId, Promise<void>>();

  constructor(private readonly options: MembershipChangerOptions) {}

  /**
   * Adds `node` as a learner, waits until it caught up, then promotes it. `onLearner` is called once
   * the learner step has committed (the caller may answer its client then and let the rest go on).
   * A node already a learner (an add that a leader change cut short) goes on from the catch-up.
   */
  add(node: NodeId, onLearner?: () => void): Promise<void> {
    const running = this.adding.get(node);
    if (running !== undefined) {
      if (onLearner) running.then(onLearner, () => undefined);
      return running;
    }
    const work = this.runAdd(node, onLearner).finally(() => this.adding.delete(node));
    this.adding.set(node, work);
    return work;
  }

  /** Whether an add of `node` is in progress here. */
  isAdding(node: NodeId): boolean {
    return this.adding.has(node);
  }

  /** Removes `node` (the leader itself included: it steps down once the removal commits). */
  async remove(node: NodeId): Promise<void> {
    const status = this.leaderStatus();
    if (!isMember(status.membership, node)) {
      throw new MembershipRefusedError(`${node} is not a member of group ${this.options.node.group}`);
    }
    if (status.membership.voters.length === 1 && status.membership.voters[0] === node) {
      throw new MembershipRefusedError(
        `${node} is the last voter of group ${this.options.node.group}; it cannot be removed`,
      );
    }
    await this.change({ type: 'remove', node }, (membership) => !isMember(membership, node));
  }

  private async runAdd(node: NodeId, onLearner?: () => void): Promise<void> {
    const status = this.leaderStatus();
    const group = this.options.node.group;
    // The catch-up is this leader's to watch: under a later leader the learner waits to be asked again.
    const term = status.term;
    if (status.membership.voters.includes(node)) {
      throw new MembershipRefusedError(`${node} is already a voter of group ${group}`);
    }
    if (!status.membership.learners.includes(node)) {
      await this.change({ type: 'addLearner', node }, (membership) => membership.learners.includes(node));
    }
    onLearner?.();
    await this.waitCaughtUp(node, term);
    await this.change({ type: 'promote', node }, (membership) => membership.voters.includes(node));
  }

  /** Proposes `change` and waits until the committed membership shows it (`done`). */
  private async change(change: ConfChange, done: (membership: Membership) => boolean): Promise<void> {
    const { node } = this.options;
    const before = this.leaderStatus();
    if (before.pendingConfIndex > 0) {
      throw new MembershipRefusedError(
        `group ${node.group} has a membership change pending (index ${before.pendingConfIndex} is not committed yet, or its new leader has not committed an entry of its own term); try again once it commits`,
      );
    }
    const result = node.proposeConfChange(change);
    if (!result.ok) {
      if (result.reason === 'refused') {
        throw new MembershipRefusedError(
          `group ${node.group} refused ${describeChange(change)}: ${result.detail ?? 'no reason given'}`,
        );
      }
      throw new NotGroupLeaderError(result.leader);
    }
    this.options.onEvent?.({ type: 'membership', phase: 'proposed', group: node.group, change });
    const timeoutMs = this.options.commitTimeoutMs ?? DEFAULT_COMMIT_TIMEOUT_MS;
    await this.waitFor(
      timeoutMs,
      (status) => {
        // Membership first: a removed leader steps down once its removal commits, a new term then.
        if (done(status.membership)) return true;
        if (status.term !== result.term) {
          throw new MembershipRefusedError(
            `the leader changed before ${describeChange(change)} (index ${result.firstIndex}) committed; it may still commit: look with 'members' before trying again`,
          );
        }
        return false;
      },
      () => `${describeChange(change)} (index ${result.firstIndex}) did not commit within ${timeoutMs} ms`,
    );
    this.options.onEvent?.({ type: 'membership', phase: 'committed', group: node.group, change });
  }

  private waitCaughtUp(learner: NodeId, term: number): Promise<void> {
    const margin = this.options.catchUpMarginEntries ?? DEFAULT_CATCH_UP_MARGIN_ENTRIES;
    const timeoutMs = this.options.catchUpTimeoutMs ?? DEFAULT_CATCH_UP_TIMEOUT_MS;
    return this.waitFor(
      timeoutMs,
      (status) => {
        if (status.role !== 'leader' || status.term !== term) throw new NotGroupLeaderError(status.leader);
        if (!status.membership.learners.includes(learner)) {
          throw new MembershipRefusedError(`${learner} is no longer a learner of group ${this.options.node.group}`);
        }
        const match = status.progress[learner]?.match ?? 0;
        return match >= status.commit - margin && match > 0;
      },
      () =>
        `${learner} did not catch up within ${timeoutMs} ms; it stays a learner (add it again to retry the promotion)`,
    );
  }

  /** Resolves once `ready` says so, looking every pollMs; rejects with what `ready` throws or on timeout. */
  private waitFor(
    timeoutMs: number,
    ready: (status: ReturnType<ChangerNode['status']>) => boolean,
    timeoutMessage: () => string,
  ): Promise<void> {
    const { clock, node } = this.options;
    const deadline = clock.now() + timeoutMs;
    const pollMs = this.options.pollMs ?? DEFAULT_POLL_MS;
    return new Promise<void>((resolve, reject) => {
      const look = (): void => {
        try {
          if (ready(node.status())) {
            resolve();
            return;
          }
        } catch (error) {
          reject(error);
          return;
        }
        if (clock.now() >= deadline) {
          reject(new MembershipRefusedError(timeoutMessage()));
          return;
        }
        clock.setTimeout(look, pollMs);
      };
      look();
    });
  }

  private leaderStatus(): ReturnType<ChangerNode['status']> {
    const status = this.options.node.status();
    if (status.role !== 'leader') throw new NotGroupLeaderError(status.leader);
    return status;
  }
}

export function describeChange(change: ConfChange): string {
  switch (change.type) {
    case 'addLearner':
      return `adding ${change.node} as a learner`;
    case 'promote':
      return `promoting ${change.node} to voter`;
    case 'remove':
      return `removing ${change.node}`;
  }
}
