// KvRouter on a hand-moved clock, with a stand-in for the Raft node beside it and for the links to
// other nodes: every request ends in exactly one reply, and no promise it started is left to reject
// with no one listening (in a real host that ends the process).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodeId } from '../../shared/raft/types';
import { HashRing } from '../../shared/ring';
import { ManualClock } from '../net/testing/clocks';
import type { ClientSession, RespReply } from '../net/types';
import { describeFailures, type UnhandledWatch, watchUnhandled } from '../testing/unhandled';
import { UnreachableError } from './forwarder';
import { type LocalGroup, NodeStoppedError, NotLeaderError, ProposalDroppedError } from './local-group';
import { type ForwardingLink, KvRouter } from './router';
import { type ApplyResult, KvStateMachine } from './state-machine';

const PARTITIONS = [
  ['n1', 'n2', 'n3'],
  ['m1', 'm2', 'm3'],
];
const RING = new HashRing(PARTITIONS.length);
const OK: RespReply = { type: 'simple', value: 'OK' };

/** A key that the ring maps to `group`. */
function keyOf(group: number): string {
  for (let i = 0; ; i++) if (RING.groupOf(`key-${i}`) === group) return `key-${i}`;
}

interface Pending<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (error: Error) => void;
}

/** The Raft node beside the router (group 0), driven by the test. */
class StandInGroup implements LocalGroup {
  readonly nodeId = 'n1';
  readonly group = 0;
  alive = true;
  leading = false;
  leaderId: NodeId | null = null;
  /** What read() does: serve at once, or refuse as a node that knows no leader. */
  reads: 'serve' | 'not-leader' = 'serve';
  readCalls = 0;
  readonly proposals: Pending<ApplyResult>[] = [];
  private readonly machine = new KvStateMachine();

  constructor(private readonly clock: ManualClock) {}

  propose(_command: Uint8Array): Promise<ApplyResult> {
    if (!this.alive) return Promise.reject(new NodeStoppedError('stopped'));
    return new Promise((resolve, reject) => this.proposals.push({ resolve, reject }));
  }

  read<T>(read: (machine: KvStateMachine) => T): Promise<T> {
    this.readCalls++;
    if (!this.alive) return Promise.reject(new NodeStoppedError('stopped'));
    if (this.reads === 'not-leader') return Promise.reject(new NotLeaderError(null));
    return Promise.resolve(read(this.machine));
  }

  leader(): NodeId | null {
    return this.leaderId;
  }

  isLeader(): boolean {
    return this.alive && this.leading;
  }

  waitForLeaderChange(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimeout(resolve, ms));
  }
}

/** The links to other nodes: each send waits until the test settles it. */
class StandInLinks implements ForwardingLink {
  readonly unreachable = new Set<NodeId>();
  readonly sends: { readonly to: NodeId; readonly args: readonly string[]; readonly reply: Pending<RespReply> }[] = [];
  /** When set, send() fails at once with it instead of waiting. */
  failWith: Error | null = null;

  canReach(to: NodeId): boolean {
    return to !== 'n1' && !this.unreachable.has(to);
  }

  send(to: NodeId, args: readonly (string | Uint8Array)[]): Promise<RespReply> {
    if (this.failWith !== null) return Promise.reject(this.failWith);
    return new Promise((resolve, reject) => {
      this.sends.push({
        to,
        args: args.map((a) => (typeof a === 'string' ? a : Buffer.from(a).toString())),
        reply: { resolve, reject },
      });
    });
  }
}

let clock: ManualClock;
let local: StandInGroup;
let links: StandInLinks;
let watch: UnhandledWatch;

function router(requestTimeoutMs = 1000): KvRouter {
  return new KvRouter({
    local,
    partitions: PARTITIONS,
    clock,
    forwarder: links,
    maxValueBytes: 1024,
    requestTimeoutMs,
    info: () => [['node_id', 'n1']],
  });
}

function run(target: KvRouter, ...args: string[]): Promise<RespReply> {
  return Promise.resolve(target.execute(args.map((a) => Buffer.from(a))));
}

/** Lets promise callbacks and Node's unhandled-rejection check run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Moves the clock in small steps, letting promises run between them, as real time would. */
async function pass(ms: number, stepMs = 10): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    clock.advance(stepMs);
    await settle();
  }
}

