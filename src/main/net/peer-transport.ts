// A node's peer transport: sends Raft messages to peers over one outbound connection per peer
// (dialled on demand, reconnected with backoff) and receives them on the connections peers dial
// to it, which the node server hands over. Faults act here, before TCP, through LinkFaults.
//
// Sending never blocks and never grows memory without bound: a slow or dead peer's queue fills
// and further messages to it are dropped ('queue-full'), which Raft tolerates like any loss.
//
// Events: 'send' when a message is accepted into a queue, 'deliver' at the receiver when decoded,
// 'drop' with a reason (queue-full, a fault's reason, closed, unknown-peer, encode-error). They
// are built only while a listener is set: this is the hot path.
import type { Socket } from 'node:net';
import type { Message, NodeId, Random } from '../../shared/raft/types';
import { encodeFrame, MAX_FRAME_BYTES, PeerCodecError } from './peer-codec';
import { InboundPeerConnection } from './peer-inbound';
import { type Outgoing, PeerLink, type PeerLinkLimits } from './peer-link';
import type { StreamFrame } from './snapshot-codec';
import type { HostClock, LinkFaults, MessageMeta, TransportEvent } from './types';

export interface PeerTransportLimits extends PeerLinkLimits {
  readonly maxFrameBytes: number;
  /** Real ms an accepted connection has to send its hello. */
  readonly handshakeTimeoutMs: number;
}

export const DEFAULT_PEER_TRANSPORT_LIMITS: PeerTransportLimits = {
  maxQueuedMessages: 4096,
  maxQueuedBytes: 16 * 1024 * 1024,
  maxSocketBufferBytes: 1024 * 1024,
  backoffBaseMs: 50,
  backoffMaxMs: 2000,
  connectTimeoutMs: 3000,
  maxFrameBytes: MAX_FRAME_BYTES,
  handshakeTimeoutMs: 5000,
};

/** Something worth a log line; never fatal. */
export interface PeerIssue {
  readonly peer: NodeId | null;
  readonly direction: 'inbound' | 'outbound';
  readonly kind:
    | 'connect-failed'
    | 'handshake-rejected'
    | 'handshake-invalid'
    | 'handshake-refused'
    | 'bad-frame'
    | 'handler-threw'
    | 'encode-error';
  readonly detail: string;
}

export interface PeerTransportOptions {
  readonly self: NodeId;
  /** Peers refuse connections that present another (e.g. a hash of the partition configuration). */
  readonly clusterId: string;
  /**
   * The cluster secret (CONTRACTS.md §5): a peer connection opens only once both sides proved they
   * hold it, and every frame carries a MAC keyed from it. `INSECURE_SECRET` for `--insecure`.
   */
  readonly secret: Uint8Array;
  /** Every node this one may exchange messages with (itself excluded or not). */
  readonly peers: readonly NodeId[];
  readonly clock: HostClock;
  /** Jitter for reconnect backoff. */
  readonly random: Random;
  readonly faults?: LinkFaults;
  /** Each message received from a peer, in the order it sent them. */
  readonly onMessage: (message: Message, meta: MessageMeta) => void;
  readonly onEvent?: (event: TransportEvent) => void;
  readonly onIssue?: (issue: PeerIssue) => void;
  /** Each snapshot stream frame received from a peer (snapshot-codec.ts), with its frame id. */
  readonly onStreamFrame?: (frame: StreamFrame, id: number) => void;
  /** Message ids; share one counter between the nodes of a process to make ids unique there. Default: 1, 2, 3... */
  readonly nextMessageId?: () => number;
  /** Where a peer listens. Default: its `ip:port` id. */
  readonly addressOf?: (peer: NodeId) => { readonly host: string; readonly port: number };
  readonly limits?: Partial<PeerTransportLimits>;
}

/** `127.0.0.1:5001` or `[::1]:5001` -> host and port. */
export function addressOfNodeId(id: NodeId): { host: string; port: number } {
  const colon = id.lastIndexOf(':');
  const host = id.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(id.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`node id '${id}' is not host:port`);
  }
  return { host, port };
}

