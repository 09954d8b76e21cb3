// A stranger on the network who knows everything public about a cluster (its members' ids, its
// configuration and so its cluster id) but not its secret, and tries to speak Raft to a node.
//
// It tries two forms of the peer protocol, each on its own connection:
// - 'unauthenticated': the hello of the first protocol (no secret at all), then the forged frames.
//   This is what worked before peers were authenticated (issue 11).
// - 'guessed-secret': today's authenticated hello, then a proof and frame MACs made up without the
//   secret, as any stranger must.
// After the frames it sends a frame no node accepts, so that a node that took the forgeries closes
// the connection only after processing them: the attempt's end is a barrier either way.
//
// The handshake is built here from bytes, not with the code under test, so that these tests also
// run against a node from before the authenticated handshake existed.
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { encodeFrame } from '../../../src/main/net/peer-codec';
import type { Message } from '../../../src/shared/raft/types';

export type ForgeryForm = 'unauthenticated' | 'guessed-secret';

export interface ForgeryAttempt {
  readonly form: ForgeryForm;
  /** Whether the node said it accepted the connection (the answer `00 01`). */
  readonly accepted: boolean;
  /** Everything the node sent back, as text (a refusal's reason is readable in it). */
  readonly reply: string;
}

export interface Forgery {
  /** The node's port. */
  readonly port: number;
  /** The member this connection claims to be. */
  readonly claimedFrom: string;
  /** The node's id. */
  readonly to: string;
  readonly clusterId: string;
  /** Raft messages to inject, `from` the claimed member. */
  readonly messages: readonly Message[];
}

const MAGIC_V1 = Buffer.from([0x00, 0x52, 0x41, 0x46, 0x54, 0x4c, 0x41, 0x42, 0x01]);
const MAGIC_V2 = Buffer.from([0x00, 0x52, 0x41, 0x46, 0x54, 0x4c, 0x41, 0x42, 0x02]);
const ACCEPTED = Buffer.from([0x00, 0x01]);
const CHALLENGE_ANSWER_BYTES = 2 + 32 + 32;
const MAC_BYTES = 16;
/** A frame whose length field (1) is below any header: every node closes the connection on it. */
const CLOSING_FRAME = Buffer.from([0, 0, 0, 1, 0]);

function field(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** Tries every form on `forgery.port`; resolves once the node has closed each connection. */
export async function forgeAsStranger(forgery: Forgery): Promise<ForgeryAttempt[]> {
  const frames = forgery.messages.map((message, i) => Buffer.from(encodeFrame(message, 900_000 + i)));
  const ids = Buffer.concat([field(forgery.claimedFrom), field(forgery.to), field(forgery.clusterId)]);
  const attempts: ForgeryAttempt[] = [];

  const v1 = await Connection.open(forgery.port);
  v1.write(Buffer.concat([MAGIC_V1, ids, ...frames, CLOSING_FRAME]));
  await v1.closed;
  attempts.push({ form: 'unauthenticated', accepted: v1.received.subarray(0, 2).equals(ACCEPTED), reply: v1.text() });

  const v2 = await Connection.open(forgery.port);
  v2.write(Buffer.concat([MAGIC_V2, ids, randomBytes(32)]));
  await v2.receivedAtLeast(CHALLENGE_ANSWER_BYTES);
  if (!v2.isClosed) {
    // A made-up proof, then frames with made-up MACs.
    const sealed = frames.flatMap((frame) => [frame, randomBytes(MAC_BYTES)]);
    v2.write(Buffer.concat([randomBytes(32), ...sealed, CLOSING_FRAME]));
  }
  await v2.closed;
  const afterChallenge = v2.received.subarray(CHALLENGE_ANSWER_BYTES, CHALLENGE_ANSWER_BYTES + 2);
  attempts.push({ form: 'guessed-secret', accepted: afterChallenge.equals(ACCEPTED), reply: v2.text() });
  return attempts;
}

/** One raw TCP connection that records what it receives. */
class Connection {
  received: Buffer = Buffer.alloc(0);
  isClosed = false;
  readonly closed: Promise<void>;
  private waiters: (() => void)[] = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static open(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  write(bytes: Uint8Array): void {
    if (!this.isClosed) this.socket.write(bytes);
  }

  /** Resolves once `count` bytes arrived or the node closed the connection. */
  async receivedAtLeast(count: number): Promise<void> {
    while (this.received.length < count && !this.isClosed) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  text(): string {
    return this.received.toString('latin1');
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

/**
 * The client ports of the established TCP connections that others opened to `port` on this
 * machine (Linux's /proc/net/tcp): each is one inbound connection the node at `port` holds.
 * Null where /proc is not there.
 */
export async function inboundConnections(port: number): Promise<Set<number> | null> {
  const { readFile } = await import('node:fs/promises');
  let table: string;
  try {
    table = await readFile('/proc/net/tcp', 'utf8');
  } catch {
    return null;
  }
  const ports = new Set<number>();
  for (const line of table.split('\n').slice(1)) {
    const columns = line.trim().split(/\s+/);
    const [local, remote, state] = [columns[1], columns[2], columns[3]];
    if (local === undefined || remote === undefined || state !== '01') continue; // 01: ESTABLISHED
    if (Number.parseInt(local.split(':')[1]!, 16) !== port) continue;
    ports.add(Number.parseInt(remote.split(':')[1]!, 16));
  }
  return ports;
}
