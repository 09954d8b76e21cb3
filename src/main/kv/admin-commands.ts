// The membership commands every node port answers (CONTRACTS.md §2: `raftlab admin`, `--join`),
// as RESP commands beside the key-value ones:
//
//   RAFTLAB.ADMIN GROUP [g]                 one group's voters, learners and leader (JSON)
//   RAFTLAB.ADMIN MEMBERS                   every group's (JSON), asking a member of each
//   RAFTLAB.ADMIN ADD-NODE <id> <g>         adds <id> to group g; +OK once it is a learner, the
//                                           leader then promotes it when it has caught up
//   RAFTLAB.ADMIN REMOVE-NODE <id>          +OK once the removal committed
//   RAFTLAB.ADMIN LEFT                      to a removed node, from the leader that removed it: it
//                                           checks with its group that it is no member, then stops
//   RAFTLAB.ADMIN JOIN-INFO <id> <hex> [g]  what a joining node needs (JSON): the bootstrap
//                                           partitions, its group, the members, and a proof that
//                                           this node holds the cluster secret (see join-proof.ts)
//
// A change runs on its group's leader, so a node that is not it forwards the command there, as it
// forwards writes, in the form `RAFTLAB.ADMIN FWD <hops> <SUB> args...` (the hops bound loops).
import { clusterIdOf, formatPartitions, groupIndexOf, type Partitions } from '../../shared/config';
import type { Membership, NodeId } from '../../shared/raft/types';
import { MembershipRefusedError, NotGroupLeaderError } from '../host/membership-changer';
import { argText } from '../net/command-args';
import { addressOfNodeId } from '../net/peer-transport';
import { errorReply, OK_REPLY } from '../net/resp-writer';
import type { HostClock, RespReply } from '../net/types';
import { Deadlines } from './deadlines';
import { UnreachableError } from './forwarder';
import { joinProof } from './join-proof';
import { NodeStoppedError } from './local-group';
import type { ForwardingLink } from './router';

export const ADMIN_COMMAND = 'RAFTLAB.ADMIN';
const FORWARDED = 'FWD';
/** any node -> a member of the group -> its leader. */
const MAX_HOPS = 2;
const RETRY_WAIT_MS = 50;

/** One group as `GROUP` and `MEMBERS` describe it. */
export interface GroupInfo {
  readonly group: number;
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  readonly leader: NodeId | null;
  readonly term: number;
  readonly commit: number;
  /** The member that answered (a group's state is as that member knows it). */
  readonly answeredBy: NodeId;
}

/** `MEMBERS`: every group; a group none of whose members answered has `error` instead. */
export interface MembersInfo {
  readonly groups: readonly (GroupInfo | { readonly group: number; readonly error: string })[];
  /** The ring's version: 0 until the ring itself is agreed through Raft (issue 13). */
  readonly ringVersion: number;
}

/** `JOIN-INFO`'s answer. */
export interface JoinInfo {
  readonly partitions: string;
  readonly group: number;
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  readonly leader: NodeId | null;
  readonly answeredBy: NodeId;
  /** Hex: the answering node's challenge and its proof over both challenges (join-proof.ts). */
  readonly challenge: string;
  readonly proof: string;
}

/** What the commands need of the node that runs them (NodeHost gives it). */
export interface AdminNode {
  readonly nodeId: NodeId;
  readonly group: number;
  readonly alive: boolean;
  /** The committed membership, the leader as known, term and commit. */
  groupState(): { membership: Membership; leader: NodeId | null; term: number; commit: number; isLeader: boolean };
  /** Leader only: adds `node`; `onLearner` once its learner step committed. */
  addMember(node: NodeId, onLearner: () => void): Promise<void>;
  /** Leader only: removes `node`, resolving once that committed. */
  removeMember(node: NodeId): Promise<void>;
  /** This node has been removed from its group: stop it (as when its own log shows the removal). */
  leaveGroup(): void;
  waitForLeaderChange(ms: number): Promise<void>;
}

export interface AdminOptions {
  readonly node: AdminNode;
  readonly partitions: Partitions;
  readonly forwarder: ForwardingLink;
  readonly clock: HostClock;
  readonly requestTimeoutMs: number;
  readonly secret: Uint8Array;
  /** Notes for the node's log (an add that failed after its client was answered). */
  readonly log?: (line: string) => void;
}

class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

class AdminError extends Error {
  override readonly name = 'AdminError';
}

export class AdminCommands {
  private readonly deadlines: Deadlines;

