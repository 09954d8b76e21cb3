// One accepted peer connection, used only for receiving. It checks the dialer's hello (same
// cluster, a known peer, addressed to this node), then the mutual proof of the cluster secret
// (peer-auth.ts), and only then hands the connection over as the peer's: an unauthenticated
// connection never replaces a member's. Every frame after that must carry the right MAC for its
// place in the sequence, checked before it is decoded. Any malformed or unauthenticated input
// closes this connection and nothing else; no exception leaves a socket handler.
import type { Socket } from 'node:net';
import type { NodeId } from '../../shared/raft/types';
import { PeerCodecError } from './binary-io';
import { FrameReader } from './frame-reader';
import {
  FRAME_MAC_BYTES,
  FrameOpener,
  type HandshakeTranscript,
  newChallenge,
  proofMatches,
  proofOf,
  sessionKeyOf,
} from './peer-auth';
import { type DecodedFrame, decodeFrame } from './peer-codec';
import {
  ACCEPTED_ANSWER,
  encodeChallenge,
  encodeRejection,
  GENERIC_REFUSAL,
  HelloReader,
  type PeerHello,
  ProofReader,
} from './peer-handshake';
import { decodeStreamFrame, isStreamFrame, type StreamFrame } from './snapshot-codec';

export type InboundIssueKind = 'handshake-refused' | 'handshake-invalid' | 'bad-frame' | 'handler-threw';

export interface InboundContext {
  readonly self: NodeId;
  readonly clusterId: string;
  /** The cluster secret both sides must prove they hold. */
  readonly secret: Uint8Array;
  readonly maxFrameBytes: number;
  /** Real ms a new connection has to complete its handshake (hello and proof). */
  readonly handshakeTimeoutMs: number;
  isKnownPeer(id: NodeId): boolean;
  /** The handshake succeeded; `from` is the authenticated sender for the life of the connection. */
  onAccepted(from: NodeId, connection: InboundPeerConnection): void;
  onFrame(from: NodeId, frame: DecodedFrame): void;
  /** A snapshot stream frame (snapshot-codec.ts), authenticated and addressed like any frame. */
  onStreamFrame?(from: NodeId, frame: StreamFrame, id: number): void;
  onIssue(peer: NodeId | null, kind: InboundIssueKind, detail: string): void;
  onClosed(connection: InboundPeerConnection): void;
}

export class InboundPeerConnection {
  private readonly helloReader = new HelloReader();
  /** Set once the hello passed its checks: the connection then waits for the dialer's proof. */
  private pending: { readonly hello: PeerHello; readonly transcript: HandshakeTranscript } | null = null;
  private readonly proofReader = new ProofReader();
  /** Set once the dialer proved the secret. */
  private authenticated: { readonly from: NodeId; readonly opener: FrameOpener } | null = null;
  private readonly frames: FrameReader;
  private handshakeTimer: NodeJS.Timeout | null = null;
  private done = false;

  constructor(
    private readonly socket: Socket,
    private readonly context: InboundContext,
  ) {
    this.frames = new FrameReader(context.maxFrameBytes, FRAME_MAC_BYTES);
  }

  /** The authenticated peer; null until the handshake succeeded. */
  get peer(): NodeId | null {
    return this.authenticated?.from ?? null;
  }

