// The client commands of CONTRACTS.md §3, served by any node for any key. A key maps through the
// hash ring to its group. Within the node's own group a write is proposed here if this node leads
// and forwarded to the leader otherwise; a read runs ReadIndex here, which works on followers too.
// A key of another group is forwarded to a member of that group, which does the same.
//
// Forwarded commands travel as `RAFTLAB.FWD <hops> <ms left> CMD args...`, so that the hop count
// bounds forwarding loops and the receiver never waits past the original client's deadline.

import type { NodeId } from '../../shared/raft/types';
import { argText, commandName } from '../net/command-args';
import { errorReply, NIL_REPLY, OK_REPLY } from '../net/resp-writer';
import type { ClientSession, CommandHandler, HostClock, RespReply } from '../net/types';
import { ADMIN_COMMAND } from './admin-commands';
import { encodeCommand } from './command';
import { Deadlines } from './deadlines';
import { type Forwarder, UnreachableError } from './forwarder';
import { type LocalGroup, NodeStoppedError, NotLeaderError, ProposalDroppedError } from './local-group';
import { NO_RESHARD_HOST_REPLY, RESHARD_COMMAND } from './reshard-command';
import type { RingState } from './ring-state';
import { bootstrapRing, RoutingTable } from './routing-table';
import { infoReply, unknownCommandReply } from './small-replies';
import type { ApplyResult } from './state-machine';

export interface RouterOptions {
  readonly local: LocalGroup;
  readonly partitions: readonly (readonly NodeId[])[];
  readonly clock: HostClock;
  readonly forwarder: ForwardingLink;
  readonly maxValueBytes: number;
  readonly requestTimeoutMs: number;
  /** `RAFTLAB.RESHARD ...` (reshard-command.ts): refused, saying why, when absent. */
  readonly reshard?: (args: readonly Uint8Array[]) => Promise<RespReply>;
  /** The live ring to route by (resharding); a fixed table of `partitions` when absent. */
  readonly routing?: RoutingTable;
  /** The `INFO` fields, in order. */
  readonly info: () => readonly (readonly [string, string | number])[];
  /** `RAFTLAB.ADMIN ...`, the membership commands (admin-commands.ts); unknown when absent. */
  readonly admin?: (args: readonly Uint8Array[]) => Promise<RespReply>;
}

/** What the router needs of the Forwarder: whether a link is usable, and one command sent over it. */
export type ForwardingLink = Pick<Forwarder, 'canReach' | 'send'>;

export const FORWARD_COMMAND = 'RAFTLAB.FWD';
/** client → any node → a member of the key's group → that group's leader. */
const MAX_HOPS = 2;
const WRITE_COMMANDS: ReadonlySet<string> = new Set(['SET', 'DEL']);
const READ_COMMANDS: ReadonlySet<string> = new Set(['GET', 'EXISTS']);
/** How long to wait for news of a leader before trying again. */
const RETRY_WAIT_MS = 50;

type KeyedOp =
  | { readonly kind: 'set'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly kind: 'get'; readonly key: Uint8Array }
  | { readonly kind: 'del'; readonly keys: readonly Uint8Array[] }
  | { readonly kind: 'exists'; readonly keys: readonly Uint8Array[] };

class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

/** The group refused the key (it moved, or is moving): nothing was applied, so routing again is safe. */
class KeyMovedError extends Error {
  override readonly name = 'KeyMovedError';
}

/** What a read returns when the group's state machine does not serve the key. */
const MOVED = Symbol('moved');

function newDeadlineError(): Error {
  return new DeadlineError();
}

export class KvRouter implements CommandHandler {
  /** Which member of each other group to try first: the last one that answered. */
  private readonly groupHints = new Map<number, number>();
  /** One timer for every request's deadline, not one per request. */
  private readonly deadlines: Deadlines;
  private readonly routing: RoutingTable;

  constructor(private readonly options: RouterOptions) {
    this.deadlines = new Deadlines(options.clock);
    this.routing = options.routing ?? new RoutingTable(bootstrapRing(options.partitions));
  }

