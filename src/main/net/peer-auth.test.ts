// The peer handshake's proofs and the frame MACs: what a holder of the secret can do and what
// nobody else can, first on the functions, then against a real node's port.
import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Message } from '../../shared/raft/types';
import { SeededRandom } from '../../shared/random';
import { NodeServer } from './node-server';
import {
  FRAME_MAC_BYTES,
  FrameOpener,
  FrameSealer,
  type HandshakeTranscript,
  newChallenge,
  proofMatches,
  proofOf,
  sessionKeyOf,
} from './peer-auth';
import { encodeFrame } from './peer-codec';
import { DialerHandshake, encodeHello } from './peer-handshake';
import { type PeerIssue, PeerTransport } from './peer-transport';
import { realClock } from './testing/clocks';
import { authenticatedPeerSocket } from './testing/peer-dialer';
import { openSocket, readUntilClosed, waitFor } from './testing/sockets';

const SECRET = Buffer.from('the cluster secret of these tests');
const OTHER_SECRET = Buffer.from('a different secret, as long as it');

function transcript(overrides: Partial<HandshakeTranscript> = {}): HandshakeTranscript {
  return {
    clusterId: 'cluster-a',
    dialer: '127.0.0.1:1',
    acceptor: '127.0.0.1:2',
    dialerChallenge: new Uint8Array(32).fill(1),
    acceptorChallenge: new Uint8Array(32).fill(2),
    ...overrides,
  };
}

describe('handshake proofs', () => {
  it('a proof made with the secret checks out, for its role and transcript only', () => {
    const t = transcript();
    const proof = proofOf(SECRET, 'acceptor', t);
    expect(proofMatches(SECRET, 'acceptor', t, proof)).toBe(true);
    // Reflected as the other role's proof.
    expect(proofMatches(SECRET, 'dialer', t, proof)).toBe(false);
    // Made with another secret.
    expect(proofMatches(SECRET, 'acceptor', t, proofOf(OTHER_SECRET, 'acceptor', t))).toBe(false);
    // Replayed on a connection where anything else differs: each challenge, id and the cluster.
    const others: Partial<HandshakeTranscript>[] = [
      { dialerChallenge: new Uint8Array(32).fill(3) },
      { acceptorChallenge: new Uint8Array(32).fill(3) },
      { dialer: '127.0.0.1:3' },
      { acceptor: '127.0.0.1:3' },
      { clusterId: 'cluster-b' },
    ];
    for (const other of others) expect(proofMatches(SECRET, 'acceptor', transcript(other), proof)).toBe(false);
  });

  it('no proof contains the secret, and a short or empty proof never matches', () => {
    const proof = proofOf(SECRET, 'dialer', transcript());
    expect(Buffer.from(proof).includes(SECRET)).toBe(false);
    expect(proofMatches(SECRET, 'dialer', transcript(), proof.subarray(0, 16))).toBe(false);
    expect(proofMatches(SECRET, 'dialer', transcript(), new Uint8Array(0))).toBe(false);
  });

  it('fresh challenges differ', () => {
    expect(Buffer.from(newChallenge()).equals(Buffer.from(newChallenge()))).toBe(false);
  });
});

