// Sends a command to another node over RESP, as any client would, and returns its reply. One
// pipelined connection per target, opened on first use and again after it fails. Forwarding is
// client traffic, but it crosses the same links as Raft's messages, so a link the fault table
// cuts is one the forwarder refuses to use (a minority must not reach the majority's leader).

import type { NodeId } from '../../shared/raft/types';
import { addressOfNodeId } from '../net/peer-transport';
import { RespClient, RespClientError } from '../net/resp-client';
import type { RespReply } from '../net/types';
import { NodeStoppedError } from './local-group';

export interface ForwarderOptions {
  readonly self: NodeId;
  /** False when the link from self to `to` is cut; checked before each forward. */
  readonly canReach?: (to: NodeId) => boolean;
  readonly connectTimeoutMs?: number;
}

export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';

  /**
   * True when the command was written to the connection before it failed: the other node may have
   * carried it out. Retrying a write elsewhere could then apply it twice (a DEL that removed the
   * key answered 0 by its retry, a SET landing again after a later one); only reads may retry.
   */
  constructor(
    message: string,
    readonly mayHaveRun = false,
  ) {
    super(message);
  }
}

export class Forwarder {
  private readonly clients = new Map<NodeId, Promise<RespClient>>();
  private closed = false;

  constructor(private readonly options: ForwarderOptions) {}

  canReach(to: NodeId): boolean {
    return to !== this.options.self && (this.options.canReach?.(to) ?? true);
  }

  /**
   * Rejects with UnreachableError when the link is cut or the connection fails (another member may
   * do), and with NodeStoppedError once this node stopped (no one will).
   */
  async send(to: NodeId, args: readonly (string | Uint8Array)[]): Promise<RespReply> {
    if (this.closed) throw new NodeStoppedError('the node is stopping');
    if (!this.canReach(to)) throw new UnreachableError(`the link to ${to} is cut`);
    const client = await this.client(to);
    // An open connection takes the command onto the wire; a failed one refuses it unsent.
    const sent = !client.closed;
    try {
      return await client.command(...args);
    } catch (error) {
      this.clients.delete(to);
      if (error instanceof RespClientError) throw new UnreachableError(`${to}: ${error.message}`, sent);
      throw error;
    }
  }

  close(): void {
    this.closed = true;
    for (const pending of this.clients.values()) {
      pending.then((client) => client.close()).catch(() => undefined);
    }
    this.clients.clear();
  }

  private client(to: NodeId): Promise<RespClient> {
    const existing = this.clients.get(to);
    if (existing) {
      return existing.then((client) => (client.closed ? this.reconnect(to) : client));
    }
    return this.reconnect(to);
  }

  private reconnect(to: NodeId): Promise<RespClient> {
    // A connection that a request still waiting on a replaced one asks for after close().
    if (this.closed) return Promise.reject(new NodeStoppedError('the node is stopping'));
    const { host, port } = addressOfNodeId(to);
    // The remote enforces the request deadline and always answers; a command timeout here would
    // only turn a slow-motion reply into a false failure.
    const pending = RespClient.connect(host, port, {
      connectTimeoutMs: this.options.connectTimeoutMs ?? 1000,
      commandTimeoutMs: 0,
    }).then(
      (client) => {
        // Closed while connecting: close() could not see this socket, so it is closed here.
        if (!this.closed) return client;
        client.close();
        throw new NodeStoppedError('the node is stopping');
      },
      (error: unknown) => {
        if (this.clients.get(to) === pending) this.clients.delete(to);
        throw new UnreachableError(error instanceof Error ? error.message : String(error));
      },
    );
    this.clients.set(to, pending);
    return pending;
  }
}
