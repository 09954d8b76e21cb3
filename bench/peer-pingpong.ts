// What one peer message costs in the network layer alone: two PeerTransports in this process, on
// real ports of 127.0.0.1, with the cluster secret's MACs, play heartbeat ping-pong. Each message
// is flushed at once, as the Ready loop does. Prints CPU microseconds per message (user + system,
// both ends) for back-to-back rounds and for rounds paced like an idle cluster's heartbeats, where
// every message meets a sleeping process and cold caches.
//   npx tsx bench/peer-pingpong.ts [--rounds N] [--paced-rounds N] [--pace-ms MS]

import { NodeServer } from '../src/main/net/node-server';
import { PeerTransport } from '../src/main/net/peer-transport';
import { realClock } from '../src/main/net/testing/clocks';
import type { Message, NodeId } from '../src/shared/raft/types';
import { SeededRandom } from '../src/shared/random';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1] ?? fallback) : fallback;
}

const SECRET = Buffer.from('peer ping-pong bench secret, any bytes will do');

interface End {
  readonly id: NodeId;
  readonly server: NodeServer;
  readonly transport: PeerTransport;
}

async function startPair(onMessage: (at: 0 | 1, message: Message) => void): Promise<[End, End]> {
  const holders: { transport: PeerTransport | null }[] = [{ transport: null }, { transport: null }];
  const servers = await Promise.all(
    holders.map((holder) =>
      NodeServer.listen({
        host: '127.0.0.1',
        port: 0,
        routes: {
          client: (socket) => socket.destroy(),
          peer: (socket, head) => holder.transport?.acceptInbound(socket, head),
        },
      }),
    ),
  );
  const ids = servers.map((server) => `127.0.0.1:${server.port}`);
  const ends = servers.map((server, at) => {
    const transport = new PeerTransport({
      self: ids[at]!,
      clusterId: 'bench',
      secret: SECRET,
      peers: ids,
      clock: realClock(),
      random: new SeededRandom(at + 1),
      onMessage: (message) => onMessage(at as 0 | 1, message),
    });
    holders[at]!.transport = transport;
    return { id: ids[at]!, server, transport };
  });
  return ends as [End, End];
}

const rounds = option('rounds', 20_000);
const pacedRounds = option('paced-rounds', 400);
const paceMs = option('pace-ms', 5);

let roundDone: (() => void) | null = null;
const [leader, follower] = await startPair((at, message) => {
  if (at === 1) {
    follower.transport.send({
      type: 'HeartbeatResp',
      from: follower.id,
      to: leader.id,
      term: message.term,
      context: 0,
    });
    follower.transport.flush();
  } else {
    roundDone?.();
  }
});

function round(term: number): Promise<void> {
  return new Promise((resolve) => {
    roundDone = resolve;
    leader.transport.send({ type: 'Heartbeat', from: leader.id, to: follower.id, term, commit: term, context: 0 });
    leader.transport.flush();
  });
}

function microsPerMessage(before: NodeJS.CpuUsage, messages: number): number {
  const used = process.cpuUsage(before);
  return Math.round(((used.user + used.system) / messages) * 10) / 10;
}

// Connect and warm up (the first send dials and runs the handshake).
for (let i = 1; i <= 2000; i++) await round(i);
let before = process.cpuUsage();
for (let i = 1; i <= rounds; i++) await round(i);
const backToBack = microsPerMessage(before, rounds * 2);
before = process.cpuUsage();
for (let i = 1; i <= pacedRounds; i++) {
  await new Promise((resolve) => setTimeout(resolve, paceMs));
  await round(i);
}
const pacedWithTimer = microsPerMessage(before, pacedRounds * 2);
console.log(
  JSON.stringify({
    rounds,
    backToBackMicrosPerMessage: backToBack,
    pacedRounds,
    paceMs,
    pacedMicrosPerMessage: pacedWithTimer,
  }),
);
leader.transport.close();
follower.transport.close();
await Promise.all([leader.server.close(), follower.server.close()]);
