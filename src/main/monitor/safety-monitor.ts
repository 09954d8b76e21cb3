// The live safety monitor: checks Raft's four safety properties (Figure 3 of the paper) on the
// running cluster, from the host's event stream alone, as the events happen.
//
//  - Election Safety: at most one leader per term in each group.
//  - Log Matching: two logs holding an entry of the same index and term agree on every entry before.
//    Checked inductively: whenever a node writes entry (i, t) and another node holds (i, t) too,
//    their entries at i - 1 must agree. Any change at i - 1 rewrites i as well (an append replaces
//    the rest of the log), so every pair is checked again whenever it could have changed.
//  - Leader Completeness: a new leader holds every entry committed before it (checked when it
//    wins), and no node ever has a committed entry replaced or two terms committed at one index.
//  - State Machine Safety: no two nodes apply different entries at one index.
//
// It is fed every event synchronously, never through the batching hub, which may drop under load:
// a missed append would make it see a violation that is not there. What it cannot know (a log
// recovered from disk before it watched) it records as unknown and never judges.
import type { ClusterEvent, NodeId } from '../../shared/api';
import {
  SAFETY_PROPERTIES,
  type SafetyCheck,
  type SafetyProperty,
  type SafetyReport,
  type SafetyViolation,
} from '../../shared/safety';
import { LogTerms } from './log-terms';

interface NodeWatch {
  readonly group: number;
  log: LogTerms;
  commitIndex: number;
  appliedIndex: number;
}

interface Witness {
  readonly term: number;
  readonly node: NodeId;
}

interface GroupWatch {
  readonly leaders: Map<number, NodeId>;
  /** By index: the term first seen committed there, and by whom. */
  readonly committed: (Witness | undefined)[];
  /** By index: the term first seen applied there, and by whom. */
  readonly applied: (Witness | undefined)[];
}

export class SafetyMonitor {
  private readonly nodes = new Map<NodeId, NodeWatch>();
  private readonly groups = new Map<number, GroupWatch>();
  private readonly checks = new Map<SafetyProperty, { violation: SafetyViolation; count: number }>();

  /** `groupOf` names each node's group; nodes it does not know (-1 or absent) are not watched. */
  constructor(private readonly groupOf: (node: NodeId) => number) {}

  observe(event: ClusterEvent): void {
    switch (event.type) {
      case 'role':
        if (event.role === 'leader') this.leaderElected(event.node, event.term, event.at);
        return;
      case 'append':
        this.appended(event);
        return;
      case 'commit':
        this.committed(event.node, event.index, event.at);
        return;
      case 'apply':
        this.applied(event.node, event.index, event.at);
        return;
      case 'fault':
        // A restart rebuilds the state machine from the log: it applies (and commits) from 1 again.
        if (event.action === 'restart' && event.node !== undefined) {
          const watch = this.watch(event.node);
          if (watch) {
            watch.appliedIndex = 0;
            watch.commitIndex = 0;
          }
        }
        return;
      default:
        return;
    }
  }

  /** A node (re)started with `lastIndex` entries recovered: anything we saw beyond was never durable. */
  nodeStarted(node: NodeId, lastIndex: number): void {
    this.watch(node)?.log.recovered(lastIndex);
  }

  report(): SafetyReport {
    const report = {} as Record<SafetyProperty, SafetyCheck>;
    for (const property of SAFETY_PROPERTIES) {
      const broken = this.checks.get(property);
      report[property] = broken ? { ok: false, violation: broken.violation, count: broken.count } : { ok: true };
    }
    return report;
  }

  // ---------------------------------------------------------------------------------------------

  private leaderElected(node: NodeId, term: number, at: number): void {
    const watch = this.watch(node);
    if (!watch) return;
    const group = this.group(watch.group);
    const other = group.leaders.get(term);
    if (other !== undefined && other !== node) {
      this.violate('electionSafety', {
        at,
        group: watch.group,
        nodes: [other, node],
        terms: [term],
        detail: `${other} and ${node} were both leaders of term ${term}`,
      });
    }
    if (other === undefined) group.leaders.set(term, node);
    for (let index = 1; index < group.committed.length; index++) {
      const committed = group.committed[index];
      if (committed === undefined) continue;
      const held = watch.log.termAt(index);
      if (held === -1) continue;
      if (held !== committed.term) {
        this.violate('leaderCompleteness', {
          at,
          group: watch.group,
          nodes: [node, committed.node],
          index,
          terms: [committed.term, held ?? 0],
          detail:
            `${node} became leader of term ${term} without entry ${index} (term ${committed.term}), ` +
            `which ${committed.node} had committed; it holds ${held === undefined ? 'nothing' : `term ${held}`} there`,
        });
        return;
      }
    }
  }