  constructor(private readonly options: AdminOptions) {
    this.deadlines = new Deadlines(options.clock);
  }

  async execute(args: readonly Uint8Array[]): Promise<RespReply> {
    let words = args.slice(1).map(argText);
    let hops = MAX_HOPS;
    if (words[0]?.toUpperCase() === FORWARDED) {
      hops = Number(words[1]);
      if (!Number.isInteger(hops) || hops < 0 || hops > MAX_HOPS)
        return errorReply(`ERR malformed ${ADMIN_COMMAND} ${FORWARDED}`);
      words = words.slice(2);
    }
    const deadline = this.options.clock.now() + this.options.requestTimeoutMs;
    try {
      return await this.run(words, hops, deadline);
    } catch (error) {
      if (error instanceof AdminError || error instanceof MembershipRefusedError)
        return errorReply(`ERR ${error.message}`);
      if (error instanceof DeadlineError) {
        return errorReply(
          `TRYAGAIN no answer within ${this.options.requestTimeoutMs} ms (no leader, or its group cannot be reached)`,
        );
      }
      if (error instanceof NodeStoppedError) return errorReply('TRYAGAIN the node is stopping');
      throw error;
    }
  }

  private run(words: readonly string[], hops: number, deadline: number): Promise<RespReply> {
    const [sub = '', ...rest] = words;
    switch (sub.toUpperCase()) {
      case 'GROUP': {
        if (rest.length > 1) throw new AdminError('usage: GROUP [g]');
        const group = rest[0] === undefined ? this.options.node.group : this.groupNumber(rest[0]);
        return this.groupInfo(group, hops, deadline).then(jsonReply);
      }
      case 'MEMBERS':
        if (rest.length > 0) throw new AdminError('usage: MEMBERS');
        return this.members(hops, deadline).then(jsonReply);
      case 'ADD-NODE': {
        if (rest.length !== 2) throw new AdminError('usage: ADD-NODE <ip:port> <group>');
        const node = this.nodeId(rest[0]!);
        const group = this.groupNumber(rest[1]!);
        this.refuseAddressInUse(node, group);
        return this.onLeader(group, ['ADD-NODE', node, String(group)], hops, deadline, () => this.addHere(node));
      }
      case 'REMOVE-NODE': {
        if (rest.length !== 1) throw new AdminError('usage: REMOVE-NODE <ip:port>');
        const node = this.nodeId(rest[0]!);
        return this.groupHolding(node, hops, deadline).then((group) =>
          this.onLeader(group, ['REMOVE-NODE', node], hops, deadline, async () => {
            await this.options.node.removeMember(node);
            this.tellRemoved(node);
            return OK_REPLY;
          }),
        );
      }
      case 'LEFT':
        if (rest.length > 0) throw new AdminError('usage: LEFT');
        return this.checkLeft(deadline);
      case 'JOIN-INFO': {
        if (rest.length < 2 || rest.length > 3)
          throw new AdminError('usage: JOIN-INFO <ip:port> <challenge hex> [group]');
        const node = this.nodeId(rest[0]!);
        const challenge = rest[1]!;
        if (!/^[0-9a-f]{64}$/.test(challenge)) throw new AdminError('the challenge must be 64 hex digits');
        const group = rest[2] === undefined ? null : this.groupNumber(rest[2]);
        return this.joinInfo(node, Buffer.from(challenge, 'hex'), group, hops, deadline).then(jsonReply);
      }
      default:
        throw new AdminError(
          `unknown ${ADMIN_COMMAND} command '${sub.slice(0, 64)}'; the commands are GROUP, MEMBERS, ADD-NODE, REMOVE-NODE, JOIN-INFO`,
        );
    }
  }

  // -------------------------------------------------------------------------------------------

  private async addHere(node: NodeId): Promise<RespReply> {
    // The client hears back once the node is a learner; the catch-up and the promotion go on, and
    // a failure of theirs (a leader change) leaves a learner that the next ADD-NODE promotes.
    return new Promise<RespReply>((resolve, reject) => {
      let answered = false;
      this.options.node
        .addMember(node, () => {
          answered = true;
          resolve(OK_REPLY);
        })
        .catch((error: unknown) => {
          if (!answered) {
            reject(error);
            return;
          }
          this.options.log?.(`adding ${node}: ${error instanceof Error ? error.message : String(error)}`);
        });
    });
  }

