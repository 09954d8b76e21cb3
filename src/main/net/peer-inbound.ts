// One accepted peer connection, used only for receiving. It checks the dialer's hello (same
// cluster, a known peer, addressed to this node), answers, then decodes frames until the
// connection ends. Any malformed input closes this connection and nothing else; no exception
// leaves a socket handler.
import type { Socket } from 'node:net';
import type { NodeId } from '../../shared/raft/types';
import { PeerCodecError } from './binary-io';
import { FrameReader } from './frame-reader';
import { type DecodedFrame, decodeFrame } from './peer-codec';
import { ACCEPTED_ANSWER, encodeRejection, HelloReader, type PeerHello } from './peer-handshake';

export type InboundIssueKind = 'handshake-refused' | 'handshake-invalid' | 'bad-frame' | 'handler-threw';

export interface InboundContext {
  readonly self: NodeId;
  readonly clusterId: string;
  readonly maxFrameBytes: number;
  /** Real ms a new connection has to complete its hello. */
  readonly handshakeTimeoutMs: number;
  isKnownPeer(id: NodeId): boolean;
  /** The hello was accepted; `from` is the authenticated sender for the life of the connection. */
  onAccepted(from: NodeId, connection: InboundPeerConnection): void;
  onFrame(from: NodeId, frame: DecodedFrame): void;
  onIssue(peer: NodeId | null, kind: InboundIssueKind, detail: string): void;
  onClosed(connection: InboundPeerConnection): void;
}

export class InboundPeerConnection {
  private hello: PeerHello | null = null;
  private readonly helloReader = new HelloReader();
  private readonly frames: FrameReader;
  private handshakeTimer: NodeJS.Timeout | null = null;
  private done = false;

  constructor(
    private readonly socket: Socket,
    private readonly context: InboundContext,
  ) {
    this.frames = new FrameReader(context.maxFrameBytes);
  }

  get peer(): NodeId | null {
    return this.hello?.from ?? null;
  }

  /** Attaches the listeners synchronously; `head` is input the node server already read. */
  start(head: Uint8Array): void {
    const socket = this.socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => socket.destroy());
    socket.on('error', () => {});
    socket.on('close', () => this.onClose());
    this.handshakeTimer = setTimeout(() => {
      this.context.onIssue(null, 'handshake-invalid', 'no hello in time');
      this.destroy();
    }, this.context.handshakeTimeoutMs);
    this.handshakeTimer.unref();
    if (head.length > 0) this.onData(head);
  }

  destroy(): void {
    this.socket.destroy();
    this.onClose();
  }

  private onClose(): void {
    if (this.done) return;
    this.done = true;
    if (this.handshakeTimer !== null) clearTimeout(this.handshakeTimer);
    this.context.onClosed(this);
  }

  private onData(chunk: Uint8Array): void {
    if (this.done) return;
    if (this.hello === null) {
      let result: ReturnType<HelloReader['push']>;
      try {
        result = this.helloReader.push(chunk);
      } catch (error) {
        this.context.onIssue(null, 'handshake-invalid', errorText(error));
        this.destroy();
        return;
      }
      if (result === null) return;
      if (!this.accept(result.hello)) return;
      this.frames.push(result.rest);
    } else {
      this.frames.push(chunk);
    }
    this.readFrames();
  }

  private accept(hello: PeerHello): boolean {
    if (this.handshakeTimer !== null) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    const { self, clusterId } = this.context;
    let refusal: string | null = null;
    if (hello.clusterId !== clusterId) refusal = `cluster id mismatch: this node is in '${clusterId}'`;
    else if (hello.to !== self) refusal = `wrong node: this is ${self}, not ${hello.to}`;
    else if (hello.from === self || !this.context.isKnownPeer(hello.from)) refusal = `unknown peer ${hello.from}`;
    if (refusal !== null) {
      this.context.onIssue(hello.from, 'handshake-refused', refusal);
      this.done = true;
      this.context.onClosed(this);
      // Let the answer reach the dialer, then close whatever it does.
      this.socket.end(encodeRejection(refusal));
      setTimeout(() => this.socket.destroy(), 1000).unref();
      return false;
    }
    this.hello = hello;
    this.socket.write(ACCEPTED_ANSWER);
    this.context.onAccepted(hello.from, this);
    return true;
  }

  private readFrames(): void {
    const from = this.hello!.from;
    for (;;) {
      if (this.done) return;
      let decoded: DecodedFrame;
      try {
        const frame = this.frames.next();
        if (frame === null) return;
        decoded = decodeFrame(frame, this.context.maxFrameBytes);
        if (decoded.message.from !== from || decoded.message.to !== this.context.self) {
          throw new PeerCodecError('bad-value', `a message from ${decoded.message.from} to ${decoded.message.to}`);
        }
      } catch (error) {
        this.context.onIssue(from, 'bad-frame', errorText(error));
        this.destroy();
        return;
      }
      try {
        this.context.onFrame(from, decoded);
      } catch (error) {
        // The receiver's bug must not take the connection (or the process) down with it.
        this.context.onIssue(from, 'handler-threw', errorText(error));
      }
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
