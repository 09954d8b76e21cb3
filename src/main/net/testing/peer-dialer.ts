// A member's side of a peer connection, for tests that write raw frames to a real node: it runs
// the real dialer handshake with the cluster secret, then seals whatever bytes a test wants sent.
import type { Socket } from 'node:net';
import type { FrameSealer } from '../peer-auth';
import { DialerHandshake } from '../peer-handshake';
import { openSocket } from './sockets';

export interface AuthenticatedPeer {
  readonly socket: Socket;
  /** Each frame followed by its MAC, as a member sends it. */
  seal(...frames: Uint8Array[]): Buffer;
}

export async function authenticatedPeerSocket(
  port: number,
  ids: { readonly self: string; readonly peer: string; readonly clusterId: string },
  secret: Uint8Array,
  /** Sees every handshake byte sent, e.g. to record a session for a replay. */
  onWrite: (bytes: Uint8Array) => void = () => {},
): Promise<AuthenticatedPeer> {
  const socket = await openSocket(port);
  const send = (bytes: Uint8Array): void => {
    onWrite(bytes);
    socket.write(bytes);
  };
  const handshake = new DialerHandshake(secret, ids);
  const sealer = await new Promise<FrameSealer>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      const step = handshake.push(chunk);
      if (step.kind === 'send') send(step.bytes);
      else if (step.kind === 'failed') reject(new Error(`handshake failed (${step.why}): ${step.detail}`));
      else if (step.kind === 'open') {
        socket.off('data', onData);
        resolve(step.sealer);
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('the node closed the connection during the handshake')));
    send(handshake.hello());
  });
  return {
    socket,
    seal: (...frames) =>
      sealer.seal(
        frames,
        frames.reduce((sum, frame) => sum + frame.length, 0),
      ),
  };
}
