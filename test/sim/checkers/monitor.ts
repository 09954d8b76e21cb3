// Runs every safety checker over a cluster's history as it happens. Any broken invariant stops
// the run at once with a report that names the seed, the options, the recent trace and how to
// replay it.
import type { Entry, NodeId } from '../../../src/shared/raft/types';
import type { HistoryEvent, HistoryObserver, StepSnapshot } from '../../harness/history';
import { SimulationFailure } from '../failure';
import type { Checker } from './checker';
import { CommitBounds } from './commit-bounds';
import { CommittedDurability } from './committed-durability';
import { ElectionSafety } from './election-safety';
import { LeaderAppendOnly } from './leader-append-only';
import { LeaderCompleteness } from './leader-completeness';
import { LinearizableReads } from './linearizable-reads';
import { LogMatching } from './log-matching';
import { ClusterModel, describeEntry, sameEntry } from './model';
import { RemovedNeverLeads } from './removed-never-leads';
import { StateMachineSafety } from './state-machine-safety';
import { InvariantViolation } from './violation';

export interface FailureContext {
  readonly seed: number;
  /** Printed with the failure so that the exact run can be rebuilt. */
  readonly options: unknown;
  /** The recent history, oldest first. */
  readonly traceLines: () => readonly string[];
}

export function allCheckers(): Checker[] {
  return [
    new ElectionSafety(),
    new LeaderAppendOnly(),
    new LogMatching(),
    new LeaderCompleteness(),
    new StateMachineSafety(),
    new CommitBounds(),
    new CommittedDurability(),
    new LinearizableReads(),
    new RemovedNeverLeads(),
  ];
}

export class SafetyMonitor implements HistoryObserver {
  readonly model: ClusterModel;
  private failure: SimulationFailure | null = null;

  constructor(
    members: readonly NodeId[],
    private readonly context: FailureContext,
    private readonly checkers: readonly Checker[] = allCheckers(),
    /** The voters at index 0, when not every member is one (spares that join later). */
    bootstrap: readonly NodeId[] = members,
  ) {
    this.model = new ClusterModel(members, bootstrap);
  }

  onEvent(event: HistoryEvent): void {
    this.guard(() => this.take(event));
  }

  afterStep(snapshot: StepSnapshot): void {
    this.guard(() => {
      // Every live node's commit index, at every step, saves in flight or not: it names entries of
      // the node's memory log, and each must be on a majority of disks now (Committed Durability).
      for (const node of snapshot.nodes) {
        if (node.alive) this.noteCommit(node.id, node.commit, node.term, 'memory');
      }
      for (const checker of this.checkers) checker.afterStep?.(snapshot, this.model);
    });
  }

  private take(event: HistoryEvent): void {
    switch (event.kind) {
      case 'persist': {
        const write = this.model.planWrite(event.node, event.role, event.term, event.entries);
        for (const checker of this.checkers) checker.beforeLogWrite?.(write, this.model);
        this.model.applyWrite(write);
        for (const checker of this.checkers) checker.afterLogWrite?.(write, this.model);
        // A saved commit index names entries of the disk it was saved with.
        if (event.hardState !== null) this.noteCommit(event.node, event.hardState.commit, event.hardState.term, 'disk');
        return;
      }
      case 'memory':
        if (event.snapshot !== undefined) this.expectCommittedPrefix(event.node, 'memory', event.snapshot);
        this.model.setMemory(event.node, event.from, event.entries, event.snapshot);
        return;
      case 'role':
        this.model.setRole(event.node, event.role, event.term);
        if (event.role === 'leader')
          for (const checker of this.checkers) checker.onLeader?.(event.node, event.term, this.model);
        return;
      case 'apply': {
        // Applying is a claim that the entry is committed; hold it to the same standard. The loop
        // applies during the save that makes an entry durable here, so the entry may be on no
        // disk of this node yet: the applied entry itself is what is claimed.
        const facts = this.model.node(event.node);
        const index = event.entry.index;
        this.noteCommit(event.node, index - 1, facts.term, 'memory');
        if (index > facts.commit) {
          this.noteCommitted(event.node, event.entry, facts.term);
          facts.commit = index;
        }
        for (const checker of this.checkers) checker.onApply?.(event.node, event.entry, this.model);
        return;
      }
      case 'snapshot':
        this.takeSnapshot(event.node, event.phase, event.index, event.term);
        return;
      case 'crash':
      case 'restart':
        this.model.setAlive(event.node, event.kind === 'restart');
        for (const checker of this.checkers) checker.onCrashOrRestart?.(event.node, this.model);
        return;
      case 'write-ack':
      case 'read-start':
      case 'read-done':
      case 'read-failed':
        for (const checker of this.checkers) checker.onClient?.(event, this.model);
        return;
      default:
        return;
    }
  }