export class PeerTransport {
  private readonly links = new Map<NodeId, PeerLink>();
  /** The members this node talks to: the bootstrap group at first, then the committed membership. */
  private readonly known: Set<NodeId>;
  private readonly inbound = new Set<InboundPeerConnection>();
  private readonly inboundByPeer = new Map<NodeId, InboundPeerConnection>();
  private readonly limits: PeerTransportLimits;
  private readonly unsubscribeRelease: () => void;
  private listener: ((event: TransportEvent) => void) | null;
  private messageCounter = 0;
  private closed = false;
  /**
   * The last handshake issue reported per member and direction. A member with a wrong secret fails
   * the same way on every reconnect: the log says it once, and again only once something changed.
   */
  private readonly lastIssues = new Map<string, string>();

  constructor(private readonly options: PeerTransportOptions) {
    this.limits = { ...DEFAULT_PEER_TRANSPORT_LIMITS, ...options.limits };
    this.listener = options.onEvent ?? null;
    this.known = new Set(options.peers.filter((peer) => peer !== options.self));
    for (const peer of this.known) this.links.set(peer, this.makeLink(peer));
    this.unsubscribeRelease = options.faults?.onRelease(() => this.releaseHeld()) ?? (() => {});
  }

  /** Sets or clears the event listener (the view attaches and detaches at run time). */
  setEventListener(listener: ((event: TransportEvent) => void) | null): void {
    this.listener = listener;
  }

  /** Queues `message` for its `to`. Never throws and never blocks; failures are 'drop' events. */
  send(message: Message): void {
    if (this.closed) return;
    const id = this.allocateMessageId();
    if (message.from !== this.options.self) {
      this.emitDrop(message, id, 0, 'not-from-self');
      return;
    }
    const link = this.links.get(message.to);
    if (link === undefined) {
      this.emitDrop(message, id, 0, 'unknown-peer');
      return;
    }
    let frame: Uint8Array;
    try {
      frame = encodeFrame(message, id, this.limits.maxFrameBytes);
    } catch (error) {
      const detail = error instanceof PeerCodecError ? error.message : String(error);
      this.report({ peer: message.to, direction: 'outbound', kind: 'encode-error', detail });
      this.emitDrop(message, id, 0, 'encode-error');
      return;
    }
    if (!link.hasRoom(frame.length)) {
      this.emitDrop(message, id, frame.length, 'queue-full');
      return;
    }
    const listener = this.listener;
    if (listener !== null) listener({ type: 'send', message, meta: { id, size: frame.length } });
    const item: Outgoing = { message, frame, id, dueAt: 0 };
    link.enqueue(item);
  }

