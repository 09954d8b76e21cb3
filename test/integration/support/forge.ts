// A member gone bad: it holds the cluster secret, so it passes the authenticated handshake, and then
// sends peer frames it built itself. (A stranger without the secret is refused at the handshake:
// see peer-forge.ts.) Every forged-frame test builds its connection here and nowhere else.
import { connect as tcpConnect } from 'node:net';
import { encodeFrame } from '../../../src/main/net/peer-codec';
import { DialerHandshake } from '../../../src/main/net/peer-handshake';
import { clusterIdOf } from '../../../src/shared/config';
import type { Message, NodeId } from '../../../src/shared/raft/types';
import { portOf } from './ports';

/** The secret the forged-frame tests give their nodes (as RAFTLAB_SECRET, or as bytes), so this member can authenticate. */
export const FORGE_SECRET_TEXT = 'forged-frames test secret: a member gone bad';
export const FORGE_SECRET: Uint8Array = Buffer.from(FORGE_SECRET_TEXT, 'utf8');

/**
 * Connects to `target` as member `from` with the cluster secret, sends `messages` as sealed peer
 * frames, and resolves once the node has read them all and the connection is closed. Rejects if
 * the handshake fails.
 */
export function sendForgedFrames(
  partitions: readonly (readonly NodeId[])[],
  from: NodeId,
  target: NodeId,
  messages: readonly Message[],
): Promise<void> {
  const handshake = new DialerHandshake(FORGE_SECRET, {
    self: from,
    peer: target,
    clusterId: clusterIdOf(partitions as string[][]),
  });
  const frames = messages.map((message, i) => encodeFrame(message, i + 1));
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(portOf(target), '127.0.0.1');
    let open = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to the handshake from ${target}`));
    }, 10_000);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (open) resolve();
      else reject(new Error(`${target} closed the connection during the handshake`));
    });
    socket.on('data', (chunk: Buffer) => {
      if (open) return;
      const step = handshake.push(chunk);
      if (step.kind === 'send') socket.write(step.bytes);
      else if (step.kind === 'failed') {
        socket.destroy();
        reject(new Error(`handshake ${step.why}: ${step.detail}`));
      } else if (step.kind === 'open') {
        open = true;
        const total = frames.reduce((sum, frame) => sum + frame.length, 0);
        // Half-close after the frames: the node reads everything sent, then closes its side.
        socket.end(step.sealer.seal(frames, total));
      }
    });
    socket.write(handshake.hello());
  });
}