  execute(args: readonly Uint8Array[], session?: ClientSession): Promise<RespReply> | RespReply {
    const name = commandName(args);
    // Forwarded commands skip the session: the node they came from already ordered its client's.
    if (name === FORWARD_COMMAND) return this.executeForwarded(args);
    if (session === undefined) return this.executeClient(name, args, MAX_HOPS, this.options.requestTimeoutMs);
    return this.inSessionOrder(name, args, session);
  }

  /**
   * A pipeline's commands run concurrently, yet a GET pipelined after the same connection's SET
   * must see it, as Redis promises. Writes are recorded in the session; a read waits for the
   * connection's last write to finish (whatever its outcome) before it asks for a read index.
   */
  private inSessionOrder(
    name: string,
    args: readonly Uint8Array[],
    session: ClientSession,
  ): Promise<RespReply> | RespReply {
    // No named closure here: under tsx every one made per command costs a defineProperty.
    const timeoutMs = this.options.requestTimeoutMs;
    if (WRITE_COMMANDS.has(name)) {
      const reply = Promise.resolve(this.executeClient(name, args, MAX_HOPS, timeoutMs));
      const settled: Promise<void> = reply.then(
        () => {
          if (session.pendingWrite === settled) session.pendingWrite = null;
        },
        () => {
          if (session.pendingWrite === settled) session.pendingWrite = null;
        },
      );
      session.pendingWrite = settled;
      return reply;
    }
    if (READ_COMMANDS.has(name) && session.pendingWrite !== null) {
      return session.pendingWrite.then(() => this.executeClient(name, args, MAX_HOPS, timeoutMs));
    }
    return this.executeClient(name, args, MAX_HOPS, timeoutMs);
  }

  private executeForwarded(args: readonly Uint8Array[]): Promise<RespReply> | RespReply {
    const hops = Number(argText(args[1] ?? new Uint8Array()));
    const msLeft = Number(argText(args[2] ?? new Uint8Array()));
    const inner = args.slice(3);
    if (!Number.isInteger(hops) || hops < 0 || hops > MAX_HOPS || !(msLeft > 0) || inner.length === 0) {
      return errorReply(`ERR malformed ${FORWARD_COMMAND}`);
    }
    return this.executeClient(commandName(inner), inner, hops, Math.min(msLeft, this.options.requestTimeoutMs));
  }

  private executeClient(
    name: string,
    args: readonly Uint8Array[],
    hops: number,
    timeoutMs: number,
  ): Promise<RespReply> | RespReply {
    const argc = args.length - 1;
    switch (name) {
      case 'PING':
        if (argc > 1) return wrongArity('ping');
        return argc === 1 ? { type: 'bulk', value: args[1]! } : { type: 'simple', value: 'PONG' };
      case 'ECHO':
        return argc === 1 ? { type: 'bulk', value: args[1]! } : wrongArity('echo');
      case 'QUIT':
        return OK_REPLY;
      case 'INFO':
        return infoReply(args.slice(1), () => this.infoText());
      // Stock clients ask these at start; answering keeps redis-cli and redis-benchmark quiet.
      case 'COMMAND':
      case 'CONFIG':
        return { type: 'array', value: [] };
      case 'SELECT':
        return argc === 1 && argText(args[1]!) === '0' ? OK_REPLY : errorReply('ERR only database 0 exists');
      case 'SET':
        if (argc !== 2) return argc < 2 ? wrongArity('set') : errorReply('ERR syntax error');
        if (args[2]!.length > this.options.maxValueBytes) return errorReply('ERR value too large');
        return this.keyed({ kind: 'set', key: args[1]!, value: args[2]! }, hops, timeoutMs);
      case 'GET':
        if (argc !== 1) return wrongArity('get');
        return this.keyed({ kind: 'get', key: args[1]! }, hops, timeoutMs);
      case 'DEL':
      case 'EXISTS': {
        if (argc < 1) return wrongArity(name.toLowerCase());
        return this.multiKey(name === 'DEL' ? 'del' : 'exists', args.slice(1), hops, timeoutMs);
      }
      case ADMIN_COMMAND:
        return this.options.admin ? this.options.admin(args) : unknownCommandReply(args[0]);
      case RESHARD_COMMAND:
        return this.options.reshard ? this.options.reshard(args) : NO_RESHARD_HOST_REPLY;
      default:
        return unknownCommandReply(args[0]);
    }
  }

