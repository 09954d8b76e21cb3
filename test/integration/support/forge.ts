// A stranger on the network speaking Raft to a real node: it claims to be a member, then sends
// peer frames it built itself. Every forged-frame test builds its connection here and nowhere
// else, so that when the handshake changes (peer authentication) only this file follows it.
import { connect as tcpConnect } from 'node:net';
import { encodeFrame } from '../../../src/main/net/peer-codec';
import { encodeHello } from '../../../src/main/net/peer-handshake';
import { clusterIdOf } from '../../../src/shared/config';
import type { Message, NodeId } from '../../../src/shared/raft/types';
import { portOf } from './ports';

/**
 * Connects to `target` as member `from`, sends `messages` as peer frames, and resolves once the
 * node has read them all and the connection is closed. Rejects if the hello is refused.
 */
export function sendForgedFrames(
  partitions: readonly (readonly NodeId[])[],
  from: NodeId,
  target: NodeId,
  messages: readonly Message[],
): Promise<void> {
  const hello = encodeHello({ from, to: target, clusterId: clusterIdOf(partitions as string[][]) });
  const frames = messages.map((message, i) => encodeFrame(message, i + 1));
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(portOf(target), '127.0.0.1');
    let answered = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to the hello from ${target}`));
    }, 10_000);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (answered) resolve();
      else reject(new Error(`${target} closed the connection before answering the hello`));
    });
    socket.on('data', (chunk: Buffer) => {
      if (answered) return;
      answered = true;
      // 00 01 is "accepted"; anything else is a refusal with a reason.
      if (chunk[0] !== 0 || chunk[1] !== 1) {
        socket.destroy();
        reject(new Error(`hello refused: ${chunk.subarray(3).toString('utf8')}`));
        return;
      }
      // Half-close after the frames: the node reads everything sent, then closes its side.
      socket.end(Buffer.concat(frames));
    });
    socket.write(hello);
  });
}
