// The RESP admin commands against a fake node and a fake forwarder: what each answers, where it
// forwards, and that each refusal is one clear error line that changes nothing.
import { describe, expect, it } from 'vitest';
import { clusterIdOf, formatPartitions, type Partitions } from '../../shared/config';
import type { Membership, NodeId } from '../../shared/raft/types';
import { MembershipRefusedError } from '../host/membership-changer';
import { ManualClock } from '../net/testing/clocks';
import type { RespReply } from '../net/types';
import { AdminCommands, type AdminNode, type GroupInfo, type JoinInfo, type MembersInfo } from './admin-commands';
import { joinProofMatches } from './join-proof';

const PARTITIONS: Partitions = [
  ['127.0.0.1:5001', '127.0.0.1:5002', '127.0.0.1:5003'],
  ['127.0.0.1:5004', '127.0.0.1:5005'],
];
const SECRET = Buffer.from('a secret of the admin-commands test');

class FakeNode implements AdminNode {
  readonly nodeId = '127.0.0.1:5001';
  readonly group = 0;
  alive = true;
  isLeader = true;
  leader: NodeId | null = '127.0.0.1:5001';
  membership: Membership = { voters: [...PARTITIONS[0]!], learners: [] };
  readonly calls: string[] = [];
  failAdd: Error | null = null;

  constructor(private readonly clock: ManualClock) {}

  groupState() {
    return { membership: this.membership, leader: this.leader, term: 2, commit: 7, isLeader: this.isLeader };
  }

  async addMember(node: NodeId, onLearner: () => void): Promise<void> {
    this.calls.push(`add ${node}`);
    if (this.failAdd) throw this.failAdd;
    onLearner();
  }

  async removeMember(node: NodeId): Promise<void> {
    this.calls.push(`remove ${node}`);
  }

  leaveGroup(): void {
    this.calls.push('leave');
  }

  waitForLeaderChange(ms: number): Promise<void> {
    this.clock.advance(ms);
    return Promise.resolve();
  }
}

function setup(answer: (to: NodeId, args: readonly string[]) => RespReply = () => ({ type: 'simple', value: 'OK' })) {
  const clock = new ManualClock();
  const node = new FakeNode(clock);
  const sent: string[] = [];
  const admin = new AdminCommands({
    node,
    partitions: PARTITIONS,
    clock,
    requestTimeoutMs: 1000,
    secret: SECRET,
    forwarder: {
      canReach: () => true,
      send: async (to, args) => {
        const words = args.map((arg) => (typeof arg === 'string' ? arg : Buffer.from(arg).toString()));
        sent.push(`${to} ${words.join(' ')}`);
        return answer(to, words);
      },
    },
  });
  const run = (...words: string[]) => admin.execute(['RAFTLAB.ADMIN', ...words].map((w) => Buffer.from(w)));
  return { node, admin, sent, run, clock };
}

function json<T>(reply: RespReply): T {
  if (reply.type !== 'bulk' || reply.value === null) throw new Error(`not a bulk reply: ${JSON.stringify(reply)}`);
  return JSON.parse(Buffer.from(reply.value).toString()) as T;
}

const group1: GroupInfo = {
  group: 1,
  voters: PARTITIONS[1]!,
  learners: [],
  leader: '127.0.0.1:5004',
  term: 1,
  commit: 3,
  answeredBy: '127.0.0.1:5004',
};
const answerGroup1 = (_to: NodeId, args: readonly string[]): RespReply =>
  args.includes('GROUP')
    ? { type: 'bulk', value: Buffer.from(JSON.stringify(group1)) }
    : { type: 'simple', value: 'OK' };

describe('GROUP and MEMBERS', () => {
  it('answers its own group from its committed membership', async () => {
    const { run, node } = setup();
    node.membership = { voters: ['127.0.0.1:5001', '127.0.0.1:5002'], learners: ['127.0.0.1:5009'] };
    const info = json<GroupInfo>(await run('GROUP'));
    expect(info).toEqual({
      group: 0,
      voters: ['127.0.0.1:5001', '127.0.0.1:5002'],
      learners: ['127.0.0.1:5009'],
      leader: '127.0.0.1:5001',
      term: 2,
      commit: 7,
      answeredBy: '127.0.0.1:5001',
    });
  });

  it('asks a member of each other group, one hop less', async () => {
    const { run, sent } = setup(answerGroup1);
    const members = json<MembersInfo>(await run('members'));
    expect(members.ringVersion).toBe(0);
    expect(members.groups.map((g) => ('voters' in g ? g.voters : g.error))).toEqual([PARTITIONS[0], PARTITIONS[1]]);
    expect(sent).toEqual(['127.0.0.1:5004 RAFTLAB.ADMIN FWD 1 GROUP 1']);
  });

  it('marks a group none of whose members answers, and still lists the others', async () => {
    const { run } = setup(() => ({ type: 'error', value: 'TRYAGAIN no leader' }));
    const members = json<MembersInfo>(await run('MEMBERS'));
    expect(members.groups[0]).toMatchObject({ group: 0, voters: PARTITIONS[0] });
    expect(members.groups[1]).toMatchObject({ group: 1, error: expect.stringContaining('no leader') });
  });
});

