// The membership orchestrator against a fake leader whose committed membership the test moves by
// hand, on a manual clock: which config entries it proposes, in what order, what it waits for,
// and that every refusal says why having proposed nothing.
import { describe, expect, it } from 'vitest';
import type { ConfChange, Membership, NodeId, ProposeResult, RaftStatus } from '../../shared/raft/types';
import { ManualClock } from '../net/testing/clocks';
import {
  type ChangerNode,
  MembershipChanger,
  type MembershipEvent,
  MembershipRefusedError,
  NotGroupLeaderError,
} from './membership-changer';

type FakeStatus = ReturnType<ChangerNode['status']>;

/** A leader whose log the test commits: a proposed change becomes membership at commit(). */
class FakeLeader implements ChangerNode {
  readonly nodeId = 'a:1';
  readonly group = 0;
  role: RaftStatus['role'] = 'leader';
  term = 3;
  leader: NodeId | null = 'a:1';
  commitIndex = 10;
  lastIndex = 10;
  membership: Membership = { voters: ['a:1', 'b:1', 'c:1'], learners: [] };
  pending: { index: number; change: ConfChange } | null = null;
  progress: Record<NodeId, { match: number }> = {};
  readonly proposed: ConfChange[] = [];
  refuseWith: string | null = null;

  status(): FakeStatus {
    const progress: Record<NodeId, RaftStatus['progress'][string]> = {};
    for (const [id, { match }] of Object.entries(this.progress)) {
      progress[id] = { match, next: match + 1, state: 'replicate', inflight: 0, recentActive: true };
    }
    return {
      role: this.role,
      term: this.term,
      leader: this.leader,
      commit: this.commitIndex,
      membership: this.membership,
      pendingConfIndex: this.pending?.index ?? 0,
      progress,
    };
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    if (this.role !== 'leader') return { ok: false, reason: 'not-leader', leader: this.leader };
    if (this.refuseWith !== null) return { ok: false, reason: 'refused', leader: this.nodeId, detail: this.refuseWith };
    this.proposed.push(change);
    this.lastIndex++;
    this.pending = { index: this.lastIndex, change };
    return { ok: true, firstIndex: this.lastIndex, term: this.term };
  }

  /** The pending config entry commits, and takes effect. */
  commitPending(): void {
    const { index, change } = this.pending!;
    this.pending = null;
    this.commitIndex = index;
    const { voters, learners } = this.membership;
    if (change.type === 'addLearner') this.membership = { voters, learners: [...learners, change.node] };
    if (change.type === 'promote') {
      this.membership = { voters: [...voters, change.node], learners: learners.filter((id) => id !== change.node) };
    }
    if (change.type === 'remove') {
      this.membership = {
        voters: voters.filter((id) => id !== change.node),
        learners: learners.filter((id) => id !== change.node),
      };
      if (change.node === this.nodeId) {
        this.role = 'follower';
        this.leader = null;
      }
    }
  }
}