describe('frame MACs', () => {
  const frames = [1, 2, 3].map((commit) =>
    encodeFrame({ type: 'Heartbeat', from: '127.0.0.1:1', to: '127.0.0.1:2', term: 4, commit, context: 0 }, commit),
  );
  const sealedUnits = (sealer: FrameSealer): { frame: Buffer; tag: Buffer }[] => {
    const bytes = sealer.seal(
      frames,
      frames.reduce((sum, frame) => sum + frame.length, 0),
    );
    const units: { frame: Buffer; tag: Buffer }[] = [];
    let offset = 0;
    for (const frame of frames) {
      units.push({
        frame: bytes.subarray(offset, offset + frame.length),
        tag: bytes.subarray(offset + frame.length, offset + frame.length + FRAME_MAC_BYTES),
      });
      offset += frame.length + FRAME_MAC_BYTES;
    }
    return units;
  };

  it('the receiver accepts each frame in the order it was sealed', () => {
    const key = sessionKeyOf(SECRET, transcript());
    const opener = new FrameOpener(key);
    for (const unit of sealedUnits(new FrameSealer(key))) expect(opener.verify(unit.frame, unit.tag)).toBe(true);
  });

  it('refuses a frame with any one byte changed, in the frame or in its MAC', () => {
    const key = sessionKeyOf(SECRET, transcript());
    const [unit] = sealedUnits(new FrameSealer(key));
    const whole = Buffer.concat([unit!.frame, unit!.tag]);
    for (let i = 0; i < whole.length; i++) {
      const tampered = Buffer.from(whole);
      tampered[i] = tampered[i]! ^ 0x01;
      const opener = new FrameOpener(key);
      const ok = opener.verify(tampered.subarray(0, unit!.frame.length), tampered.subarray(unit!.frame.length));
      expect(ok, `byte ${i} changed`).toBe(false);
    }
  });

  it('refuses a replayed frame, a reordered one, and one sealed for another connection', () => {
    const key = sessionKeyOf(SECRET, transcript());
    const [first, second] = sealedUnits(new FrameSealer(key));
    const replay = new FrameOpener(key);
    expect(replay.verify(first!.frame, first!.tag)).toBe(true);
    expect(replay.verify(first!.frame, first!.tag)).toBe(false);
    expect(new FrameOpener(key).verify(second!.frame, second!.tag)).toBe(false);
    const otherConnection = sessionKeyOf(SECRET, transcript({ acceptorChallenge: new Uint8Array(32).fill(9) }));
    expect(new FrameOpener(otherConnection).verify(first!.frame, first!.tag)).toBe(false);
    const otherSecret = sessionKeyOf(OTHER_SECRET, transcript());
    expect(new FrameOpener(otherSecret).verify(first!.frame, first!.tag)).toBe(false);
  });
});