/** The reply, once the request has settled; fails the test if it has not. */
async function replyOf(pending: Promise<RespReply>): Promise<RespReply> {
  let reply: RespReply | null = null;
  void pending.then((value) => {
    reply = value;
  });
  await settle();
  if (reply === null) throw new Error('the request has not been answered');
  return reply;
}

beforeEach(() => {
  clock = new ManualClock();
  local = new StandInGroup(clock);
  links = new StandInLinks();
  watch = watchUnhandled();
});

afterEach(async () => {
  await settle();
  watch.stop();
  expect(watch.failures, describeFailures(watch.failures)).toEqual([]);
});

describe('KvRouter: every request settles, every promise it starts is heard', () => {
  it('a read on a node that never learns of a leader answers TRYAGAIN at its deadline, starting no read past it', async () => {
    local.reads = 'not-leader';
    const reply = run(router(200), 'GET', keyOf(0));
    await pass(200);
    expect(await replyOf(reply)).toMatchObject({ type: 'error', value: expect.stringMatching(/^TRYAGAIN group 0/) });
    const callsAtDeadline = local.readCalls;
    await pass(100);
    expect(local.readCalls).toBe(callsAtDeadline);
  });

  it('a forward that fails after its deadline answered is listened to, not left unhandled', async () => {
    const reply = run(router(100), 'SET', keyOf(1), 'v');
    await settle();
    expect(links.sends).toHaveLength(1);
    await pass(100);
    expect(await replyOf(reply)).toMatchObject({ type: 'error', value: expect.stringMatching(/^TRYAGAIN/) });
    links.sends[0]!.reply.reject(new UnreachableError('connection closed'));
  });

  it('a proposal that fails after its deadline answered is listened to', async () => {
    local.leading = true;
    const reply = run(router(100), 'SET', keyOf(0), 'v');
    await pass(100);
    expect(await replyOf(reply)).toMatchObject({ type: 'error', value: expect.stringMatching(/^TRYAGAIN/) });
    local.proposals[0]!.reject(new NodeStoppedError('stopped'));
  });

  it('a node that stops while a request waits for a leader answers at once, without waiting for the deadline', async () => {
    const reply = run(router(5000), 'SET', keyOf(0), 'v');
    await pass(100);
    local.alive = false;
    await pass(60);
    expect(await replyOf(reply)).toEqual({ type: 'error', value: 'TRYAGAIN the node is stopping' });
    expect(links.sends).toEqual([]);
  });

  it('a forwarder closed under a request ends it at once, instead of trying member after member', async () => {
    links.failWith = new NodeStoppedError('the node is stopping');
    const reply = run(router(5000), 'GET', keyOf(1));
    expect(await replyOf(reply)).toEqual({ type: 'error', value: 'TRYAGAIN the node is stopping' });
  });

  it('DEL over keys of both groups adds the counts, and one group failing gives its error without leaving the other unheard', async () => {
    local.leading = true;
    const target = router(100);
    const reply = run(target, 'DEL', keyOf(0), keyOf(1));
    await settle();
    local.proposals[0]!.resolve({ index: 3, type: 'del', removed: 1 });
    await pass(100);
    expect(await replyOf(reply)).toMatchObject({ type: 'error', value: expect.stringMatching(/^TRYAGAIN group 1/) });
    links.sends[0]!.reply.reject(new UnreachableError('late'));
  });
});

