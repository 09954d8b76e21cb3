// Peer transports on real ports of 127.0.0.1, each behind a real node server.
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Heartbeat, Message, NodeId } from '../../shared/raft/types';
import { SeededRandom } from '../../shared/random';
import { NodeServer } from './node-server';
import { newChallenge, proofOf } from './peer-auth';
import { ACCEPTED_ANSWER, encodeChallenge, HelloReader } from './peer-handshake';
import { type PeerIssue, PeerTransport, type PeerTransportLimits } from './peer-transport';
import { ManualClock, realClock } from './testing/clocks';
import { unusedPort, waitFor } from './testing/sockets';
import type { HostClock, LinkFaults, LinkVerdict, TransportEvent } from './types';

const HOST = '127.0.0.1';

/** Fault layer under the test's control. */
class TestFaults implements LinkFaults {
  decide: (from: NodeId, to: NodeId) => LinkVerdict = () => ({ action: 'deliver', delayMs: 0 });
  private readonly listeners = new Set<() => void>();
  verdict(from: NodeId, to: NodeId): LinkVerdict {
    return this.decide(from, to);
  }
  onRelease(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  isCut(): boolean {
    return false;
  }
  release(): void {
    for (const listener of this.listeners) listener();
  }
}

interface TestNode {
  readonly id: NodeId;
  readonly port: number;
  server: NodeServer;
  transport: PeerTransport;
  readonly received: Message[];
  readonly events: TransportEvent[];
  readonly issues: PeerIssue[];
}

const SECRET = Buffer.from('peer transport test secret, 32 bytes');

interface NodeSetup {
  readonly clusterId?: string;
  readonly secret?: Uint8Array;
  readonly clock?: HostClock;
  readonly faults?: LinkFaults;
  readonly limits?: Partial<PeerTransportLimits>;
}

const started: TestNode[] = [];
const rawServers: Server[] = [];

afterEach(async () => {
  for (const node of started.splice(0)) {
    node.transport.close();
    await node.server.close();
  }
  for (const server of rawServers.splice(0)) server.close();
});

async function listen(node: { transport: PeerTransport | null }, port = 0): Promise<NodeServer> {
  return NodeServer.listen({
    host: HOST,
    port,
    routes: {
      client: (socket) => socket.destroy(),
      peer: (socket, head) => node.transport?.acceptInbound(socket, head),
    },
  });
}

function makeTransport(node: TestNode, peers: readonly NodeId[], setup: NodeSetup): PeerTransport {
  return new PeerTransport({
    self: node.id,
    clusterId: setup.clusterId ?? 'cluster',
    secret: setup.secret ?? SECRET,
    peers,
    clock: setup.clock ?? realClock(),
    random: new SeededRandom(7),
    faults: setup.faults,
    onMessage: (message) => node.received.push(message),
    onEvent: (event) => node.events.push(event),
    onIssue: (issue) => node.issues.push(issue),
    limits: { backoffBaseMs: 20, backoffMaxMs: 200, ...setup.limits },
  });
}

/** Starts `count` nodes that know each other (plus `extraPeers`), each on its own free port. */
async function startNodes(count: number, setups: NodeSetup[] = [], extraPeers: NodeId[] = []): Promise<TestNode[]> {
  const holders = Array.from({ length: count }, () => ({ transport: null as PeerTransport | null }));
  const servers = await Promise.all(holders.map((holder) => listen(holder)));
  const ids = servers.map((server) => `${HOST}:${server.port}`);
  const nodes = servers.map((server, i): TestNode => {
    const node = {
      id: ids[i]!,
      port: server.port,
      server,
      received: [],
      events: [],
      issues: [],
    } as unknown as TestNode;
    node.transport = makeTransport(node, [...ids, ...extraPeers], setups[i] ?? {});
    holders[i]!.transport = node.transport;
    return node;
  });
  started.push(...nodes);
  return nodes;
}

const heartbeat = (from: TestNode | NodeId, to: TestNode | NodeId, commit: number): Heartbeat => ({
  type: 'Heartbeat',
  from: typeof from === 'string' ? from : from.id,
  to: typeof to === 'string' ? to : to.id,
  term: 1,
  commit,
  context: 0,
});

const commits = (node: TestNode): number[] =>
  node.received.map((message) => (message.type === 'Heartbeat' ? message.commit : -1));

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('peer transport: delivery', () => {
  it('delivers every message from one node to another in send order, pairing send and deliver ids', async () => {
    const [a, b] = await startNodes(2);
    const messages: Message[] = [
      { type: 'Vote', from: a!.id, to: b!.id, term: 2, lastLogIndex: 5, lastLogTerm: 1, transfer: false },
      {
        type: 'App',
        from: a!.id,
        to: b!.id,
        term: 2,
        prevLogIndex: 5,
        prevLogTerm: 1,
        commit: 5,
        entries: [{ index: 6, term: 2, type: 'normal', data: Uint8Array.of(1, 2, 3) }],
      },
      ...Array.from({ length: 200 }, (_, i) => heartbeat(a!, b!, i)),
    ];
    for (const message of messages) a!.transport.send(message);
    await waitFor(() => b!.received.length === messages.length, 'every message to arrive');
    expect(b!.received).toEqual(messages);
    const sentIds = a!.events.filter((e) => e.type === 'send').map((e) => e.meta.id);
    const deliveredIds = b!.events.filter((e) => e.type === 'deliver').map((e) => e.meta.id);
    expect(deliveredIds).toEqual(sentIds);
    expect(sentIds).toHaveLength(messages.length);
  });

  it('connects three nodes both ways', async () => {
    const [a, b, c] = await startNodes(3);
    a!.transport.send(heartbeat(a!, b!, 1));
    a!.transport.send(heartbeat(a!, c!, 2));
    c!.transport.send(heartbeat(c!, a!, 3));
    b!.transport.send(heartbeat(b!, c!, 4));
    await waitFor(
      () => a!.received.length === 1 && b!.received.length === 1 && c!.received.length === 2,
      'four messages',
    );
    expect(commits(a!)).toEqual([3]);
    expect(commits(b!)).toEqual([1]);
    expect(commits(c!).sort()).toEqual([2, 4]);
  });

  it('sends the messages of one event-loop turn in one write', async () => {
    // A bare peer that passes the handshake as an acceptor and records how the bytes arrive.
    const chunks: Buffer[] = [];
    let fakeId = '';
    const fake = createServer((socket) => {
      const hellos = new HelloReader();
      let step: 'hello' | 'proof' | 'open' = 'hello';
      socket.on('data', (chunk: Buffer) => {
        if (step === 'hello') {
          const result = hellos.push(chunk);
          if (result === null) return;
          const acceptorChallenge = newChallenge();
          const transcript = {
            clusterId: 'cluster',
            dialer: result.hello.from,
            acceptor: fakeId,
            dialerChallenge: result.hello.challenge,
            acceptorChallenge,
          };
          socket.write(encodeChallenge(acceptorChallenge, proofOf(SECRET, 'acceptor', transcript)));
          step = 'proof';
        } else if (step === 'proof') {
          step = 'open';
          socket.write(ACCEPTED_ANSWER);
        } else {
          chunks.push(chunk);
        }
      });
    });
    rawServers.push(fake);
    await new Promise<void>((resolve) => fake.listen(0, HOST, resolve));
    const address = fake.address();
    fakeId = `${HOST}:${typeof address === 'object' && address !== null ? address.port : 0}`;
    const [a] = await startNodes(1, [], [fakeId]);
    a!.transport.send(heartbeat(a!, fakeId, 0));
    await waitFor(() => chunks.length === 1, 'the first frame');
    for (let i = 1; i <= 100; i++) a!.transport.send(heartbeat(a!, fakeId, i));
    await waitFor(() => Buffer.concat(chunks).length >= 101 * chunks[0]!.length, 'the hundred frames');
    expect(chunks).toHaveLength(2);
  });

  it('reconnects after the peer restarts on the same port', async () => {
    const [a, b] = await startNodes(2);
    a!.transport.send(heartbeat(a!, b!, 1));
    await waitFor(() => b!.received.length === 1, 'the first message');
    b!.transport.close();
    await b!.server.close();
    const holder = { transport: null as PeerTransport | null };
    b!.server = await listen(holder, b!.port);
    b!.received.length = 0;
    b!.transport = makeTransport(b!, [a!.id, b!.id], {});
    holder.transport = b!.transport;
    // Messages written into the dead connection are lost (Raft resends); later ones must arrive.
    let commit = 2;
    await waitFor(() => {
      a!.transport.send(heartbeat(a!, b!, commit++));
      return b!.received.length > 0;
    }, 'a message after the restart');
    const seen = commits(b!);
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
  });
});

describe('peer transport: reconnecting', () => {
  it('retries a dead peer with backoff bounded on the host clock, and delivers once the peer is up', async () => {
    const clock = new ManualClock();
    const port = await unusedPort();
    const laterId = `${HOST}:${port}`;
    const [a] = await startNodes(1, [{ clock, limits: { backoffBaseMs: 20, backoffMaxMs: 200 } }], [laterId]);
    const failures = () => a!.issues.filter((issue) => issue.kind === 'connect-failed').length;
    a!.transport.send(heartbeat(a!, laterId, 1));
    // Unbounded doubling from 20 ms would wait 2.5 s before the eighth retry; the cap keeps it under 200 ms.
    for (let attempt = 1; attempt <= 8; attempt++) {
      await waitFor(() => failures() >= attempt, `attempt ${attempt} to fail`);
      clock.advance(200);
    }
    const holder = { transport: null as PeerTransport | null };
    const later = {
      id: laterId,
      port,
      server: await listen(holder, port),
      received: [],
      events: [],
      issues: [],
    } as unknown as TestNode;
    later.transport = makeTransport(later, [a!.id, laterId], {});
    holder.transport = later.transport;
    started.push(later);
    await waitFor(() => {
      clock.advance(200);
      return later.received.length === 1;
    }, 'the queued message after the peer came up');
    expect(commits(later)).toEqual([1]);
  });
});

describe('peer transport: faults', () => {
  it("drops with the fault's reason, and delivers again once the fault is gone", async () => {
    const faults = new TestFaults();
    faults.decide = () => ({ action: 'drop', reason: 'cut' });
    const [a, b] = await startNodes(2, [{ faults }]);
    for (let i = 0; i < 5; i++) a!.transport.send(heartbeat(a!, b!, i));
    const drops = a!.events.filter((e) => e.type === 'drop');
    expect(drops.map((e) => (e.type === 'drop' ? e.reason : ''))).toEqual(['cut', 'cut', 'cut', 'cut', 'cut']);
    faults.decide = () => ({ action: 'deliver', delayMs: 0 });
    a!.transport.send(heartbeat(a!, b!, 99));
    await waitFor(() => b!.received.length === 1, 'the message after the heal');
    expect(commits(b!)).toEqual([99]);
  });

  it('holds delayed messages until the host clock says so, never letting a later one overtake', async () => {
    const clock = new ManualClock();
    const faults = new TestFaults();
    const delays = [100, 0, 50];
    let sent = 0;
    faults.decide = () => ({ action: 'deliver', delayMs: delays[sent++ % 3]! });
    const [a, b] = await startNodes(2, [{ faults, clock }]);
    for (let i = 0; i < 3; i++) a!.transport.send(heartbeat(a!, b!, i));
    await waitFor(() => a!.transport.queuedMessages(b!.id) === 3, 'three queued messages');
    clock.advance(99);
    await nextTurn();
    expect(a!.transport.queuedMessages(b!.id)).toBe(3);
    clock.advance(1);
    await waitFor(() => b!.received.length === 3, 'the delayed messages');
    expect(commits(b!)).toEqual([0, 1, 2]);
  });

  it('keeps held messages queued in order, behind which new ones wait, and releases them in order', async () => {
    const faults = new TestFaults();
    faults.decide = () => ({ action: 'hold' });
    const [a, b, c] = await startNodes(3, [{ faults }]);
    for (let i = 0; i < 3; i++) a!.transport.send(heartbeat(a!, b!, i));
    faults.decide = (_from, to) => (to === b!.id ? { action: 'hold' } : { action: 'deliver', delayMs: 0 });
    a!.transport.send(heartbeat(a!, c!, 50));
    await waitFor(() => c!.received.length === 1, 'the message on the free link');
    faults.decide = () => ({ action: 'deliver', delayMs: 0 });
    for (let i = 3; i < 5; i++) a!.transport.send(heartbeat(a!, b!, i));
    await nextTurn();
    expect(a!.transport.queuedMessages(b!.id)).toBe(5);
    expect(b!.received).toEqual([]);
    faults.release();
    await waitFor(() => b!.received.length === 5, 'the released messages');
    expect(commits(b!)).toEqual([0, 1, 2, 3, 4]);
  });

  it('re-examines held messages on release: a drop verdict then drops them', async () => {
    const faults = new TestFaults();
    faults.decide = () => ({ action: 'hold' });
    const [a, b] = await startNodes(2, [{ faults }]);
    a!.transport.send(heartbeat(a!, b!, 1));
    faults.decide = () => ({ action: 'drop', reason: 'cut' });
    faults.release();
    expect(a!.events.map((e) => e.type)).toEqual(['send', 'drop']);
    expect(a!.transport.queuedMessages(b!.id)).toBe(0);
  });
});

describe('peer transport: refusals and limits', () => {
  it('is refused by a peer of another cluster, which delivers nothing', async () => {
    const [a, b] = await startNodes(2, [{ clusterId: 'one' }, { clusterId: 'two' }]);
    a!.transport.send(heartbeat(a!, b!, 1));
    await waitFor(() => a!.issues.some((issue) => issue.kind === 'handshake-rejected'), 'the refusal');
    expect(a!.issues.find((issue) => issue.kind === 'handshake-rejected')?.detail).toMatch(
      /peer authentication failed.*same configuration/,
    );
    expect(b!.issues.find((issue) => issue.kind === 'handshake-refused')?.detail).toMatch(/configuration differs/);
    expect(b!.received).toEqual([]);
  });

  it('is refused by a peer with another secret: each side says what to do, neither shows a secret', async () => {
    const other = Buffer.from('another secret of thirty-two bytes');
    const [a, b] = await startNodes(2, [{}, { secret: other }]);
    a!.transport.send(heartbeat(a!, b!, 1));
    b!.transport.send(heartbeat(b!, a!, 1));
    // Each dialer finds the other's proof wrong and hangs up before proving anything itself.
    await waitFor(() => a!.issues.some((issue) => issue.kind === 'handshake-rejected'), "a's refusal of b's proof");
    await waitFor(() => b!.issues.some((issue) => issue.kind === 'handshake-rejected'), "b's refusal of a's proof");
    const detail = a!.issues.find((issue) => issue.kind === 'handshake-rejected')!.detail;
    expect(detail).toMatch(/could not prove it holds our cluster secret.*same cluster secret/);
    for (const issue of [...a!.issues, ...b!.issues]) {
      expect(issue.detail).not.toContain(SECRET.toString());
      expect(issue.detail).not.toContain(other.toString());
    }
    expect(a!.received).toEqual([]);
    expect(b!.received).toEqual([]);
  });

  it("drops with 'queue-full' for a dead peer and never holds up a live one", async () => {
    const dead = `${HOST}:${await unusedPort()}`;
    const [a, b] = await startNodes(2, [{ limits: { maxQueuedMessages: 10 } }], [dead]);
    for (let round = 1; round <= 5; round++) {
      for (let i = 0; i < 10; i++) {
        a!.transport.send(heartbeat(a!, dead, i));
        a!.transport.send(heartbeat(a!, b!, i));
      }
      await waitFor(() => b!.received.length === round * 10, `round ${round} to reach the live peer`);
    }
    const fullDrops = a!.events.filter((e) => e.type === 'drop' && e.reason === 'queue-full');
    expect(fullDrops).toHaveLength(40);
    expect(fullDrops.every((e) => e.message.to === dead)).toBe(true);
    expect(a!.transport.queuedMessages(dead)).toBe(10);
  });

  it('drops messages to unknown peers and messages not from itself', async () => {
    const [a, b] = await startNodes(2);
    a!.transport.send(heartbeat(a!, '127.0.0.1:1', 1));
    a!.transport.send(heartbeat(b!, a!, 1));
    expect(a!.events.map((e) => (e.type === 'drop' ? e.reason : e.type))).toEqual(['unknown-peer', 'not-from-self']);
  });

  it('close() destroys its connections at once and drops what was queued', async () => {
    const dead = `${HOST}:${await unusedPort()}`;
    const [a, b] = await startNodes(2, [], [dead]);
    a!.transport.send(heartbeat(a!, b!, 1));
    await waitFor(() => b!.received.length === 1 && b!.server.connectionCount === 1, 'a live connection');
    a!.transport.send(heartbeat(a!, dead, 1));
    a!.transport.send(heartbeat(a!, dead, 2));
    a!.transport.close();
    expect(a!.events.filter((e) => e.type === 'drop').map((e) => (e.type === 'drop' ? e.reason : ''))).toEqual([
      'closed',
      'closed',
    ]);
    await waitFor(() => b!.server.connectionCount === 0, 'the peer to see the connection gone');
  });
});
