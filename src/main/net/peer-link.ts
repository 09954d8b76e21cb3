// One outbound link: this node -> one peer. It owns the send queue, the fault verdicts, the dialing
// connection and its reconnect backoff. The connection is used only for sending, once both sides
// proved they hold the cluster secret (peer-handshake.ts); every frame then leaves with its MAC.
//
// The queue keeps the link's FIFO order through every fault:
//   send -> [held] -(verdict)-> [ready, each with a due time] -(due, connected)-> socket
// - `held` holds messages not yet examined because the link said 'hold' (pause). They are
//   examined again, from the head, on release. While it is not empty, new messages join its tail.
// - `ready` holds examined messages, each with its due time. Messages leave from its head only,
//   so a short delay never overtakes a longer one sent earlier on the same link.
// Both together are bounded in count and bytes: when full the transport drops with 'queue-full'.
import { connect, type Socket } from 'node:net';
import type { Message, NodeId, Random } from '../../shared/raft/types';
import type { FrameSealer } from './peer-auth';
import { DialerHandshake } from './peer-handshake';
import type { HostClock, LinkFaults, TimerHandle } from './types';

export interface Outgoing {
  /** The Raft message, or null for a snapshot stream frame (snapshot-codec.ts). */
  readonly message: Message | null;
  /** A stream frame's owner hears of its drop here (Raft messages are reported as 'drop' events). */
  readonly onDropped?: (reason: string) => void;
  readonly frame: Uint8Array;
  readonly id: number;
  /** Host time at which it may leave; set when examined. */
  dueAt: number;
}

export interface PeerLinkLimits {
  /** Messages queued per peer (held + ready). */
  readonly maxQueuedMessages: number;
  /** Bytes of frames queued per peer. */
  readonly maxQueuedBytes: number;
  /** Bytes the socket may buffer (peer not reading) before the link stops handing it frames. */
  readonly maxSocketBufferBytes: number;
  /** Reconnect backoff: the first retry waits about base, each failure doubles it up to max (host ms). */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** Real ms for the TCP connect plus handshake before giving up on an attempt. */
  readonly connectTimeoutMs: number;
}

export type LinkIssueKind = 'connect-failed' | 'handshake-rejected' | 'handshake-invalid';

export interface PeerLinkContext {
  readonly self: NodeId;
  readonly peer: NodeId;
  readonly address: { readonly host: string; readonly port: number };
  readonly clusterId: string;
  /** The cluster secret this link proves and expects the peer to prove. */
  readonly secret: Uint8Array;
  readonly clock: HostClock;
  readonly random: Random;
  readonly faults: LinkFaults | null;
  readonly limits: PeerLinkLimits;
  /** Called for messages the fault layer drops, with its reason. */
  readonly onFaultDrop: (item: Outgoing, reason: string) => void;
  readonly onIssue: (kind: LinkIssueKind, detail: string) => void;
  /** The link authenticated a connection: earlier trouble is over. */
  readonly onConnected?: () => void;
}

const DELIVER_NOW = { action: 'deliver', delayMs: 0 } as const;