  /**
   * Queues an encoded snapshot stream frame (snapshot-codec.ts) for `to`, after writing a fresh
   * message id into it: it takes the Raft messages' FIFO, faults, MACs and queue bounds. Returns
   * the id, or null when it was dropped at once; a later drop (a fault, the link closed) is told
   * to `onDropped`. Never throws.
   */
  sendFrame(to: NodeId, frame: Uint8Array, onDropped: (reason: string) => void): number | null {
    if (this.closed) return null;
    const link = this.links.get(to);
    if (link === undefined || !link.hasRoom(frame.length)) return null;
    const id = this.allocateMessageId();
    Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).writeUInt32BE(id, 4);
    link.enqueue({ message: null, onDropped, frame, id, dueAt: 0 });
    return id;
  }

  /** Takes over a connection whose first byte marked it as a peer's (see node-server.ts). */
  acceptInbound(socket: Socket, head: Uint8Array): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const connection = new InboundPeerConnection(socket, {
      self: this.options.self,
      clusterId: this.options.clusterId,
      secret: this.options.secret,
      maxFrameBytes: this.limits.maxFrameBytes,
      handshakeTimeoutMs: this.limits.handshakeTimeoutMs,
      isKnownPeer: (id) => this.known.has(id),
      onAccepted: (from, accepted) => {
        this.lastIssues.delete(`inbound ${from}`);
        // A peer that reconnected has abandoned its old connection: do not wait for TCP to notice.
        // Only an authenticated connection gets here, so a stranger cannot knock a member off.
        const previous = this.inboundByPeer.get(from);
        this.inboundByPeer.set(from, accepted);
        if (previous !== undefined && previous !== accepted) previous.destroy();
      },
      onFrame: (_from, frame) => {
        const meta: MessageMeta = { id: frame.id, size: frame.size };
        const listener = this.listener;
        if (listener !== null) listener({ type: 'deliver', message: frame.message, meta });
        this.options.onMessage(frame.message, meta);
      },
      onStreamFrame: (_from, frame, id) => this.options.onStreamFrame?.(frame, id),
      onIssue: (peer, kind, detail) => this.report({ peer, direction: 'inbound', kind, detail }),
      onClosed: (closedConnection) => {
        this.inbound.delete(closedConnection);
        const peer = closedConnection.peer;
        if (peer !== null && this.inboundByPeer.get(peer) === closedConnection) this.inboundByPeer.delete(peer);
      },
    });
    this.inbound.add(connection);
    connection.start(head);
  }

  /** Writes every link's due messages now (one write per link) rather than at the end of this loop turn. */
  flush(): void {
    if (this.closed) return;
    for (const link of this.links.values()) link.flushNow();
  }

  /** Messages queued for `peer` and not yet handed to its socket. */
  queuedMessages(peer: NodeId): number {
    return this.links.get(peer)?.queuedMessages ?? 0;
  }

  /** Messages held by pause on every outbound link, each link's oldest first (staging tools). */
  heldMessages(): { readonly id: number; readonly message: Message }[] {
    if (this.closed) return [];
    // Snapshot stream frames (message null) are not Raft messages: they are not listed for stepping.
    return [...this.links.values()].flatMap((link) =>
      link.heldItems().flatMap(({ id, message }) => (message === null ? [] : [{ id, message }])),
    );
  }

  /** Pause began: every link takes back what waits out its delay (see PeerLink.recall). */
  recallDelayed(): void {
    if (this.closed) return;
    for (const link of this.links.values()) link.recall();
  }

  /** Kill-style: every socket destroyed at once, timers cancelled, queued messages dropped ('closed'). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribeRelease();
    for (const link of this.links.values()) {
      for (const item of link.close()) this.dropped(item, 'closed');
    }
    for (const connection of [...this.inbound]) connection.destroy();
    this.inbound.clear();
    this.inboundByPeer.clear();
  }

  /**
   * A node that joined the group (a learner) or that this node learned of from the committed
   * membership: messages to it are sent, and its connections accepted, from now on.
   */
  addPeer(peer: NodeId): void {
    if (this.closed || peer === this.options.self || this.known.has(peer)) return;
    this.known.add(peer);
    this.links.set(peer, this.makeLink(peer));
  }

  /** A node removed from the group: its link closes and its connections are no longer accepted. */
  removePeer(peer: NodeId): void {
    if (!this.known.delete(peer)) return;
    const link = this.links.get(peer);
    this.links.delete(peer);
    for (const item of link?.close() ?? []) this.dropped(item, 'closed');
    this.inboundByPeer.get(peer)?.destroy();
    this.inboundByPeer.delete(peer);
    this.lastIssues.delete(`outbound ${peer}`);
    this.lastIssues.delete(`inbound ${peer}`);
  }

  /** The peers this transport talks to now. */
  peers(): NodeId[] {
    return [...this.known];
  }

  private makeLink(peer: NodeId): PeerLink {
    const { options } = this;
    return new PeerLink({
      self: options.self,
      peer,
      address: (options.addressOf ?? addressOfNodeId)(peer),
      clusterId: options.clusterId,
      secret: options.secret,
      clock: options.clock,
      random: options.random,
      faults: options.faults ?? null,
      limits: this.limits,
      onFaultDrop: (item, reason) => this.dropped(item, reason),
      onIssue: (kind, detail) => this.report({ peer, direction: 'outbound', kind, detail }),
      onConnected: () => this.lastIssues.delete(`outbound ${peer}`),
    });
  }

  private releaseHeld(): void {
    for (const link of this.links.values()) link.release();
  }

  private allocateMessageId(): number {
    if (this.options.nextMessageId !== undefined) return this.options.nextMessageId() >>> 0;
    this.messageCounter = this.messageCounter >= 0xffffffff ? 1 : this.messageCounter + 1;
    return this.messageCounter;
  }

  private dropped(item: Outgoing, reason: string): void {
    if (item.message === null) item.onDropped?.(reason);
    else this.emitDrop(item.message, item.id, item.frame.length, reason);
  }

  private emitDrop(message: Message, id: number, size: number, reason: string): void {
    const listener = this.listener;
    if (listener !== null) listener({ type: 'drop', message, meta: { id, size }, reason });
  }

  private report(issue: PeerIssue): void {
    if (issue.kind.startsWith('handshake') && issue.peer !== null && this.known.has(issue.peer)) {
      const key = `${issue.direction} ${issue.peer}`;
      const text = `${issue.kind} ${issue.detail}`;
      if (this.lastIssues.get(key) === text) return;
      this.lastIssues.set(key, text);
    }
    this.options.onIssue?.(issue);
  }
}
