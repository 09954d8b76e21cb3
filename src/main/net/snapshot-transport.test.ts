// The snapshot stream on real parts: two peer transports on real ports of 127.0.0.1 (the real
// handshake, a MAC on every frame), a real file sent and fsynced, and raw frames from a member
// and from a stranger at a real node.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeId, SnapshotMeta } from '../../shared/raft/types';
import { SeededRandom } from '../../shared/random';
import { NodeServer } from './node-server';
import { encodeHello } from './peer-handshake';
import { type PeerIssue, PeerTransport } from './peer-transport';
import { encodeStreamFrame } from './snapshot-codec';
import { SnapshotReceiver } from './snapshot-receiver';
import { routeStreamFrame } from './snapshot-routing';
import { SnapshotSender } from './snapshot-sender';
import type { SnapshotStreamEvent } from './snapshot-stream';
import { realClock } from './testing/clocks';
import { authenticatedPeerSocket } from './testing/peer-dialer';
import { openSocket, readUntilClosed, waitFor } from './testing/sockets';

const HOST = '127.0.0.1';
const SECRET = Buffer.from('snapshot transport test secret, 32 bytes');
const CLUSTER = 'cluster';

interface Node {
  readonly id: NodeId;
  readonly server: NodeServer;
  readonly transport: PeerTransport;
  readonly sender: SnapshotSender;
  readonly receiver: SnapshotReceiver;
  readonly reports: { to: NodeId; ok: boolean }[];
  readonly offers: { from: NodeId; meta: SnapshotMeta; path: string }[];
  readonly events: SnapshotStreamEvent[];
  readonly issues: PeerIssue[];
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'snapship-tcp-'));
  cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
  return folder;
}

async function startPair(
  sourceFile: { path: string; meta: SnapshotMeta; bytes: number },
  folder: string,
): Promise<Node[]> {
  const holders: { transport: PeerTransport | null }[] = [{ transport: null }, { transport: null }];
  const servers = await Promise.all(
    holders.map((holder) =>
      NodeServer.listen({
        host: HOST,
        port: 0,
        routes: {
          client: (socket) => socket.destroy(),
          peer: (socket, head) => holder.transport?.acceptInbound(socket, head),
        },
      }),
    ),
  );
  const ids = servers.map((server) => `${HOST}:${server.port}`);
  const clock = realClock();
  return servers.map((server, i) => {
    const id = ids[i]!;
    const node = { id, server, reports: [], offers: [], events: [], issues: [] } as unknown as Node;
    let sender: SnapshotSender | null = null;
    let receiver: SnapshotReceiver | null = null;
    const transport = new PeerTransport({
      self: id,
      clusterId: CLUSTER,
      secret: SECRET,
      peers: ids,
      clock,
      random: new SeededRandom(i + 1),
      onMessage: () => {},
      onIssue: (issue) => node.issues.push(issue),
      onStreamFrame: (frame, frameId) => routeStreamFrame(frame, frameId, sender!, receiver!),
    });
    sender = new SnapshotSender({
      self: id,
      source: { snapshotFor: async () => sourceFile },
      port: transport,
      clock,
      leads: () => true,
      report: (to, ok) => node.reports.push({ to, ok }),
      onSent: (event) => node.events.push(event),
    });
    receiver = new SnapshotReceiver({
      self: id,
      sink: {
        incomingPath: (_from, meta) => join(folder, `incoming-${meta.index}.part`),
        offer: (from, _term, meta, path) => node.offers.push({ from, meta, path }),
      },
      port: transport,
      clock,
      currentTerm: () => 1,
      onOffered: (event) => node.events.push(event),
    });
    holders[i]!.transport = transport;
    Object.assign(node, { transport, sender, receiver });
    cleanups.push(async () => {
      sender.close();
      receiver.close();
      transport.close();
      await server.close();
    });
    return node;
  });
}

