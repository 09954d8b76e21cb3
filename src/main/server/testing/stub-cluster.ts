// A ClusterBridge for tests of the edges (HTTP, IPC): it records every call, answers `state` and
// `kv` with fixed data, can be told to fail the next call, and emits event batches on demand.
import {
  CLUSTER_OPERATIONS,
  type ClusterBridge,
  type ClusterEvent,
  type ClusterOperation,
  type ClusterState,
  type KvResult,
} from '../../../shared/api';

export const STUB_STATE = {
  partitions: [['127.0.0.1:5001', '127.0.0.1:5002']],
  droppedEvents: 0,
} as unknown as ClusterState;

export const STUB_KV_RESULT: KvResult = {
  ok: true,
  value: 'blue',
  error: null,
  servedBy: '127.0.0.1:5001',
  group: 0,
  ms: 3,
  via: '127.0.0.1:5001',
};

/** Two lines, as a recording's file begins: what GET /api/recording must pass through untouched. */
export const STUB_RECORDING = '{"raftlab":"recording","version":1}\n{"type":"fault","at":1,"action":"heal"}\n';

export class StubCluster {
  readonly calls: { operation: ClusterOperation; args: unknown[] }[] = [];
  readonly listeners = new Set<(events: readonly ClusterEvent[]) => void>();
  /** Thrown by the next call, then cleared. */
  failure: unknown;
  /** Events not yet delivered: `openingEvents` delivers them first, as the real host's flush does. */
  pending: ClusterEvent[] = [];
  /** What `openingEvents` returns. */
  opening: ClusterEvent[] = [];
  readonly bridge: ClusterBridge;

  constructor() {
    const operations = Object.fromEntries(
      CLUSTER_OPERATIONS.map((operation) => [operation, (...args: unknown[]) => this.call(operation, args)]),
    );
    this.bridge = {
      ...operations,
      onEvents: (listener: (events: readonly ClusterEvent[]) => void) => {
        this.listeners.add(listener);
        return () => {
          this.listeners.delete(listener);
        };
      },
      openingEvents: () => {
        const pending = this.pending;
        this.pending = [];
        if (pending.length > 0) this.emit(pending);
        return this.opening;
      },
    } as unknown as ClusterBridge;
  }

  emit(events: readonly ClusterEvent[]): void {
    for (const listener of this.listeners) listener(events);
  }

  private async call(operation: ClusterOperation, args: unknown[]): Promise<unknown> {
    this.calls.push({ operation, args });
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
    if (operation === 'state') return STUB_STATE;
    if (operation === 'kv') return STUB_KV_RESULT;
    if (operation === 'recording') return STUB_RECORDING;
    return undefined;
  }
}