  private appended(event: Extract<ClusterEvent, { type: 'append' }>): void {
    const watch = this.watch(event.node);
    if (!watch) return;
    const group = this.group(watch.group);
    for (const index of watch.log.apply(event)) {
      const term = watch.log.termAt(index) ?? -1;
      if (term < 0) continue;
      const committed = group.committed[index];
      if (committed !== undefined && committed.term !== term) {
        this.violate('leaderCompleteness', {
          at: event.at,
          group: watch.group,
          nodes: [event.node, committed.node],
          index,
          terms: [committed.term, term],
          detail: `${event.node} replaced committed entry ${index} (term ${committed.term}, committed on ${committed.node}) with one of term ${term}`,
        });
      }
      this.checkLogMatching(event.node, watch, index, term, event.at);
    }
  }

  private checkLogMatching(node: NodeId, watch: NodeWatch, index: number, term: number, at: number): void {
    const before = watch.log.termAt(index - 1);
    if (before === undefined || before < 0) return;
    for (const [otherId, other] of this.nodes) {
      if (otherId === node || other.group !== watch.group || other.log.termAt(index) !== term) continue;
      const otherBefore = other.log.termAt(index - 1);
      if (otherBefore === undefined || otherBefore < 0 || otherBefore === before) continue;
      this.violate('logMatching', {
        at,
        group: watch.group,
        nodes: [node, otherId],
        index: index - 1,
        terms: [before, otherBefore],
        detail:
          `${node} and ${otherId} both hold entry ${index} of term ${term}, ` +
          `yet differ at ${index - 1}: term ${before} against ${otherBefore}`,
      });
      return;
    }
  }

  private committed(node: NodeId, index: number, at: number): void {
    const watch = this.watch(node);
    if (!watch || index <= watch.commitIndex) return;
    const group = this.group(watch.group);
    for (let i = watch.commitIndex + 1; i <= index; i++) {
      const term = watch.log.termAt(i);
      if (term === undefined || term < 0) continue;
      const seen = group.committed[i];
      if (seen === undefined) {
        group.committed[i] = { term, node };
      } else if (seen.term !== term) {
        this.violate('leaderCompleteness', {
          at,
          group: watch.group,
          nodes: [seen.node, node],
          index: i,
          terms: [seen.term, term],
          detail: `entry ${i} was committed as term ${seen.term} on ${seen.node} and as term ${term} on ${node}`,
        });
      }
    }
    watch.commitIndex = index;
  }

  private applied(node: NodeId, index: number, at: number): void {
    const watch = this.watch(node);
    if (!watch || index <= watch.appliedIndex) return;
    const group = this.group(watch.group);
    for (let i = watch.appliedIndex + 1; i <= index; i++) {
      const term = watch.log.termAt(i);
      if (term === undefined || term < 0) continue;
      const seen = group.applied[i];
      if (seen === undefined) {
        group.applied[i] = { term, node };
      } else if (seen.term !== term) {
        this.violate('stateMachineSafety', {
          at,
          group: watch.group,
          nodes: [seen.node, node],
          index: i,
          terms: [seen.term, term],
          detail: `${seen.node} applied entry ${i} of term ${seen.term}, but ${node} applied one of term ${term} there`,
        });
      }
    }
    watch.appliedIndex = index;
  }

  private violate(property: SafetyProperty, violation: SafetyViolation): void {
    const broken = this.checks.get(property);
    if (broken) broken.count++;
    else this.checks.set(property, { violation, count: 1 });
  }

  private watch(node: NodeId): NodeWatch | undefined {
    const known = this.nodes.get(node);
    if (known) return known;
    const group = this.groupOf(node);
    if (group < 0) return undefined;
    const watch: NodeWatch = { group, log: new LogTerms(), commitIndex: 0, appliedIndex: 0 };
    this.nodes.set(node, watch);
    return watch;
  }

  private group(id: number): GroupWatch {
    let group = this.groups.get(id);
    if (!group) {
      group = { leaders: new Map(), committed: [], applied: [] };
      this.groups.set(id, group);
    }
    return group;
  }
}