  /** DEL and EXISTS may name keys of several groups: one sub-request per group, counts added. */
  private async multiKey(
    kind: 'del' | 'exists',
    keys: readonly Uint8Array[],
    hops: number,
    timeoutMs: number,
  ): Promise<RespReply> {
    const byGroup = new Map<number, Uint8Array[]>();
    for (const key of keys) {
      const group = this.routing.groupOf(key);
      const list = byGroup.get(group);
      if (list) list.push(key);
      else byGroup.set(group, [key]);
    }
    const replies = await Promise.all(
      [...byGroup.values()].map((groupKeys) => this.keyed({ kind, keys: groupKeys }, hops, timeoutMs)),
    );
    let total = 0;
    for (const reply of replies) {
      if (reply.type !== 'integer') return reply;
      total += reply.value;
    }
    return { type: 'integer', value: total };
  }

  private async keyed(op: KeyedOp, hops: number, timeoutMs: number): Promise<RespReply> {
    const key = op.kind === 'set' || op.kind === 'get' ? op.key : op.keys[0]!;
    let group = this.routing.groupOf(key);
    const deadline = this.options.clock.now() + timeoutMs;
    try {
      // A key whose group refused it is moving: wait, then route again by the ring as it is then.
      for (;;) {
        try {
          return group === this.options.local.group
            ? await this.serveInGroup(op, hops, deadline)
            : await this.forwardToGroup(op, group, hops, deadline);
        } catch (error) {
          if (!(error instanceof KeyMovedError)) throw error;
        }
        await this.waitBeforeRetry(deadline);
        group = this.routing.groupOf(key);
      }
    } catch (error) {
      if (error instanceof DeadlineError) {
        return errorReply(`TRYAGAIN group ${group} did not answer within ${timeoutMs} ms (no leader or no majority)`);
      }
      if (error instanceof NodeStoppedError) return errorReply('TRYAGAIN the node is stopping');
      throw error;
    }
  }

  private async serveInGroup(op: KeyedOp, hops: number, deadline: number): Promise<RespReply> {
    const { local } = this.options;
    for (;;) {
      this.checkStillWorthTrying(deadline);
      if (op.kind === 'get' || op.kind === 'exists') {
        try {
          const reply = await this.beforeDeadline(
            local.read((machine) => (servesAll(op, machine.ring) ? readReply(op, machine) : MOVED)),
            deadline,
          );
          if (reply === MOVED) throw new KeyMovedError();
          return reply;
        } catch (error) {
          if (!(error instanceof NotLeaderError)) throw error;
        }
      } else if (local.isLeader()) {
        try {
          const result = await this.beforeDeadline(local.propose(encodeWrite(op)), deadline);
          if (result.type === 'moved') throw new KeyMovedError();
          return writeReply(result);
        } catch (error) {
          if (!(error instanceof NotLeaderError || error instanceof ProposalDroppedError)) throw error;
        }
      } else {
        const leader = local.leader();
        if (leader !== null && hops > 0 && this.options.forwarder.canReach(leader)) {
          try {
            return await this.forward(leader, op, hops, deadline);
          } catch (error) {
            if (!(error instanceof UnreachableError)) throw error;
            if (error.mayHaveRun && isWrite(op)) return outcomeUnknownReply(leader);
          }
        }
      }
      await this.waitBeforeRetry(deadline);
    }
  }

  private async forwardToGroup(op: KeyedOp, group: number, hops: number, deadline: number): Promise<RespReply> {
    const members = this.routing.membersOf(group);
    if (hops === 0 || members.length === 0) return errorReply(`ERR cannot route to group ${group}`);
    let attempt = this.groupHints.get(group) ?? 0;
    for (;;) {
      this.checkStillWorthTrying(deadline);
      const member = members[attempt % members.length]!;
      if (this.options.forwarder.canReach(member)) {
        try {
          const reply = await this.forward(member, op, hops, deadline);
          this.groupHints.set(group, attempt % members.length);
          return reply;
        } catch (error) {
          if (!(error instanceof UnreachableError)) throw error;
          if (error.mayHaveRun && isWrite(op)) return outcomeUnknownReply(member);
        }
      }
      attempt++;
      // A full round of unreachable members: let time pass before the next round.
      if (attempt % members.length === 0) await this.waitBeforeRetry(deadline);
    }
  }