function setup(options: { margin?: number; catchUpTimeoutMs?: number } = {}) {
  const node = new FakeLeader();
  const clock = new ManualClock();
  const events: string[] = [];
  const changer = new MembershipChanger({
    node,
    clock,
    pollMs: 10,
    catchUpMarginEntries: options.margin ?? 5,
    catchUpTimeoutMs: options.catchUpTimeoutMs ?? 10_000,
    commitTimeoutMs: 5_000,
    onEvent: (event: MembershipEvent) => events.push(`${event.phase} ${event.change.type} ${event.change.node}`),
  });
  /** Lets the changer's timers run and its promises settle. */
  const pass = async (ms = 10): Promise<void> => {
    clock.advance(ms);
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return { node, clock, changer, events, pass };
}

/** Records how a promise settled without awaiting it. */
function watch(promise: Promise<void>): { state: 'pending' | 'resolved' | 'rejected'; error: unknown } {
  const result: { state: 'pending' | 'resolved' | 'rejected'; error: unknown } = { state: 'pending', error: null };
  promise.then(
    () => {
      result.state = 'resolved';
    },
    (error: unknown) => {
      result.state = 'rejected';
      result.error = error;
    },
  );
  return result;
}

describe('adding a node (thesis §4.1 single-server steps, §4.2.1 learners first)', () => {
  it('adds it as a learner, promotes it only once its match is within the margin of the commit index', async () => {
    const { node, changer, events, pass } = setup({ margin: 5 });
    let learnerAt = '';
    const added = watch(changer.add('d:1', () => (learnerAt = events.join(', '))));
    await pass();
    expect(node.proposed).toEqual([{ type: 'addLearner', node: 'd:1' }]);
    expect(added.state).toBe('pending');

    node.commitPending();
    node.commitIndex = 100;
    node.progress['d:1'] = { match: 20 };
    await pass();
    expect(learnerAt).toBe('proposed addLearner d:1, committed addLearner d:1');
    // Far behind: no promotion, however long the changer looks.
    await pass(500);
    expect(node.proposed).toHaveLength(1);

    node.progress['d:1'] = { match: 95 };
    await pass();
    expect(node.proposed).toEqual([
      { type: 'addLearner', node: 'd:1' },
      { type: 'promote', node: 'd:1' },
    ]);
    expect(added.state).toBe('pending');
    node.commitPending();
    await pass();
    expect(added.state).toBe('resolved');
    expect(node.membership).toEqual({ voters: ['a:1', 'b:1', 'c:1', 'd:1'], learners: [] });
    expect(events).toEqual([
      'proposed addLearner d:1',
      'committed addLearner d:1',
      'proposed promote d:1',
      'committed promote d:1',
    ]);
  });

  it('goes on from the catch-up for a node that is already a learner (an add a leader change cut short)', async () => {
    const { node, changer, pass } = setup();
    node.membership = { voters: ['a:1', 'b:1', 'c:1'], learners: ['d:1'] };
    node.progress['d:1'] = { match: 10 };
    const added = watch(changer.add('d:1'));
    await pass();
    expect(node.proposed).toEqual([{ type: 'promote', node: 'd:1' }]);
    node.commitPending();
    await pass();
    expect(added.state).toBe('resolved');
  });

  it('a second add of the same node joins the first instead of proposing again', async () => {
    const { node, changer, pass } = setup();
    const first = watch(changer.add('d:1'));
    const second = watch(changer.add('d:1'));
    await pass();
    expect(node.proposed).toHaveLength(1);
    expect(changer.isAdding('d:1')).toBe(true);
    node.commitPending();
    node.progress['d:1'] = { match: 11 };
    await pass();
    node.commitPending();
    await pass();
    expect([first.state, second.state]).toEqual(['resolved', 'resolved']);
    expect(changer.isAdding('d:1')).toBe(false);
  });

  it('gives up on a learner that does not catch up in time, and leaves it a learner', async () => {
    const { node, changer, pass } = setup({ catchUpTimeoutMs: 1000 });
    const added = watch(changer.add('d:1'));
    await pass();
    node.commitPending();
    node.commitIndex = 500;
    for (let i = 0; i < 120; i++) await pass();
    expect(added.state).toBe('rejected');
    expect(added.error).toBeInstanceOf(MembershipRefusedError);
    expect(String(added.error)).toMatch(/d:1 did not catch up within 1000 ms; it stays a learner/);
    expect(node.proposed).toEqual([{ type: 'addLearner', node: 'd:1' }]);
  });

  it('reports a leader that lost its term while the learner caught up', async () => {
    const { node, changer, pass } = setup();
    const added = watch(changer.add('d:1'));
    await pass();
    node.commitPending();
    node.commitIndex = 500;
    node.term = 4;
    node.role = 'follower';
    node.leader = 'b:1';
    await pass();
    expect(added.state).toBe('rejected');
    expect(added.error).toBeInstanceOf(NotGroupLeaderError);
    expect((added.error as NotGroupLeaderError).leader).toBe('b:1');
  });
});

describe('removing a node', () => {
  it('proposes one remove and resolves once it committed', async () => {
    const { node, changer, events, pass } = setup();
    const removed = watch(changer.remove('c:1'));
    await pass();
    expect(node.proposed).toEqual([{ type: 'remove', node: 'c:1' }]);
    await pass(100);
    expect(removed.state).toBe('pending');
    node.commitPending();
    await pass();
    expect(removed.state).toBe('resolved');
    expect(events).toEqual(['proposed remove c:1', 'committed remove c:1']);
  });

  it('removes the leader itself: done once the removal commits, though it has stepped down', async () => {
    const { node, changer, pass } = setup();
    const removed = watch(changer.remove('a:1'));
    await pass();
    node.commitPending();
    expect(node.role).toBe('follower');
    await pass();
    expect(removed.state).toBe('resolved');
  });

  it('says the outcome is unknown when the leader changed before the removal committed', async () => {
    const { node, changer, pass } = setup();
    const removed = watch(changer.remove('c:1'));
    await pass();
    node.term = 4;
    await pass();
    expect(removed.state).toBe('rejected');
    expect(String(removed.error)).toMatch(
      /the leader changed before removing c:1 \(index 11\) committed; it may still commit/,
    );
  });

  it('times out on a removal that never commits (no majority)', async () => {
    const { changer, pass } = setup();
    const removed = watch(changer.remove('c:1'));
    for (let i = 0; i < 600; i++) await pass();
    expect(removed.state).toBe('rejected');
    expect(String(removed.error)).toMatch(/removing c:1 \(index 11\) did not commit within 5000 ms/);
  });
});

describe('refusals, each before anything is proposed', () => {
  const cases: [string, (node: FakeLeader) => void, (changer: MembershipChanger) => Promise<void>, RegExp][] = [
    [
      'a change pending',
      (n) => {
        n.pending = { index: 9, change: { type: 'remove', node: 'c:1' } };
      },
      (c) => c.add('d:1'),
      /group 0 has a membership change pending \(index 9/,
    ],
    ['adding a voter', () => {}, (c) => c.add('b:1'), /b:1 is already a voter of group 0/],
    [
      'removing the last voter',
      (n) => {
        n.membership = { voters: ['a:1'], learners: ['d:1'] };
      },
      (c) => c.remove('a:1'),
      /a:1 is the last voter of group 0; it cannot be removed/,
    ],
    ['removing a non-member', () => {}, (c) => c.remove('z:9'), /z:9 is not a member of group 0/],
  ];
  it.each(cases)('%s', async (_name, arrange, act, message) => {
    const { node, changer } = setup();
    arrange(node);
    const proposedBefore = node.proposed.length;
    await expect(act(changer)).rejects.toThrow(message);
    await expect(act(changer)).rejects.toBeInstanceOf(MembershipRefusedError);
    expect(node.proposed).toHaveLength(proposedBefore);
  });

  it('passes on the core refusal with its reason', async () => {
    const { node, changer } = setup();
    node.refuseWith = 'this leader has not yet committed an entry of its term';
    await expect(changer.remove('c:1')).rejects.toThrow(
      /group 0 refused removing c:1: this leader has not yet committed an entry of its term/,
    );
  });

  it('names the leader when asked of a follower', async () => {
    const { node, changer } = setup();
    node.role = 'follower';
    node.leader = 'b:1';
    const error = await changer.remove('c:1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotGroupLeaderError);
    expect((error as NotGroupLeaderError).leader).toBe('b:1');
    expect(node.proposed).toEqual([]);
  });
});
