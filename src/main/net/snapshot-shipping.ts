// One node's both ends of InstallSnapshot, wired the way a NodeHost needs them: the core's `Snap`
// goes to the sender (through `sinkFor(transport)`), stream frames from the transport go to
// `receive`, and what happens is told as events a view understands: the Snap message as a 'send'
// when its first frame leaves, a 'deliver' when the follower has the whole file, a 'drop' when the
// transfer fails; and `snapshot` events, phase 'sent' (leader) and 'installed' (follower).
import type { InstallSnapshot, NodeId, Role } from '../../shared/raft/types';
import type { MessageSink } from '../host/ready-ports';
import type { SnapshotSink, SnapshotSource } from '../host/snapshot-ports';
import type { StreamFrame } from './snapshot-codec';
import { SnapshotReceiver } from './snapshot-receiver';
import { routeStreamFrame, SnapshotRoutingSink } from './snapshot-routing';
import { SnapshotSender } from './snapshot-sender';
import type { SnapshotStreamEvent, SnapshotStreamLimits, StreamPort } from './snapshot-stream';
import type { HostClock, TransportEvent } from './types';

export type ShippingEvent =
  | { readonly type: 'transport'; readonly event: TransportEvent }
  | ({ readonly type: 'snapshot' } & SnapshotStreamEvent);

export interface SnapshotShippingOptions {
  readonly self: NodeId;
  readonly clock: HostClock;
  /** Where frames leave: the node's PeerTransport (given late, as it is built after this). */
  readonly port: () => StreamPort | null;
  readonly source: SnapshotSource;
  readonly sink: SnapshotSink;
  /** The core's current term and role. */
  readonly status: () => { readonly term: number; readonly role: Role };
  /** The core's reportSnapshot (called only while this node leads). */
  readonly report: (to: NodeId, ok: boolean) => void;
  readonly onEvent?: (event: ShippingEvent) => void;
  readonly log?: (line: string) => void;
  readonly limits?: Partial<SnapshotStreamLimits>;
}

export class SnapshotShipping {
  readonly sender: SnapshotSender;
  readonly receiver: SnapshotReceiver;
  /** The Snap 'send' event of each transfer under way, to pair its deliver or drop. */
  private readonly flights = new Map<NodeId, { message: InstallSnapshot; id: number; bytes: number }>();

  constructor(options: SnapshotShippingOptions) {
    const port: StreamPort = {
      sendFrame: (to, frame, onDropped) => options.port()?.sendFrame(to, frame, onDropped) ?? null,
    };
    const emit = (event: ShippingEvent): void => options.onEvent?.(event);
    this.sender = new SnapshotSender({
      self: options.self,
      source: options.source,
      port,
      clock: options.clock,
      leads: (term) => {
        const status = options.status();
        return status.role === 'leader' && status.term === term;
      },
      report: (to, ok) => {
        // A node that no longer leads has no progress to report to (its core ignores it anyway).
        if (options.status().role === 'leader') options.report(to, ok);
      },
      onStart: (message, id, bytes) => {
        this.flights.set(message.to, { message, id, bytes });
        emit({ type: 'transport', event: { type: 'send', message, meta: { id, size: bytes } } });
      },
      onSent: (event) => {
        this.flights.delete(event.peer);
        emit({ type: 'snapshot', ...event });
        options.log?.(`${options.self} sent snapshot ${event.index} (${event.bytes} bytes) to ${event.peer}`);
      },
      onFailure: (failure) => {
        const flight = this.flights.get(failure.peer);
        this.flights.delete(failure.peer);
        if (flight !== undefined) {
          const meta = { id: flight.id, size: flight.bytes };
          emit({ type: 'transport', event: { type: 'drop', message: flight.message, meta, reason: failure.reason } });
        }
        options.log?.(`${options.self} snapshot to ${failure.peer} failed: ${failure.reason}`);
      },
      ...(options.limits ? { limits: options.limits } : {}),
    });
    this.receiver = new SnapshotReceiver({
      self: options.self,
      sink: options.sink,
      port,
      clock: options.clock,
      currentTerm: () => options.status().term,
      onOffered: (event, meta, term, id) => {
        const message: InstallSnapshot = { type: 'Snap', from: event.peer, to: options.self, term, snapshot: meta };
        emit({ type: 'transport', event: { type: 'deliver', message, meta: { id, size: event.bytes } } });
        emit({ type: 'snapshot', ...event });
        options.log?.(`${options.self} received snapshot ${event.index} (${event.bytes} bytes) from ${event.peer}`);
      },
      onFailure: (failure) =>
        options.log?.(`${options.self} snapshot from ${failure.peer} abandoned: ${failure.reason}`),
      ...(options.limits ? { limits: options.limits } : {}),
    });
  }

  /** The Ready loop's message sink: `Snap` to the sender, everything else to `transport`. */
  sinkFor(transport: MessageSink): MessageSink {
    return new SnapshotRoutingSink(transport, this.sender);
  }

  /** A stream frame from the transport. Never throws. */
  receive(frame: StreamFrame, id: number): void {
    routeStreamFrame(frame, id, this.sender, this.receiver);
  }

  /** The node stops: transfers end, the partial incoming file is deleted. */
  close(): void {
    this.sender.close();
    this.receiver.close();
  }
}