  /**
   * A compacted disk still holds its entries in the snapshot, so the model keeps them in that
   * node's log. An installed snapshot must be of the committed prefix: the node's log becomes
   * exactly that, its unsaved tail and anything after the snapshot gone (checked as a log write).
   */
  /** A snapshot covers only committed entries: the model must know `index` committed (with `term`). */
  private expectCommittedPrefix(node: NodeId, phase: string, index: number, term?: number): void {
    const committed = this.model.committed(index);
    if (committed === undefined || (term !== undefined && committed.term !== term)) {
      throw new InvariantViolation(
        'State Machine Safety',
        `${node}: a snapshot (${phase}) at ${index}${term === undefined ? '' : `@${term}`}, but ${describeEntry(committed)} is what is known committed there`,
      );
    }
  }

  private takeSnapshot(node: NodeId, phase: 'compact' | 'install' | 'restore', index: number, term: number): void {
    this.expectCommittedPrefix(node, phase, index, term);
    if (phase === 'install') {
      const facts = this.model.node(node);
      const prefix: Entry[] = [];
      for (let i = 1; i <= index; i++) prefix.push(this.model.committed(i)!);
      const write = this.model.planWrite(node, facts.role, facts.term, prefix);
      for (const checker of this.checkers) checker.beforeLogWrite?.(write, this.model);
      // planWrite keeps nothing past the entries it is given: the tail after the snapshot is gone.
      facts.log.length = 0;
      facts.log.push(...prefix);
      for (const checker of this.checkers) checker.afterLogWrite?.(write, this.model);
      // What the core received after taking the snapshot in memory is still unsaved on top of it.
      if (facts.unsavedFrom === index + 1) this.model.setMemory(node, facts.unsavedFrom, facts.unsaved);
      else this.model.setMemory(node, Number.POSITIVE_INFINITY, []);
      if (facts.commit < index) facts.commit = index;
    }
    if (phase !== 'compact') for (const checker of this.checkers) checker.onSnapshotState?.(node, index, this.model);
  }

  /** Takes in that `node`, in `term`, says everything up to `commit` of its `log` is committed. */
  private noteCommit(node: NodeId, commit: number, term: number, log: 'disk' | 'memory'): void {
    const facts = this.model.node(node);
    if (commit <= facts.commit) return;
    for (let index = facts.commit + 1; index <= commit; index++) {
      const entry = log === 'disk' ? facts.log[index - 1] : this.model.memoryEntryAt(node, index);
      if (entry === undefined) {
        throw new InvariantViolation(
          'Commit Bounds',
          `${node} says ${commit} is committed but its ${log} log ends before ${index}`,
        );
      }
      this.noteCommitted(node, entry, term);
    }
    facts.commit = commit;
  }

  private noteCommitted(node: NodeId, entry: Entry, term: number): void {
    const known = this.model.committed(entry.index);
    if (known === undefined) {
      this.model.addCommitted(entry, term);
      for (const checker of this.checkers) checker.onCommitted?.(entry, term, this.model);
      return;
    }
    if (!sameEntry(known, entry)) {
      throw new InvariantViolation(
        'State Machine Safety',
        `${node} takes ${describeEntry(entry)} as committed, but ${describeEntry(known)} was committed at that index`,
      );
    }
  }

  private guard(action: () => void): void {
    if (this.failure !== null) throw this.failure;
    try {
      action();
    } catch (error) {
      if (!(error instanceof InvariantViolation)) throw error;
      this.failure = new SimulationFailure({
        seed: this.context.seed,
        options: this.context.options,
        property: error.property,
        detail: error.detail,
        trace: this.context.traceLines(),
      });
      throw this.failure;
    }
  }
}