describe('ADD-NODE and REMOVE-NODE', () => {
  it('adds on the leader: +OK once the node is a learner', async () => {
    const { run, node, sent } = setup();
    expect(await run('ADD-NODE', '127.0.0.1:5009', '0')).toEqual({ type: 'simple', value: 'OK' });
    expect(node.calls).toEqual(['add 127.0.0.1:5009']);
    expect(sent).toEqual([]);
  });

  it('a follower forwards the change to its leader, as it forwards writes', async () => {
    const { run, node, sent } = setup();
    node.isLeader = false;
    node.leader = '127.0.0.1:5002';
    expect(await run('ADD-NODE', '127.0.0.1:5009', '0')).toEqual({ type: 'simple', value: 'OK' });
    expect(sent).toEqual(['127.0.0.1:5002 RAFTLAB.ADMIN FWD 1 ADD-NODE 127.0.0.1:5009 0']);
    expect(node.calls).toEqual([]);
  });

  it('a change of another group goes to a member of that group', async () => {
    const { run, sent } = setup();
    await run('ADD-NODE', '127.0.0.1:5009', '1');
    expect(sent).toEqual(['127.0.0.1:5004 RAFTLAB.ADMIN FWD 1 ADD-NODE 127.0.0.1:5009 1']);
  });

  it('removes a member of its own group on the leader, then tells the removed node', async () => {
    const { run, node, sent } = setup();
    expect(await run('REMOVE-NODE', '127.0.0.1:5003')).toEqual({ type: 'simple', value: 'OK' });
    expect(node.calls).toEqual(['remove 127.0.0.1:5003']);
    expect(sent).toEqual(['127.0.0.1:5003 RAFTLAB.ADMIN LEFT']);
  });

  it('finds the group of a node it does not hold and sends the removal there', async () => {
    const { run, sent } = setup(answerGroup1);
    await run('REMOVE-NODE', '127.0.0.1:5005');
    expect(sent).toEqual([
      '127.0.0.1:5004 RAFTLAB.ADMIN FWD 1 GROUP 1',
      '127.0.0.1:5004 RAFTLAB.ADMIN FWD 1 REMOVE-NODE 127.0.0.1:5005',
    ]);
  });

  it('answers TRYAGAIN when the group has no leader until the deadline', async () => {
    const { run, node } = setup();
    node.isLeader = false;
    node.leader = null;
    const reply = await run('REMOVE-NODE', '127.0.0.1:5003');
    expect(reply.type).toBe('error');
    expect((reply as { value: string }).value).toMatch(/^TRYAGAIN no answer within 1000 ms/);
    expect(node.calls).toEqual([]);
  });
});

describe('refusals: one error line, nothing changed', () => {
  it.each([
    [['ADD-NODE', '127.0.0.1:5009', '7'], /^ERR unknown group '7'; the groups are 0 to 1$/],
    [['ADD-NODE', '127.0.0.1:5009', 'x'], /^ERR unknown group 'x'/],
    [['ADD-NODE', 'nohost', '0'], /^ERR 'nohost' is not an ip:port node id$/],
    [['ADD-NODE', '127.0.0.1:5004', '0'], /^ERR address in use: 127.0.0.1:5004 is a member of group 1/],
    [['ADD-NODE', '127.0.0.1:5009'], /^ERR usage: ADD-NODE <ip:port> <group>$/],
    [['REMOVE-NODE'], /^ERR usage: REMOVE-NODE <ip:port>$/],
    [['REMOVE-NODE', '127.0.0.1:5099'], /^ERR 127.0.0.1:5099 is not a member of any group$/],
    [['JOIN-INFO', '127.0.0.1:5009', 'zz'], /^ERR the challenge must be 64 hex digits$/],
    [['FROB'], /^ERR unknown RAFTLAB.ADMIN command 'FROB'/],
    [['FWD', '9', 'GROUP'], /^ERR malformed RAFTLAB.ADMIN FWD$/],
    [[], /^ERR unknown RAFTLAB.ADMIN command ''/],
  ])('%j', async (words, message) => {
    const { run, node, sent } = setup(answerGroup1);
    const reply = await run(...words);
    expect(reply.type).toBe('error');
    expect((reply as { value: string }).value).toMatch(message);
    expect(node.calls).toEqual([]);
    expect(sent.filter((line) => !line.includes(' GROUP '))).toEqual([]);
  });

  it('passes on the changer refusal', async () => {
    const { run, node } = setup();
    node.failAdd = new MembershipRefusedError('group 0 has a membership change pending (index 9 ...)');
    expect(await run('ADD-NODE', '127.0.0.1:5009', '0')).toEqual({
      type: 'error',
      value: 'ERR group 0 has a membership change pending (index 9 ...)',
    });
  });

  it('a forward that has used its hops does not go further', async () => {
    const { run, sent } = setup();
    const reply = await run('FWD', '0', 'ADD-NODE', '127.0.0.1:5009', '1');
    expect(reply).toEqual({ type: 'error', value: 'ERR cannot reach group 1' });
    expect(sent).toEqual([]);
  });
});