describe('snapshot stream over real TCP and the authenticated peer link', () => {
  it('sends a 3 MiB snapshot file from one transport to another, byte for byte, fsynced and offered', async () => {
    const folder = tempFolder();
    const bytes = randomBytes(3 * 1024 * 1024 + 777);
    const path = join(folder, 'snap-0000000000000042.snap');
    writeFileSync(path, bytes);
    const [leader, follower] = await startPair(
      { path, bytes: bytes.length, meta: { index: 42, term: 1, membership: { voters: [], learners: [] } } },
      folder,
    );
    leader!.sender.send({
      type: 'Snap',
      from: leader!.id,
      to: follower!.id,
      term: 1,
      snapshot: { index: 42, term: 1, membership: { voters: [leader!.id, follower!.id], learners: [] } },
    });
    await waitFor(() => leader!.reports.length > 0, 'the transfer report', 20_000);
    expect(leader!.reports).toEqual([{ to: follower!.id, ok: true }]);
    expect(follower!.offers).toHaveLength(1);
    expect(follower!.offers[0]!.meta.index).toBe(42);
    expect(readFileSync(follower!.offers[0]!.path).equals(bytes)).toBe(true);
    expect(leader!.events.map((event) => event.phase)).toEqual(['sent']);
    expect(follower!.events.map((event) => event.phase)).toEqual(['installed']);
    expect([...leader!.issues, ...follower!.issues]).toEqual([]);
  }, 30_000);

  it('a member whose stream frame is malformed loses its connection, and nothing reaches the disk', async () => {
    const folder = tempFolder();
    const [node, member] = await startPair(
      { path: '/nonexistent', bytes: 0, meta: { index: 1, term: 1, membership: { voters: [], learners: [] } } },
      folder,
    );
    const peer = await authenticatedPeerSocket(
      node!.server.port,
      { self: member!.id, peer: node!.id, clusterId: CLUSTER },
      SECRET,
    );
    const begin = Buffer.from(
      encodeStreamFrame({
        type: 'SnapBegin',
        from: member!.id,
        to: node!.id,
        term: 1,
        transfer: 1,
        meta: { index: 5, term: 1, membership: { voters: [], learners: [] } },
        bytes: 100,
      }),
    );
    // One byte more than the payload holds, the length field adjusted: well sealed, badly formed.
    const garbage = Buffer.concat([begin, Buffer.from([7])]);
    garbage.writeUInt32BE(garbage.length - 4, 0);
    peer.socket.write(peer.seal(garbage));
    await readUntilClosed(peer.socket);
    await waitFor(() => node!.issues.some((issue) => issue.kind === 'bad-frame'), 'the bad-frame issue');
    expect(node!.issues.find((issue) => issue.kind === 'bad-frame')?.detail).toMatch(/after a SnapBegin frame/);
    expect(node!.receiver.receiving).toBeNull();
    expect(readdirSync(folder)).toEqual([]);
  });

  it("a stranger's stream frames are refused at the handshake; no file is made", async () => {
    const folder = tempFolder();
    const [node, member] = await startPair(
      { path: '/nonexistent', bytes: 0, meta: { index: 1, term: 1, membership: { voters: [], learners: [] } } },
      folder,
    );
    const socket = await openSocket(node!.server.port);
    const begin = encodeStreamFrame({
      type: 'SnapBegin',
      from: member!.id,
      to: node!.id,
      term: 9,
      transfer: 1,
      meta: { index: 5, term: 1, membership: { voters: [], learners: [] } },
      bytes: 100,
    });
    // A hello claiming to be the member, then a frame with no valid MAC, without waiting for answers.
    socket.write(
      Buffer.concat([
        encodeHello({ from: member!.id, to: node!.id, clusterId: CLUSTER, challenge: randomBytes(32) }),
        begin,
        randomBytes(16),
      ]),
    );
    await readUntilClosed(socket);
    expect(node!.receiver.receiving).toBeNull();
    expect(readdirSync(folder)).toEqual([]);
  });
});