/** A FIFO with amortised O(1) shift. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    const item = this.items[this.head];
    if (item === undefined) return undefined;
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  peekAll(): T[] {
    return this.items.slice(this.head);
  }

  drain(): T[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return rest;
  }
}

type ConnectionState = 'idle' | 'connecting' | 'open' | 'backoff' | 'closed';

export class PeerLink {
  private readonly held = new Fifo<Outgoing>();
  private readonly ready = new Fifo<Outgoing>();
  private queuedBytes = 0;

  private state: ConnectionState = 'idle';
  private socket: Socket | null = null;
  /** The open connection's MAC state; a new one per connection (the sequence restarts with it). */
  private sealer: FrameSealer | null = null;
  private failedAttempts = 0;
  private backoffTimer: TimerHandle | null = null;
  private dueTimer: TimerHandle | null = null;
  /** The end-of-turn flush, while one is scheduled. */
  private scheduledFlush: NodeJS.Immediate | null = null;

  constructor(private readonly context: PeerLinkContext) {}

  get queuedMessages(): number {
    return this.held.length + this.ready.length;
  }

  get connected(): boolean {
    return this.state === 'open';
  }

  hasRoom(frameBytes: number): boolean {
    const limits = this.context.limits;
    return this.queuedMessages < limits.maxQueuedMessages && this.queuedBytes + frameBytes <= limits.maxQueuedBytes;
  }

  /** Queues an accepted message (the caller checked `hasRoom`). */
  enqueue(item: Outgoing): void {
    if (this.state === 'closed') return;
    this.queuedBytes += item.frame.length;
    if (this.held.length > 0) this.held.push(item);
    else this.examine(item);
    this.scheduleFlush();
  }

  /** The fault layer may let held messages go: examine them again from the head. */
  release(): void {
    if (this.state === 'closed' || this.held.length === 0) return;
    while (this.held.length > 0) {
      const item = this.held.peek()!;
      if (this.verdictFor(item) === 'hold') break;
      this.held.shift();
    }
    this.scheduleFlush();
  }

  /** The messages waiting for a verdict (paused), oldest first: what a staging tool may step or drop. */
  heldItems(): readonly Outgoing[] {
    return this.held.peekAll();
  }

  /**
   * Pause was just switched on: messages examined but not yet written (waiting out their added
   * delay) go back to the head of `held`, in order, so that stepping sees every message in flight
   * and a stepped message is not stuck behind one whose due time the frozen clock never reaches.
   */
  recall(): void {
    if (this.state === 'closed' || this.ready.length === 0) return;
    const back = [...this.ready.drain(), ...this.held.drain()];
    for (const item of back) this.held.push(item);
  }

  /** Kill-style: destroy the socket, cancel timers, and return every queued message, now dropped. */
  close(): Outgoing[] {
    if (this.state === 'closed') return [];
    this.state = 'closed';
    this.socket?.destroy();
    this.socket = null;
    this.sealer = null;
    this.cancelTimer('backoff');
    this.cancelTimer('due');
    if (this.scheduledFlush !== null) clearImmediate(this.scheduledFlush);
    this.scheduledFlush = null;
    this.queuedBytes = 0;
    return [...this.ready.drain(), ...this.held.drain()];
  }

  /** Applies the verdict to a message at the examination point (the head of `held`, or a new message). */
  private examine(item: Outgoing): void {
    if (this.verdictFor(item) === 'hold') this.held.push(item);
  }

  /**
   * Asks the fault layer about `item`. On 'deliver' it moves to `ready`, on 'drop' it is gone;
   * on 'hold' the caller keeps it in `held`.
   */
  private verdictFor(item: Outgoing): 'moved' | 'dropped' | 'hold' {
    const verdict = this.context.faults?.verdict(this.context.self, this.context.peer, item.id) ?? DELIVER_NOW;
    if (verdict.action === 'hold') return 'hold';
    if (verdict.action === 'drop') {
      this.queuedBytes -= item.frame.length;
      this.context.onFaultDrop(item, verdict.reason);
      return 'dropped';
    }
    const now = this.context.clock.now();
    item.dueAt = verdict.delayMs > 0 ? now + verdict.delayMs : now;
    this.ready.push(item);
    return 'moved';
  }

  /**
   * Hands what is due to the socket now, in one write, instead of at the end of this turn of the
   * event loop. The host calls it once it has queued a whole Ready's messages: the batch is then
   * complete, and waiting would let other I/O of this turn (a burst of client commands) delay it.
   */
  flushNow(): void {
    this.flush();
    // Nothing is left for the end of the turn. The host flushes from inside a setImmediate (the
    // Ready loop), so the end-of-turn flush would run in the next loop iteration, costing it a
    // zero-timeout epoll_wait to find the queue empty: one wasted syscall per Ready on each node.
    if (this.scheduledFlush !== null && this.ready.length === 0) {
      clearImmediate(this.scheduledFlush);
      this.scheduledFlush = null;
    }
  }

  /** Batches: everything queued in this turn of the event loop leaves in one write. */
  private scheduleFlush(): void {
    if (this.scheduledFlush !== null || this.state === 'closed') return;
    this.scheduledFlush = setImmediate(this.flushAtEndOfTurn);
  }

  private readonly flushAtEndOfTurn = (): void => {
    this.scheduledFlush = null;
    this.flush();
  };

  private flush(): void {
    if (this.state === 'closed' || this.ready.length === 0) return;
    const socket = this.socket;
    const sealer = this.sealer;
    if (this.state !== 'open' || socket === null || sealer === null) {
      if (this.state === 'idle') this.dial();
      return;
    }
    const now = this.context.clock.now();
    const room = this.context.limits.maxSocketBufferBytes - socket.writableLength;
    // The peer is not reading: leave the rest queued (bounded) until 'drain'.
    if (room <= 0) return;
    const frames: Uint8Array[] = [];
    let batchBytes = 0;
    for (let head = this.ready.peek(); head !== undefined; head = this.ready.peek()) {
      if (head.dueAt > now) break;
      if (frames.length > 0 && batchBytes + head.frame.length > room) break;
      this.ready.shift();
      frames.push(head.frame);
      batchBytes += head.frame.length;
    }
    this.queuedBytes -= batchBytes;
    // One buffer holds the batch and its MACs: still one write (a lone frame is now copied once too).
    if (frames.length > 0) socket.write(sealer.seal(frames, batchBytes));
    const head = this.ready.peek();
    if (head === undefined) return;
    // Either the head is not due yet, or the socket is full and 'drain' will flush again.
    if (head.dueAt > now) this.armDueTimer(head.dueAt - now);
  }

  private armDueTimer(delayMs: number): void {
    if (this.dueTimer !== null) return;
    this.dueTimer = this.context.clock.setTimeout(() => {
      this.dueTimer = null;
      this.flush();
    }, delayMs);
  }

  private cancelTimer(which: 'backoff' | 'due'): void {
    const timer = which === 'backoff' ? this.backoffTimer : this.dueTimer;
    if (timer !== null) this.context.clock.clearTimeout(timer);
    if (which === 'backoff') this.backoffTimer = null;
    else this.dueTimer = null;
  }

  private dial(): void {
    const { address, limits } = this.context;
    this.state = 'connecting';
    const socket = connect({ host: address.host, port: address.port });
    this.socket = socket;
    socket.setNoDelay(true);
    const handshake = new DialerHandshake(this.context.secret, {
      self: this.context.self,
      peer: this.context.peer,
      clusterId: this.context.clusterId,
    });
    const giveUp = setTimeout(() => {
      this.context.onIssue('connect-failed', `no handshake answer within ${limits.connectTimeoutMs} ms`);
      socket.destroy();
    }, limits.connectTimeoutMs);
    giveUp.unref();
    socket.on('connect', () => socket.write(handshake.hello()));
    socket.on('data', (chunk: Buffer) => {
      if (this.socket !== socket || this.state !== 'connecting') {
        // The acceptor sends nothing after its answer: anything more is not a RaftLab peer.
        if (this.socket === socket && this.state === 'open') socket.destroy();
        return;
      }
      const step = handshake.push(chunk);
      if (step.kind === 'pending') return;
      if (step.kind === 'send') {
        socket.write(step.bytes);
        return;
      }
      clearTimeout(giveUp);
      if (step.kind === 'failed') {
        this.context.onIssue(step.why === 'invalid' ? 'handshake-invalid' : 'handshake-rejected', failureText(step));
        socket.destroy();
        return;
      }
      this.sealer = step.sealer;
      this.state = 'open';
      this.failedAttempts = 0;
      this.context.onConnected?.();
      this.flush();
    });
    socket.on('drain', () => this.flush());
    socket.on('error', (error) => {
      if (this.state === 'connecting') this.context.onIssue('connect-failed', error.message);
    });
    socket.on('close', () => {
      clearTimeout(giveUp);
      if (this.socket !== socket) return;
      this.socket = null;
      this.sealer = null;
      if (this.state === 'closed') return;
      this.scheduleReconnect();
    });
  }

  /** Exponential backoff with jitter: half the cap plus a random part of the other half. */
  private scheduleReconnect(): void {
    const { backoffBaseMs, backoffMaxMs } = this.context.limits;
    this.failedAttempts++;
    const capMs = Math.min(backoffMaxMs, backoffBaseMs * 2 ** Math.min(this.failedAttempts - 1, 30));
    const half = Math.floor(capMs / 2);
    const delayMs = capMs - half + this.context.random.nextInt(half + 1);
    this.state = 'backoff';
    this.backoffTimer = this.context.clock.setTimeout(() => {
      this.backoffTimer = null;
      if (this.state !== 'backoff') return;
      this.state = 'idle';
      // Dial again only if there is something to send; otherwise the next send dials.
      if (this.ready.length > 0) this.dial();
    }, delayMs);
  }
}

const SAME_SECRET_HINT =
  'every member needs the same cluster secret: the same cluster.secret file (copy it from a running ' +
  'member), the same --secret-file, or the same RAFTLAB_SECRET';

/** What a failed handshake means to whoever reads the log, and what to do about it. */
function failureText(step: { readonly why: 'refused' | 'unproven' | 'invalid'; readonly detail: string }): string {
  if (step.why === 'unproven') return `the peer could not prove it holds our cluster secret; ${SAME_SECRET_HINT}`;
  if (step.why === 'refused') {
    return `the peer refused us (${step.detail}): check that it runs the same configuration, and ${SAME_SECRET_HINT}`;
  }
  return step.detail;
}