describe('JOIN-INFO', () => {
  const challenge = Buffer.alloc(32, 9);

  it('names the bootstrap partitions, the group with the fewest voters, its members, and proves the secret', async () => {
    const { run } = setup(answerGroup1);
    const info = json<JoinInfo>(await run('JOIN-INFO', '127.0.0.1:5009', challenge.toString('hex')));
    expect(info.partitions).toBe(formatPartitions(PARTITIONS));
    expect(info.group).toBe(1);
    expect(info.voters).toEqual(PARTITIONS[1]);
    const transcript = {
      clusterId: clusterIdOf(PARTITIONS),
      joiner: '127.0.0.1:5009',
      member: info.answeredBy,
      joinerChallenge: challenge,
    };
    const memberChallenge = Buffer.from(info.challenge, 'hex');
    expect(joinProofMatches(SECRET, transcript, memberChallenge, Buffer.from(info.proof, 'hex'))).toBe(true);
    expect(
      joinProofMatches(
        Buffer.from('some other secret entirely'),
        transcript,
        memberChallenge,
        Buffer.from(info.proof, 'hex'),
      ),
    ).toBe(false);
  });

  it('keeps a learner that restarts its join in its group, and takes the group asked for', async () => {
    const { run, node } = setup(answerGroup1);
    node.membership = { voters: [...PARTITIONS[0]!], learners: ['127.0.0.1:5009'] };
    expect(json<JoinInfo>(await run('JOIN-INFO', '127.0.0.1:5009', challenge.toString('hex'))).group).toBe(0);
    expect(json<JoinInfo>(await run('JOIN-INFO', '127.0.0.1:5010', challenge.toString('hex'), '0')).group).toBe(0);
  });

  it.each([
    [['127.0.0.1:5002'], /^ERR address in use: 127.0.0.1:5002 is already a voter of group 0$/],
    [['127.0.0.1:5009', '5'], /^ERR unknown group '5'/],
  ])('refuses %j', async (words, message) => {
    const { run } = setup(answerGroup1);
    const reply = await run('JOIN-INFO', words[0]!, challenge.toString('hex'), ...words.slice(1));
    expect((reply as { value: string }).value).toMatch(message);
  });
});

describe("LEFT: a removed node stops only once its group's leader confirms it", () => {
  const groupReply =
    (info: Partial<GroupInfo>) =>
    (_to: NodeId, args: readonly string[]): RespReply =>
      args.includes('GROUP')
        ? {
            type: 'bulk',
            value: Buffer.from(
              JSON.stringify({
                group: 0,
                voters: ['127.0.0.1:5002', '127.0.0.1:5003'],
                learners: [],
                leader: '127.0.0.1:5002',
                term: 3,
                commit: 9,
                answeredBy: '127.0.0.1:5002',
                ...info,
              }),
            ),
          }
        : { type: 'simple', value: 'OK' };

  it('leaves when the leader answers without it', async () => {
    const { run, node } = setup(groupReply({}));
    expect(await run('LEFT')).toEqual({ type: 'simple', value: 'OK' });
    expect(node.calls).toEqual(['leave']);
  });

  it('stays when the leader still lists it', async () => {
    const { run, node } = setup(groupReply({ voters: ['127.0.0.1:5001', '127.0.0.1:5002'] }));
    const reply = await run('LEFT');
    expect((reply as { value: string }).value).toMatch(/^ERR 127.0.0.1:5001 is still a member of group 0/);
    expect(node.calls).toEqual([]);
  });

  it('believes no follower: only the leader answering counts', async () => {
    const { run, node } = setup(groupReply({ answeredBy: '127.0.0.1:5003' }));
    const reply = await run('LEFT');
    expect((reply as { value: string }).value).toMatch(/^ERR no leader of group 0 confirmed/);
    expect(node.calls).toEqual([]);
  });
});
