// Contracts between the network layer and the hosts above it. The node's one TCP port carries
// both peer traffic and client traffic (CONTRACTS.md §3); `node-server.ts` tells them apart by the
// first bytes and hands each connection to the peer transport or to the client server.
import type { Message, NodeId } from '../../shared/raft/types';

/**
 * The host's clock, scaled by the timescale and stoppable by pause. Everything in net/ that waits
 * (reconnect backoff, added latency) waits on this, never on the global timers, so that slow motion
 * and pause apply to the network too.
 */
export interface HostClock {
  /** Host time in ms: real ms divided by the timescale, frozen while paused. */
  now(): number;
  /** Runs `fn` after `ms` of host time. Paused time does not count. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export interface TimerHandle {
  readonly id: number;
}

/** What the fault layer says about one message about to leave on a link. */
export type LinkVerdict =
  | { readonly action: 'deliver'; readonly delayMs: number }
  | { readonly action: 'drop'; readonly reason: string }
  /** Keep it queued, in order, until `LinkFaults.onRelease` fires (pause). */
  | { readonly action: 'hold' };

/** Consulted by the sender for every message, so faults act in the transport, before TCP. */
export interface LinkFaults {
  /** `messageId` names the message, so a staging tool can let one held message go or drop it. */
  verdict(from: NodeId, to: NodeId, messageId?: number): LinkVerdict;
  /** Registers a callback for when held messages may be re-examined (resume, heal). Returns an unsubscribe. */
  onRelease(listener: () => void): () => void;
  /** True while the link from `from` to `to` is cut (not merely slow or lossy). Client forwarding checks it. */
  isCut(from: NodeId, to: NodeId): boolean;
}

/** Every message gets an id at send time that travels in its frame, so a view can pair send and deliver. */
export interface MessageMeta {
  readonly id: number;
  /** Encoded frame size in bytes. */
  readonly size: number;
}

export type TransportEvent =
  | { readonly type: 'send'; readonly message: Message; readonly meta: MessageMeta }
  | { readonly type: 'deliver'; readonly message: Message; readonly meta: MessageMeta }
  | { readonly type: 'drop'; readonly message: Message; readonly meta: MessageMeta; readonly reason: string };

/** RESP2 replies. Bulk strings are bytes so that keys and values stay binary-safe. */
export type RespReply =
  | { readonly type: 'simple'; readonly value: string }
  | { readonly type: 'error'; readonly value: string }
  | { readonly type: 'integer'; readonly value: number }
  | { readonly type: 'bulk'; readonly value: Uint8Array | null }
  | { readonly type: 'array'; readonly value: readonly RespReply[] | null };

/**
 * One client connection, as the handler sees it. Commands of a pipeline run concurrently, but a
 * client expects a GET pipelined after its own SET to see that SET (as Redis gives): the handler
 * keeps the connection's last unfinished write here so that later reads can wait for it.
 */
export interface ClientSession {
  pendingWrite: Promise<unknown> | null;
}

/** What the client server calls for each parsed command. Replies are written in command order. */
export interface CommandHandler {
  /** `args[0]` is the command name as sent. Never rejects: failures are `error` replies. */
  execute(args: readonly Uint8Array[], session?: ClientSession): Promise<RespReply> | RespReply;
}
