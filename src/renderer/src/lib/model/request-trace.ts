// The path of the client panel's latest request, as it happens, from the event stream: the request
// reaching its node, the forward to the key's group, a follower asking the leader to confirm a read
// (ReadIndex), the leader appending and committing a write, and the reply. Each hop is added when
// its event arrives, so a pending request shows how far it got, and a new request clears the old.
//
// What the events cannot show is said as such: a forward travels over RESP, not as a Raft message,
// so its hop is drawn once the next node in the key's group acts on it (or at the reply).
import type { ClusterEvent, KvOp, NodeId } from '../../../../shared/api';

export type HopKind = 'request' | 'forward' | 'read-index' | 'read-index-reply' | 'reply';

export interface Hop {
  /** `null` is the client. */
  readonly from: NodeId | null;
  readonly to: NodeId | null;
  readonly kind: HopKind;
  readonly label: string;
}

export interface RequestTrace {
  readonly id: number;
  readonly op: KvOp;
  readonly key: string;
  readonly via: NodeId;
  /** The key's group. */
  readonly group: number;
  readonly status: 'pending' | 'ok' | 'failed';
  readonly hops: readonly Hop[];
  /** What happened, one short step per line, for the client panel. */
  readonly steps: readonly string[];
  /**
   * The node that answered: for a GET the node that ran ReadIndex (a follower serves reads too),
   * for a write the leader that committed it.
   */
  readonly servedBy: NodeId | null;
  /** Host time the request started, and the node's timeout in host ms (it stretches with slow motion). */
  readonly startedAt: number;
  readonly timeoutMs: number | null;
  readonly error: string | null;
}

export interface TraceContext {
  readonly name: (id: NodeId) => string;
  readonly groupOfKey: (key: string) => number;
  readonly groupOfNode: (id: NodeId) => number;
  /** The group's leader as the events last told it (or, before any, the first snapshot). */
  readonly leaderOf: (group: number) => NodeId | null;
}

interface Working {
  trace: RequestTrace;
  /** A write's index at its leader, once appended. */
  appendedAt: number | null;
  /** The node in the key's group the request has reached. */
  reached: NodeId | null;
}

export class RequestTracer {
  private working: Working | null = null;

  constructor(private readonly context: TraceContext) {}

  get current(): RequestTrace | null {
    return this.working?.trace ?? null;
  }

  clear(): void {
    this.working = null;
  }

  /** Takes one event; returns whether the trace changed. */
  apply(event: ClusterEvent): boolean {
    if (event.type === 'request') {
      this.start(event);
      return true;
    }
    const working = this.working;
    if (working?.trace.status !== 'pending') return false;
    const trace = working.trace;
    const name = this.context.name;
    switch (event.type) {
      case 'send':
        if (event.kind === 'ReadIndex' && this.context.groupOfNode(event.from) === trace.group) {
          this.reach(working, event.from);
          this.add(working, { from: event.from, to: event.to, kind: 'read-index', label: 'ReadIndex' }, [
            `${name(event.from)} asks leader ${name(event.to)} to confirm it still leads (ReadIndex)`,
          ]);
          return true;
        }
        if (event.kind === 'ReadIndexResp' && this.context.groupOfNode(event.to) === trace.group) {
          const label = event.reject ? 'refused' : `read index ${event.index ?? '?'}`;
          this.add(working, { from: event.from, to: event.to, kind: 'read-index-reply', label }, [
            event.reject
              ? `${name(event.from)} refused: it could not confirm it leads`
              : `${name(event.from)} confirmed with a majority: read at index ${event.index ?? '?'} once applied`,
          ]);
          if (!event.reject) working.trace = { ...working.trace, servedBy: event.to };
          return true;
        }
        return false;
      case 'append': {
        if (trace.op === 'GET' || working.appendedAt !== null) return false;
        if (this.context.groupOfNode(event.node) !== trace.group) return false;
        if (this.context.leaderOf(trace.group) !== event.node) return false;
        this.reach(working, event.node);
        working.appendedAt = event.index;
        working.trace = {
          ...working.trace,
          steps: [
            ...working.trace.steps,
            `${name(event.node)} appended it at index ${event.index} in term ${event.term}`,
          ],
        };
        return true;
      }
      case 'commit':
        if (working.appendedAt === null || event.index < working.appendedAt) return false;
        if (this.context.leaderOf(trace.group) !== event.node) return false;
        working.trace = {
          ...working.trace,
          steps: [
            ...working.trace.steps,
            `${name(event.node)} committed index ${working.appendedAt} (a majority has it)`,
          ],
        };
        working.appendedAt = Number.POSITIVE_INFINITY;
        return true;
      case 'reply':
        if (event.id !== trace.id) return false;
        this.finish(working, event);
        return true;
      default:
        return false;
    }
  }

  private start(event: Extract<ClusterEvent, { type: 'request' }>): void {
    const group = this.context.groupOfKey(event.key);
    const name = this.context.name;
    this.working = {
      appendedAt: null,
      reached: this.context.groupOfNode(event.via) === group ? event.via : null,
      trace: {
        id: event.id,
        op: event.op,
        key: event.key,
        via: event.via,
        group,
        status: 'pending',
        hops: [{ from: null, to: event.via, kind: 'request', label: event.op }],
        steps: [`client sent ${event.op} ${event.key} to ${name(event.via)}; the key is in group ${group}`],
        servedBy: null,
        startedAt: event.at,
        timeoutMs: event.timeoutMs ?? null,
        error: null,
      },
    };
  }

  /** The request got to `node` in the key's group: draw the forward that took it there. */
  private reach(working: Working, node: NodeId): void {
    if (working.reached === node) return;
    const from = working.reached ?? working.trace.via;
    working.reached = node;
    if (node === from) return;
    const name = this.context.name;
    const group = working.trace.group;
    const to = this.context.leaderOf(group) === node ? `the leader, ${name(node)}` : `${name(node)} in group ${group}`;
    this.add(working, { from, to: node, kind: 'forward', label: 'forward' }, [`${name(from)} forwarded it to ${to}`]);
  }

  private add(working: Working, hop: Hop, steps: readonly string[]): void {
    working.trace = { ...working.trace, hops: [...working.trace.hops, hop], steps: [...working.trace.steps, ...steps] };
  }

  private finish(working: Working, event: Extract<ClusterEvent, { type: 'reply' }>): void {
    const trace = working.trace;
    const name = this.context.name;
    // A read is served where ReadIndex ran; a write (and a read the leader served itself) by the leader.
    const server = trace.servedBy ?? (event.ok ? (working.reached ?? event.servedBy) : null);
    if (server !== null && event.ok) this.reach(working, server);
    const hops = [...working.trace.hops];
    const from = server ?? trace.via;
    if (from !== trace.via) hops.push({ from, to: trace.via, kind: 'reply', label: 'reply' });
    hops.push({ from: trace.via, to: null, kind: 'reply', label: event.ok ? 'reply' : 'error' });
    const outcome = event.ok
      ? `${server ? name(server) : 'the cluster'} answered in ${Math.round(event.ms)} ms`
      : `failed after ${Math.round(event.ms)} ms: ${event.error ?? 'error'}`;
    working.trace = {
      ...working.trace,
      status: event.ok ? 'ok' : 'failed',
      servedBy: event.ok ? server : null,
      hops,
      steps: [...working.trace.steps, outcome],
      error: event.ok ? null : (event.error ?? 'error'),
    };
  }
}