  private forward(to: NodeId, op: KeyedOp, hops: number, deadline: number): Promise<RespReply> {
    const msLeft = Math.max(1, Math.floor(deadline - this.options.clock.now()));
    const args = [FORWARD_COMMAND, String(hops - 1), String(msLeft), ...commandArgs(op)];
    return this.beforeDeadline(this.options.forwarder.send(to, args), deadline);
  }

  /**
   * Called before each attempt: once the node stopped or the deadline passed, no new proposal,
   * read or forward starts (its outcome would reach no one, and a proposal would only add a write
   * of unknown outcome).
   */
  private checkStillWorthTrying(deadline: number): void {
    if (!this.options.local.alive) throw new NodeStoppedError('the node is stopping');
    if (deadline <= this.options.clock.now()) throw new DeadlineError();
  }

  private waitBeforeRetry(deadline: number): Promise<void> {
    const left = deadline - this.options.clock.now();
    if (left <= 0) return Promise.reject(new DeadlineError());
    return this.options.local.waitForLeaderChange(Math.min(RETRY_WAIT_MS, left));
  }

  /** Rejects with DeadlineError when host time passes `deadline` first. */
  private beforeDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
    return this.deadlines.race(work, deadline, newDeadlineError);
  }

  private infoText(): string {
    const lines = ['# Raft', ...this.options.info().map(([field, value]) => `${field}:${value}`)];
    return lines.join('\r\n') + '\r\n';
  }
}

function wrongArity(command: string): RespReply {
  return errorReply(`ERR wrong number of arguments for '${command}' command`);
}

/** Whether the group's replicated ring (when it has one) serves every key of the read. */
function servesAll(op: KeyedOp, ring: RingState | null): boolean {
  if (ring === null) return true;
  if (op.kind === 'get' || op.kind === 'set') return ring.serves(op.key);
  return op.keys.every((key) => ring.serves(key));
}

function isWrite(op: KeyedOp): boolean {
  return op.kind === 'set' || op.kind === 'del';
}

/**
 * A write whose forward was cut off after it was sent: the other node may have applied it, so it
 * is not sent again (a retry could apply it twice). The client learns it is of unknown outcome,
 * as after any TRYAGAIN.
 */
function outcomeUnknownReply(to: NodeId): RespReply {
  return errorReply(`TRYAGAIN the connection to ${to} failed after the write was sent; its outcome is unknown`);
}

function encodeWrite(op: KeyedOp): Uint8Array {
  if (op.kind === 'set') return encodeCommand({ type: 'set', key: op.key, value: op.value });
  if (op.kind === 'del') return encodeCommand({ type: 'del', keys: op.keys });
  throw new Error(`${op.kind} is not a write`);
}

function writeReply(result: ApplyResult): RespReply {
  if (result.type === 'del') return { type: 'integer', value: result.removed };
  if (result.type === 'set') return OK_REPLY;
  return errorReply(`ERR the command could not be applied (${result.type})`);
}

function readReply(
  op: KeyedOp,
  machine: { get(key: Uint8Array): Uint8Array | null; countExisting(keys: readonly Uint8Array[]): number },
): RespReply {
  if (op.kind === 'get') {
    const value = machine.get(op.key);
    return value === null ? NIL_REPLY : { type: 'bulk', value };
  }
  if (op.kind === 'exists') return { type: 'integer', value: machine.countExisting(op.keys) };
  throw new Error(`${op.kind} is not a read`);
}

function commandArgs(op: KeyedOp): Uint8Array[] | (string | Uint8Array)[] {
  switch (op.kind) {
    case 'set':
      return ['SET', op.key, op.value];
    case 'get':
      return ['GET', op.key];
    case 'del':
      return ['DEL', ...op.keys];
    case 'exists':
      return ['EXISTS', ...op.keys];
  }
}