describe('the handshake against a real node', () => {
  const HOST = '127.0.0.1';
  const CLUSTER = 'cluster-under-test';
  const PEER = '127.0.0.1:1';
  let server: NodeServer;
  let transport: PeerTransport;
  let self: string;
  const delivered: Message[] = [];
  const issues: PeerIssue[] = [];

  beforeEach(async () => {
    delivered.length = 0;
    issues.length = 0;
    server = await NodeServer.listen({
      host: HOST,
      port: 0,
      routes: { client: (socket) => socket.destroy(), peer: (socket, head) => transport.acceptInbound(socket, head) },
    });
    self = `${HOST}:${server.port}`;
    transport = new PeerTransport({
      self,
      clusterId: CLUSTER,
      secret: SECRET,
      peers: [self, PEER],
      clock: realClock(),
      random: new SeededRandom(3),
      onMessage: (message) => delivered.push(message),
      onIssue: (issue) => issues.push(issue),
    });
  });
  afterEach(async () => {
    transport.close();
    await server.close();
  });

  const timeoutNow = (term: number): Message => ({ type: 'TimeoutNow', from: PEER, to: self, term });

  it('delivers what a holder of the secret sends', async () => {
    const peer = await authenticatedPeerSocket(server.port, { self: PEER, peer: self, clusterId: CLUSTER }, SECRET);
    peer.socket.write(peer.seal(encodeFrame(timeoutNow(5), 1), encodeFrame(timeoutNow(6), 2)));
    await waitFor(() => delivered.length === 2, 'both messages');
    expect(delivered.map((m) => m.term)).toEqual([5, 6]);
    peer.socket.destroy();
  });

  it('a dialer with a wrong secret finds the node unproven, sends no proof, and learns nothing', async () => {
    const socket = await openSocket(server.port);
    const received = readUntilClosed(socket);
    const handshake = new DialerHandshake(OTHER_SECRET, { self: PEER, peer: self, clusterId: CLUSTER });
    const steps: string[] = [];
    socket.on('data', (chunk: Buffer) => {
      const step = handshake.push(chunk);
      steps.push(step.kind === 'failed' ? `failed:${step.why}` : step.kind);
      if (step.kind !== 'pending') socket.destroy();
    });
    socket.write(handshake.hello());
    const bytes = await received;
    expect(steps).toEqual(['failed:unproven']);
    // The challenge and the node's proof: no secret, no cluster id.
    expect(bytes.includes(SECRET)).toBe(false);
    expect(bytes.includes(Buffer.from(CLUSTER))).toBe(false);
    expect(delivered).toEqual([]);
  });

  it('refuses a made-up proof with a reply that names neither the secret nor the cluster id', async () => {
    const socket = await openSocket(server.port);
    const received = readUntilClosed(socket);
    socket.write(encodeHello({ from: PEER, to: self, clusterId: CLUSTER, challenge: newChallenge() }));
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.write(Buffer.concat([Buffer.alloc(32, 7), encodeFrame(timeoutNow(9), 1), Buffer.alloc(FRAME_MAC_BYTES)]));
    const reply = (await received).toString('latin1');
    expect(reply).toContain('peer authentication failed');
    expect(reply).not.toContain(CLUSTER);
    expect(reply).not.toContain(SECRET.toString('latin1'));
    expect(delivered).toEqual([]);
    expect(issues.find((issue) => issue.kind === 'handshake-refused')?.detail).toMatch(/failed to prove/);
  });

  it('closes a hello of the unauthenticated protocol without a word, and logs which version it was', async () => {
    const socket = await openSocket(server.port);
    const received = readUntilClosed(socket);
    const field = (text: string) => Buffer.concat([Buffer.from([0, text.length]), Buffer.from(text)]);
    const oldMagic = Buffer.from([0x00, ...Buffer.from('RAFTLAB'), 0x01]);
    socket.write(Buffer.concat([oldMagic, field(PEER), field(self), field(CLUSTER), encodeFrame(timeoutNow(5), 1)]));
    expect((await received).length).toBe(0);
    expect(delivered).toEqual([]);
    expect(issues.find((issue) => issue.kind === 'handshake-invalid')?.detail).toMatch(
      /another protocol version \(1, this node speaks 2\): run the same RaftLab on every member/,
    );
  });

  it('refuses a recorded session replayed on a new connection', async () => {
    // Record everything a real member sent on one connection...
    const sent: Buffer[] = [];
    const peer = await authenticatedPeerSocket(
      server.port,
      { self: PEER, peer: self, clusterId: CLUSTER },
      SECRET,
      (bytes) => sent.push(Buffer.from(bytes)),
    );
    const frame = peer.seal(encodeFrame(timeoutNow(7), 1));
    sent.push(frame);
    peer.socket.write(frame);
    await waitFor(() => delivered.length === 1, 'the genuine message');
    peer.socket.destroy();
    // ...and send it again, byte for byte: the node's new challenge makes the old proof worthless.
    const replay: Socket = await openSocket(server.port);
    const received = readUntilClosed(replay);
    replay.write(Buffer.concat(sent));
    expect((await received).toString('latin1')).toContain('peer authentication failed');
    expect(delivered).toHaveLength(1);
  });

  it('closes an authenticated connection on an injected frame, delivering only what came before it', async () => {
    const peer = await authenticatedPeerSocket(server.port, { self: PEER, peer: self, clusterId: CLUSTER }, SECRET);
    const closed = readUntilClosed(peer.socket);
    const injected = Buffer.concat([encodeFrame(timeoutNow(99), 9), Buffer.alloc(FRAME_MAC_BYTES)]);
    peer.socket.write(Buffer.concat([peer.seal(encodeFrame(timeoutNow(8), 1)), injected]));
    await closed;
    expect(delivered.map((m) => m.term)).toEqual([8]);
    expect(issues.find((issue) => issue.kind === 'bad-frame')?.detail).toMatch(/MAC is wrong/);
  });
});