  /**
   * The leader's last heartbeat tells a removed follower its removal committed, but only if that
   * follower already holds the removal entry; a lagging one would never learn it. So it is also
   * told over RESP. Best effort: a node that cannot be reached now is down, and stays removed.
   */
  private tellRemoved(node: NodeId): void {
    if (node === this.options.node.nodeId) return;
    this.options.forwarder.send(node, [ADMIN_COMMAND, 'LEFT']).catch(() => undefined);
  }

  /**
   * Believes no one's word that it was removed: asks the other members of its group, and stops
   * only once the group's leader itself answers with a membership that lacks this node.
   */
  private async checkLeft(deadline: number): Promise<RespReply> {
    const { node, forwarder } = this.options;
    const self = node.nodeId;
    const members = node.groupState().membership;
    const others = [...members.voters, ...members.learners].filter((id) => id !== self);
    for (const member of others) {
      this.checkDeadline(deadline);
      if (!forwarder.canReach(member)) continue;
      try {
        const reply = await this.beforeDeadline(forwarder.send(member, [ADMIN_COMMAND, 'GROUP']), deadline);
        const info = parseJsonReply<GroupInfo>(reply);
        if (info.group !== node.group || info.leader === null || info.answeredBy !== info.leader) continue;
        if (info.voters.includes(self) || info.learners.includes(self)) {
          throw new AdminError(`${self} is still a member of group ${node.group}, as its leader ${info.leader} says`);
        }
        node.leaveGroup();
        return OK_REPLY;
      } catch (error) {
        if (!(error instanceof UnreachableError || error instanceof SyntaxError)) throw error;
      }
    }
    throw new AdminError(`no leader of group ${node.group} confirmed that ${self} was removed`);
  }

  /** Runs `here` on the group's leader: here if this node leads it, else forwarded towards it. */
  private async onLeader(
    group: number,
    command: readonly string[],
    hops: number,
    deadline: number,
    here: () => Promise<RespReply>,
  ): Promise<RespReply> {
    const { node } = this.options;
    if (group !== node.group) return this.toGroup(group, command, hops, deadline);
    for (;;) {
      this.checkDeadline(deadline);
      const state = node.groupState();
      if (state.isLeader) {
        try {
          return await this.beforeDeadline(here(), deadline);
        } catch (error) {
          if (!(error instanceof NotGroupLeaderError)) throw error;
        }
      } else if (state.leader !== null && hops > 0 && this.options.forwarder.canReach(state.leader)) {
        try {
          return await this.forward(state.leader, command, hops, deadline);
        } catch (error) {
          if (!(error instanceof UnreachableError)) throw error;
        }
      }
      await this.waitBeforeRetry(deadline);
    }
  }

  /** Sends `command` to a member of another group, trying each in turn until one answers. */
  private async toGroup(group: number, command: readonly string[], hops: number, deadline: number): Promise<RespReply> {
    const members = this.options.partitions[group] ?? [];
    if (hops === 0 || members.length === 0) throw new AdminError(`cannot reach group ${group}`);
    for (;;) {
      for (const member of members) {
        this.checkDeadline(deadline);
        if (!this.options.forwarder.canReach(member)) continue;
        try {
          return await this.forward(member, command, hops, deadline);
        } catch (error) {
          if (!(error instanceof UnreachableError)) throw error;
        }
      }
      await this.waitBeforeRetry(deadline);
    }
  }

  private forward(to: NodeId, command: readonly string[], hops: number, deadline: number): Promise<RespReply> {
    const args = [ADMIN_COMMAND, FORWARDED, String(hops - 1), ...command];
    return this.beforeDeadline(this.options.forwarder.send(to, args), deadline);
  }

  private async groupInfo(group: number, hops: number, deadline: number): Promise<GroupInfo> {
    const { node } = this.options;
    if (group === node.group) {
      const state = node.groupState();
      return {
        group,
        voters: state.membership.voters,
        learners: state.membership.learners,
        leader: state.leader,
        term: state.term,
        commit: state.commit,
        answeredBy: node.nodeId,
      };
    }
    const reply = await this.toGroup(group, ['GROUP', String(group)], hops, deadline);
    return parseJsonReply<GroupInfo>(reply);
  }

  private async members(hops: number, deadline: number): Promise<MembersInfo> {
    const groups = await Promise.all(
      this.options.partitions.map((_, group) =>
        this.groupInfo(group, hops, deadline).catch((error: unknown) => ({
          group,
          error: error instanceof DeadlineError ? 'no member answered' : errorText(error),
        })),
      ),
    );
    return { groups, ringVersion: 0 };
  }

