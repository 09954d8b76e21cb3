// Shared by the scenario tests: a cluster with the safety checkers and a trace attached (so every
// scenario is also checked for Election Safety, Log Matching, ... at every step), and a client log
// that records read results and acknowledged writes.
import type { NodeId } from '../../src/shared/raft/types';
import { type ClusterOptions, SimCluster } from '../harness/cluster';
import type { HistoryEvent } from '../harness/history';
import { decodeText } from '../harness/kv';
import { Trace } from '../harness/trace';
import { SafetyMonitor } from '../sim/checkers/monitor';

export interface CheckedCluster {
  readonly cluster: SimCluster;
  readonly trace: Trace;
  readonly clients: ClientLog;
}

export function checkedCluster(options: ClusterOptions = {}): CheckedCluster {
  const cluster = new SimCluster(options);
  const trace = new Trace();
  const clients = new ClientLog();
  cluster.observe(trace);
  cluster.observe(clients);
  cluster.observe(
    new SafetyMonitor(cluster.ids, {
      seed: options.seed ?? 1,
      options: { scenario: true, ...options },
      traceLines: () => trace.lines(),
    }),
  );
  return { cluster, trace, clients };
}

export type ReadOutcome =
  | { readonly done: true; readonly value: string | null; readonly index: number }
  | { readonly done: false };

export class ClientLog {
  private readonly reads = new Map<number, ReadOutcome>();
  private readonly failed = new Set<number>();
  readonly acknowledged: { key: string; value: string; index: number }[] = [];
  /** Leaders in the order they were elected, with their terms. */
  readonly elections: { node: NodeId; term: number; tick: number }[] = [];

  onEvent(event: HistoryEvent): void {
    switch (event.kind) {
      case 'read-done':
        this.reads.set(event.readId, { done: true, value: event.value, index: event.index });
        return;
      case 'read-failed':
        this.failed.add(event.readId);
        return;
      case 'write-ack':
        this.acknowledged.push({ key: event.key, value: event.value, index: event.index });
        return;
      case 'role':
        if (event.role === 'leader') this.elections.push({ node: event.node, term: event.term, tick: event.tick });
        return;
      default:
        return;
    }
  }

  read(readId: number): ReadOutcome {
    return this.reads.get(readId) ?? { done: false };
  }

  hasFailed(readId: number): boolean {
    return this.failed.has(readId);
  }
}

/** The commands a node's state machine applied, in order, without the leaders' no-ops. */
export function appliedCommands(cluster: SimCluster, id: NodeId): string[] {
  return cluster
    .node(id)
    .stateMachine.applied.filter((entry) => entry.type === 'normal')
    .map((entry) => decodeText(entry.data));
}

/** The other nodes of the cluster. */
export function othersThan(cluster: SimCluster, ...ids: NodeId[]): NodeId[] {
  return cluster.ids.filter((id) => !ids.includes(id));
}