describe('KvRouter: routing', () => {
  it('sends a key of another group to its first reachable member, and remembers the one that answered', async () => {
    links.unreachable.add('m1');
    const target = router(1000);
    const first = run(target, 'SET', keyOf(1), 'v');
    await settle();
    expect(links.sends.map((s) => s.to)).toEqual(['m2']);
    expect(links.sends[0]!.args.slice(0, 2)).toEqual(['RAFTLAB.FWD', '1']);
    expect(links.sends[0]!.args.slice(3)).toEqual(['SET', keyOf(1), 'v']);
    links.sends[0]!.reply.resolve(OK);
    expect(await replyOf(first)).toEqual(OK);

    links.unreachable.clear();
    const second = run(target, 'GET', keyOf(1));
    await settle();
    expect(links.sends.map((s) => s.to)).toEqual(['m2', 'm2']);
    links.sends[1]!.reply.resolve({ type: 'bulk', value: null });
    expect(await replyOf(second)).toEqual({ type: 'bulk', value: null });
  });

  it('moves on to the next member when one turns out unreachable', async () => {
    const reply = run(router(1000), 'GET', keyOf(1));
    await settle();
    links.sends[0]!.reply.reject(new UnreachableError('refused'));
    await settle();
    expect(links.sends.map((s) => s.to)).toEqual(['m1', 'm2']);
    links.sends[1]!.reply.resolve({ type: 'bulk', value: null });
    expect(await replyOf(reply)).toEqual({ type: 'bulk', value: null });
  });

  it('a write whose forward is cut off after it was sent is not sent again: it may have been applied', async () => {
    const reply = run(router(1000), 'DEL', keyOf(1));
    await settle();
    links.sends[0]!.reply.reject(new UnreachableError('m1: connection closed', true));
    expect(await replyOf(reply)).toEqual({
      type: 'error',
      value: 'TRYAGAIN the connection to m1 failed after the write was sent; its outcome is unknown',
    });
    await pass(1000);
    expect(links.sends.map((s) => s.to)).toEqual(['m1']);
  });

  it('a follower’s write cut off on its way to the leader is not sent again either', async () => {
    local.leaderId = 'n2';
    const reply = run(router(1000), 'SET', keyOf(0), 'v');
    await settle();
    links.sends[0]!.reply.reject(new UnreachableError('n2: connection closed', true));
    expect(await replyOf(reply)).toMatchObject({
      type: 'error',
      value: expect.stringMatching(/^TRYAGAIN .*outcome is unknown/),
    });
    await pass(1000);
    expect(links.sends.map((s) => s.to)).toEqual(['n2']);
  });

  it('a read cut off after it was sent is asked of the next member: reading twice changes nothing', async () => {
    const reply = run(router(1000), 'GET', keyOf(1));
    await settle();
    links.sends[0]!.reply.reject(new UnreachableError('m1: connection closed', true));
    await settle();
    expect(links.sends.map((s) => s.to)).toEqual(['m1', 'm2']);
    links.sends[1]!.reply.resolve({ type: 'bulk', value: null });
    expect(await replyOf(reply)).toEqual({ type: 'bulk', value: null });
  });

  it('a follower forwards its group’s write to the leader it knows', async () => {
    local.leaderId = 'n2';
    const reply = run(router(1000), 'SET', keyOf(0), 'v');
    await settle();
    expect(links.sends.map((s) => s.to)).toEqual(['n2']);
    links.sends[0]!.reply.resolve(OK);
    expect(await replyOf(reply)).toEqual(OK);
  });

  it('the leader proposes a write, and proposes it again when its entry was overwritten', async () => {
    local.leading = true;
    const reply = run(router(1000), 'SET', keyOf(0), 'v');
    await settle();
    local.proposals[0]!.reject(new ProposalDroppedError('replaced'));
    // It waits for news of a leader (at most 50 ms) before the next attempt.
    await settle();
    await pass(50);
    expect(local.proposals).toHaveLength(2);
    local.proposals[1]!.resolve({ index: 7, type: 'set' });
    expect(await replyOf(reply)).toEqual(OK);
  });

  it('a forwarded command that has used up its hops is not forwarded again', async () => {
    const reply = run(router(1000), 'RAFTLAB.FWD', '0', '500', 'GET', keyOf(1));
    expect(await replyOf(reply)).toEqual({ type: 'error', value: 'ERR cannot route to group 1' });
    expect(await replyOf(run(router(), 'RAFTLAB.FWD', 'x', '500', 'GET', 'k'))).toEqual({
      type: 'error',
      value: 'ERR malformed RAFTLAB.FWD',
    });
  });

  it('a GET pipelined after the same connection’s SET waits for it', async () => {
    local.leading = true;
    const target = router(1000);
    const session: ClientSession = { pendingWrite: null };
    const set = Promise.resolve(target.execute([Buffer.from('SET'), Buffer.from(keyOf(0)), Buffer.from('v')], session));
    const get = Promise.resolve(target.execute([Buffer.from('GET'), Buffer.from(keyOf(0))], session));
    await settle();
    expect(local.readCalls).toBe(0);
    local.proposals[0]!.resolve({ index: 1, type: 'set' });
    expect(await replyOf(set)).toEqual(OK);
    await replyOf(get);
    expect(local.readCalls).toBe(1);
  });
});