  /** Attaches the listeners synchronously; `head` is input the node server already read. */
  start(head: Uint8Array): void {
    const socket = this.socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => socket.destroy());
    socket.on('error', () => {});
    socket.on('close', () => {
      // A member with another secret hangs up on seeing our proof fail its check: say so here too.
      if (!this.done && this.pending !== null && this.authenticated === null) {
        const from = this.pending.hello.from;
        this.context.onIssue(from, 'handshake-invalid', `${from} hung up before proving the cluster secret`);
      }
      this.onClose();
    });
    this.handshakeTimer = setTimeout(() => {
      this.context.onIssue(this.pending?.hello.from ?? null, 'handshake-invalid', 'no complete handshake in time');
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
    if (this.authenticated !== null) {
      this.frames.push(chunk);
      this.readFrames();
      return;
    }
    let input = chunk;
    if (this.pending === null) {
      let result: ReturnType<HelloReader['push']>;
      try {
        result = this.helloReader.push(input);
      } catch (error) {
        this.context.onIssue(null, 'handshake-invalid', errorText(error));
        this.destroy();
        return;
      }
      if (result === null) return;
      if (!this.challenge(result.hello)) return;
      if (result.rest.length === 0) return;
      input = result.rest;
    }
    const proof = this.proofReader.push(input);
    if (proof === null) return;
    if (!this.authenticate(proof.proof)) return;
    this.frames.push(proof.rest);
    this.readFrames();
  }

  /** Checks the hello; if it may go on, answers with our challenge and our proof. */
  private challenge(hello: PeerHello): boolean {
    const { self, clusterId, secret } = this.context;
    let refusal: string | null = null;
    // The local log may say which check failed; the dialer is told only GENERIC_REFUSAL.
    if (hello.clusterId !== clusterId) refusal = 'its configuration differs from ours (another cluster id)';
    else if (hello.to !== self) refusal = `it meant to reach ${hello.to}, not this node`;
    else if (hello.from === self || !this.context.isKnownPeer(hello.from)) {
      refusal = `${hello.from} is not a member of this node's group`;
    }
    if (refusal !== null) {
      this.refuse(hello.from, refusal);
      return false;
    }
    const transcript: HandshakeTranscript = {
      clusterId,
      dialer: hello.from,
      acceptor: self,
      dialerChallenge: hello.challenge,
      acceptorChallenge: newChallenge(),
    };
    this.pending = { hello, transcript };
    this.socket.write(encodeChallenge(transcript.acceptorChallenge, proofOf(secret, 'acceptor', transcript)));
    return true;
  }

  /** Checks the dialer's proof; only then does the connection become the peer's. */
  private authenticate(proof: Uint8Array): boolean {
    const { hello, transcript } = this.pending!;
    const secret = this.context.secret;
    if (!proofMatches(secret, 'dialer', transcript, proof)) {
      this.refuse(
        hello.from,
        `the dialer claiming to be ${hello.from} failed to prove the cluster secret ` +
          '(a stranger, or a member with another secret: every member needs the same one)',
      );
      return false;
    }
    if (this.handshakeTimer !== null) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    this.authenticated = { from: hello.from, opener: new FrameOpener(sessionKeyOf(secret, transcript)) };
    this.socket.write(ACCEPTED_ANSWER);
    this.context.onAccepted(hello.from, this);
    return true;
  }

  private refuse(claimed: NodeId, reason: string): void {
    this.context.onIssue(claimed, 'handshake-refused', reason);
    this.done = true;
    if (this.handshakeTimer !== null) clearTimeout(this.handshakeTimer);
    this.context.onClosed(this);
    // Let the answer reach the dialer, then close whatever it does.
    this.socket.end(encodeRejection(GENERIC_REFUSAL));
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private readFrames(): void {
    const { from, opener } = this.authenticated!;
    for (;;) {
      if (this.done) return;
      let decoded: DecodedFrame | StreamFrame;
      let streamId = 0;
      try {
        const sealed = this.frames.next();
        if (sealed === null) return;
        const frame = sealed.subarray(0, sealed.length - FRAME_MAC_BYTES);
        // Nothing unauthenticated is decoded: injected, altered, reordered or replayed bytes end here.
        if (!opener.verify(frame, sealed.subarray(sealed.length - FRAME_MAC_BYTES))) {
          throw new PeerCodecError('bad-value', 'a frame whose MAC is wrong (altered, injected or replayed)');
        }
        if (isStreamFrame(frame)) {
          decoded = decodeStreamFrame(frame);
          streamId = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).readUInt32BE(4);
        } else decoded = decodeFrame(frame, this.context.maxFrameBytes);
        const named = 'message' in decoded ? decoded.message : decoded;
        if (named.from !== from || named.to !== this.context.self) {
          throw new PeerCodecError('bad-value', `a message from ${named.from} to ${named.to}`);
        }
      } catch (error) {
        this.context.onIssue(from, 'bad-frame', errorText(error));
        this.destroy();
        return;
      }
      try {
        if ('message' in decoded) this.context.onFrame(from, decoded);
        else this.context.onStreamFrame?.(from, decoded, streamId);
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