  /** The group that has `node` as a member: this node's own, its bootstrap one, or any that says so. */
  private async groupHolding(node: NodeId, hops: number, deadline: number): Promise<number> {
    const own = this.options.node.groupState().membership;
    if (own.voters.includes(node) || own.learners.includes(node)) return this.options.node.group;
    const found = await this.members(hops, deadline);
    for (const info of found.groups) {
      if ('voters' in info && (info.voters.includes(node) || info.learners.includes(node))) return info.group;
    }
    throw new AdminError(`${node} is not a member of any group`);
  }

  private async joinInfo(
    node: NodeId,
    joinerChallenge: Uint8Array,
    asked: number | null,
    hops: number,
    deadline: number,
  ): Promise<JoinInfo> {
    const { partitions } = this.options;
    const found = await this.members(hops, deadline);
    let group = asked;
    for (const info of found.groups) {
      if (!('voters' in info)) continue;
      if (info.voters.includes(node)) {
        throw new AdminError(`address in use: ${node} is already a voter of group ${info.group}`);
      }
      // A node that was added as a learner and restarts its join goes on in that group.
      if (info.learners.includes(node)) {
        if (asked !== null && asked !== info.group) {
          throw new AdminError(`address in use: ${node} is already a learner of group ${info.group}`);
        }
        group = info.group;
      }
    }
    if (group === null) group = fewestVoters(found.groups);
    const info = found.groups[group];
    if (info === undefined || !('voters' in info)) {
      throw new AdminError(`group ${group} did not answer: ${info && 'error' in info ? info.error : 'unknown'}`);
    }
    const proof = joinProof(this.options.secret, {
      clusterId: clusterIdOf(partitions),
      joiner: node,
      member: this.options.node.nodeId,
      joinerChallenge,
    });
    return {
      partitions: formatPartitions(partitions),
      group,
      voters: info.voters,
      learners: info.learners,
      leader: info.leader,
      answeredBy: this.options.node.nodeId,
      challenge: Buffer.from(proof.memberChallenge).toString('hex'),
      proof: Buffer.from(proof.proof).toString('hex'),
    };
  }

  // -------------------------------------------------------------------------------------------

  private groupNumber(text: string): number {
    const count = this.options.partitions.length;
    const group = Number(text);
    if (!/^[0-9]+$/.test(text) || group >= count) {
      throw new AdminError(`unknown group '${text.slice(0, 32)}'; the groups are 0 to ${count - 1}`);
    }
    return group;
  }

  private nodeId(text: string): NodeId {
    try {
      addressOfNodeId(text);
    } catch {
      throw new AdminError(`'${text.slice(0, 64)}' is not an ip:port node id`);
    }
    return text;
  }

  /** A node of another group's bootstrap configuration cannot join this one. */
  private refuseAddressInUse(node: NodeId, group: number): void {
    const home = groupIndexOf(this.options.partitions, node);
    if (home !== undefined && home !== group) {
      throw new AdminError(`address in use: ${node} is a member of group ${home} in the bootstrap configuration`);
    }
  }

  private checkDeadline(deadline: number): void {
    if (!this.options.node.alive) throw new NodeStoppedError('the node is stopping');
    if (deadline <= this.options.clock.now()) throw new DeadlineError();
  }

  private waitBeforeRetry(deadline: number): Promise<void> {
    const left = deadline - this.options.clock.now();
    if (left <= 0) return Promise.reject(new DeadlineError());
    return this.options.node.waitForLeaderChange(Math.min(RETRY_WAIT_MS, left));
  }

  private beforeDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
    return this.deadlines.race(work, deadline, () => new DeadlineError());
  }
}

function fewestVoters(groups: MembersInfo['groups']): number {
  let best = -1;
  let bestCount = Number.POSITIVE_INFINITY;
  for (const info of groups) {
    if ('voters' in info && info.voters.length < bestCount) {
      best = info.group;
      bestCount = info.voters.length;
    }
  }
  if (best < 0) throw new AdminError('no group answered');
  return best;
}

function jsonReply(value: unknown): RespReply {
  return { type: 'bulk', value: Buffer.from(JSON.stringify(value), 'utf8') };
}

/** A forwarded JSON reply; an error reply is passed on as this node's error. */
export function parseJsonReply<T>(reply: RespReply): T {
  if (reply.type === 'error') throw new AdminError(reply.value.replace(/^ERR /, ''));
  if (reply.type !== 'bulk' || reply.value === null) throw new AdminError(`unexpected reply of type ${reply.type}`);
  return JSON.parse(Buffer.from(reply.value).toString('utf8')) as T;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
