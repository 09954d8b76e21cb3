// Membership changes (thesis §4.1, single-server, applied at commit as etcd does): the encoding of a
// change, every refusal, learners, promotion, removal (the leader's own included), who may campaign,
// and restarts.
import { describe, expect, it } from 'vitest';
import { ConfChangeDecodeError, createRaft, decodeConfChange, encodeConfChange } from '../../src/shared/raft/index';
import type { ConfChange, Entry, Membership, RaftCore } from '../../src/shared/raft/types';
import { app, appResp, bytes, drain, electDirectly, initialState, makeConfig, ofType, peersOf } from './helpers';
import { SnapCluster } from './snap-cluster';

const P3 = peersOf(3);

function config(index: number, term: number, change: ConfChange): Entry {
  return { index, term, type: 'config', data: encodeConfChange(change) };
}

/** n1 leads P3 in term 1 with its no-op committed (n2 acknowledged it). */
function leader(): RaftCore {
  const n1 = createRaft(makeConfig('n1', P3), initialState());
  electDirectly(n1, ['n2']);
  n1.step(appResp({ from: 'n2', to: 'n1', term: 1, index: 1 }));
  drain(n1);
  return n1;
}

describe('conf-change encoding', () => {
  it.each<ConfChange>([
    { type: 'addLearner', node: '127.0.0.1:5004' },
    { type: 'promote', node: 'nœud:1' },
    { type: 'remove', node: 'n1' },
  ])('round-trips %j', (change) => {
    expect(decodeConfChange(encodeConfChange(change))).toEqual(change);
  });

  it.each([
    ['too short', [1, 1], /too short/],
    ['an unknown version', [2, 1, 0x61], /unknown version 2/],
    ['an unknown change type', [1, 9, 0x61], /unknown change type 9/],
    ['a node id that is not UTF-8', [1, 1, 0xff, 0xfe], /not valid UTF-8/],
    ['a node id with a control character', [1, 1, 0x61, 0x0a], /control characters/],
  ])('refuses %s with a clear error', (_name, data, pattern) => {
    expect(() => decodeConfChange(Uint8Array.from(data as number[]))).toThrow(ConfChangeDecodeError);
    expect(() => decodeConfChange(Uint8Array.from(data as number[]))).toThrow(pattern as RegExp);
  });

  it('refuses to encode an empty node id', () => {
    expect(() => encodeConfChange({ type: 'remove', node: '' })).toThrow(/must not be empty/);
  });
});

describe('proposeConfChange refusals', () => {
  it('a follower refuses with not-leader and names the leader', () => {
    const n2 = createRaft(makeConfig('n2', P3), initialState());
    n2.step(app({ from: 'n1', to: 'n2', term: 1 }));
    expect(n2.proposeConfChange({ type: 'addLearner', node: 'n4' })).toEqual({
      ok: false,
      reason: 'not-leader',
      leader: 'n1',
    });
  });

  it('a new leader refuses until it has committed an entry of its term', () => {
    const n1 = createRaft(makeConfig('n1', P3), initialState());
    electDirectly(n1, ['n2']);
    const result = n1.proposeConfChange({ type: 'addLearner', node: 'n4' });
    expect(result).toMatchObject({ ok: false, reason: 'refused' });
    expect(result.ok === false && result.detail).toMatch(/pending|not yet committed an entry of its term/);
    expect(n1.status().lastIndex).toBe(1);
  });

  it('refuses a second change while one is pending, naming its index', () => {
    const n1 = leader();
    expect(n1.proposeConfChange({ type: 'addLearner', node: 'n4' })).toMatchObject({ ok: true, firstIndex: 2 });
    expect(n1.status().pendingConfIndex).toBe(2);
    const second = n1.proposeConfChange({ type: 'addLearner', node: 'n5' });
    expect(second).toEqual({
      ok: false,
      reason: 'refused',
      leader: 'n1',
      detail: 'a membership change is pending at index 2; one at a time',
    });
    expect(n1.status().lastIndex).toBe(2);
    // Once it commits, the next is accepted.
    drain(n1);
    n1.step(appResp({ from: 'n2', to: 'n1', term: 1, index: 2 }));
    drain(n1);
    expect(n1.status()).toMatchObject({ pendingConfIndex: 0, membership: { voters: P3, learners: ['n4'] } });
    expect(n1.proposeConfChange({ type: 'addLearner', node: 'n5' })).toMatchObject({ ok: true, firstIndex: 3 });
  });

  it.each<[string, ConfChange, RegExp]>([
    ['adding a voter again', { type: 'addLearner', node: 'n2' }, /n2 is already a voter/],
    ['promoting a voter', { type: 'promote', node: 'n2' }, /n2 is already a voter/],
    ['promoting a non-member', { type: 'promote', node: 'n9' }, /n9 is not a learner of this group/],
    ['removing a non-member', { type: 'remove', node: 'n9' }, /n9 is not a member of this group/],
    ['a bad node id', { type: 'addLearner', node: '' }, /must not be empty/],
    ['an unknown change', { type: 'demote', node: 'n2' } as unknown as ConfChange, /unknown membership change/],
  ])('refuses %s, appending nothing', (_name, change, pattern) => {
    const n1 = leader();
    const result = n1.proposeConfChange(change);
    expect(result).toMatchObject({ ok: false, reason: 'refused', leader: 'n1' });
    expect(result.ok === false ? result.detail : '').toMatch(pattern);
    expect(n1.status().lastIndex).toBe(1);
  });

  it('refuses adding a learner twice', () => {
    const c = new SnapCluster(P3);
    c.elect('n1');
    c.addNode('n4');
    expect(c.change({ type: 'addLearner', node: 'n4' })).toMatchObject({ ok: true });
    expect(c.change({ type: 'addLearner', node: 'n4' })).toMatchObject({
      ok: false,
      detail: 'n4 is already a learner of this group',
    });
  });

  it('refuses removing the last voter', () => {
    const n1 = createRaft(makeConfig('n1', ['n1']), initialState());
    n1.campaign();
    drain(n1);
    drain(n1);
    expect(n1.status()).toMatchObject({ role: 'leader', commit: 1 });
    expect(n1.proposeConfChange({ type: 'remove', node: 'n1' })).toMatchObject({
      ok: false,
      reason: 'refused',
      detail: 'n1 is the last voter: a group cannot lose its last voter',
    });
  });

  it('refuses during a leadership transfer', () => {
    const n1 = leader();
    n1.transferLeadership('n3');
    expect(n1.proposeConfChange({ type: 'addLearner', node: 'n4' })).toMatchObject({
      ok: false,
      reason: 'transferring',
    });
  });
});

describe('a config entry takes effect when it commits', () => {
  it('on a follower: appended changes nothing, committed changes the membership', () => {
    const n2 = createRaft(makeConfig('n2', P3), initialState());
    const add = config(1, 1, { type: 'addLearner', node: 'n4' });
    n2.step(app({ from: 'n1', to: 'n2', term: 1, entries: [add], commit: 0 }));
    drain(n2);
    expect(n2.status().membership).toEqual({ voters: P3, learners: [] });
    n2.step({ type: 'Heartbeat', from: 'n1', to: 'n2', term: 1, commit: 1, context: 0 });
    expect(n2.status()).toMatchObject({ membership: { voters: P3, learners: ['n4'] }, learner: false });
  });

  it('on the leader: the new learner gets a progress once the change commits', () => {
    const n1 = leader();
    n1.proposeConfChange({ type: 'addLearner', node: 'n4' });
    drain(n1);
    expect(n1.status().progress.n4).toBeUndefined();
    n1.step(appResp({ from: 'n2', to: 'n1', term: 1, index: 2 }));
    const out = drain(n1);
    expect(n1.status().progress.n4).toMatchObject({ state: 'probe' });
    expect(ofType(out.messages, 'App').some((m) => m.to === 'n4')).toBe(true);
  });

  it('an App with a config entry whose data is garbage is refused whole', () => {
    const n2 = createRaft(makeConfig('n2', P3), initialState());
    const bad: Entry = { index: 1, term: 1, type: 'config', data: Uint8Array.from([7, 7]) };
    expect(() => n2.step(app({ from: 'n1', to: 'n2', term: 1, entries: [bad], commit: 1 }))).toThrow(/too short/);
    expect(n2.status()).toMatchObject({ term: 0, lastIndex: 0, leader: null });
  });
});

describe('learners', () => {
  it('a learner receives the log, never campaigns, and its copy commits nothing', () => {
    const c = new SnapCluster(P3);
    c.elect('n1');
    c.addNode('n4');
    c.change({ type: 'addLearner', node: 'n4' });
    c.addNode('n5');
    c.change({ type: 'addLearner', node: 'n5' });
    c.put('x');
    expect(c.texts('n4')).toEqual(['x']);
    expect(c.node('n4').status()).toMatchObject({ learner: true, role: 'follower' });
    // Only the learners are left with the leader (three of five members, one of three voters):
    // nothing commits.
    c.crash('n2');
    c.crash('n3');
    const before = c.node('n1').status().commit;
    c.node('n1').propose([bytes('y')]);
    c.tick(3);
    expect(c.node('n1').status().progress.n4!.match).toBe(c.node('n1').status().lastIndex);
    expect(c.node('n1').status().progress.n5!.match).toBe(c.node('n1').status().lastIndex);
    expect(c.node('n1').status().commit).toBe(before);
    // And the learner never campaigns, however long it hears nothing.
    c.crash('n1');
    c.tick(100);
    expect(c.node('n4').status()).toMatchObject({ role: 'follower', term: 1 });
    expect(c.wire.some((m) => m.from === 'n4' && (m.type === 'Vote' || m.type === 'PreVote'))).toBe(false);
  });

  it("a learner's vote grant is not counted", () => {
    const membership: Membership = { voters: ['n1', 'n2', 'n3'], learners: ['n4'] };
    const n1 = createRaft(makeConfig('n1', P3), {
      ...initialState(),
      snapshot: { index: 0, term: 0, membership },
    });
    n1.campaign();
    drain(n1);
    n1.step({ type: 'VoteResp', from: 'n4', to: 'n1', term: 1, reject: false });
    expect(n1.status().role).toBe('candidate');
    n1.step({ type: 'VoteResp', from: 'n2', to: 'n1', term: 1, reject: false });
    expect(n1.status().role).toBe('leader');
  });

  it('a leader does not send vote requests to learners', () => {
    const membership: Membership = { voters: ['n1', 'n2', 'n3'], learners: ['n4'] };
    const n1 = createRaft(makeConfig('n1', P3), { ...initialState(), snapshot: { index: 0, term: 0, membership } });
    n1.campaign();
    expect(ofType(drain(n1).messages, 'Vote').map((m) => m.to)).toEqual(['n2', 'n3']);
  });

  it('TimeoutNow does not make a learner campaign; a leader will not transfer to one', () => {
    const c = new SnapCluster(P3);
    c.elect('n1');
    c.addNode('n4');
    c.change({ type: 'addLearner', node: 'n4' });
    expect(c.node('n1').transferLeadership('n4')).toBe(false);
    c.node('n4').step({ type: 'TimeoutNow', from: 'n1', to: 'n4', term: 1 });
    expect(c.node('n4').status()).toMatchObject({ role: 'follower', term: 1 });
  });

  it('a promoted learner counts for commits and may lead', () => {
    const c = new SnapCluster(P3);
    c.elect('n1');
    c.addNode('n4');
    c.change({ type: 'addLearner', node: 'n4' });
    c.put('x');
    expect(c.change({ type: 'promote', node: 'n4' })).toMatchObject({ ok: true });
    expect(c.node('n4').status()).toMatchObject({
      learner: false,
      membership: { voters: ['n1', 'n2', 'n3', 'n4'], learners: [] },
    });
    // Four voters: the leader and n4 alone are not a majority; with n2 they are.
    c.crash('n3');
    c.crash('n2');
    c.node('n1').propose([bytes('y')]);
    c.tick(2);
    expect(c.texts('n1')).toEqual(['x']);
    c.restart('n2');
    c.tick(3);
    expect(c.texts('n1')).toEqual(['x', 'y']);
    c.crash('n1');
    c.restart('n3');
    c.elect('n4');
    c.put('z');
    expect(c.texts('n2')).toEqual(['x', 'y', 'z']);
    c.checkElectionSafety();
  });
});

describe('removal', () => {
  it('a removed follower leaves the quorum and the progress table', () => {
    const c = new SnapCluster(P3);
    c.elect('n1');
    expect(c.change({ type: 'remove', node: 'n3' })).toMatchObject({ ok: true });
    expect(c.node('n1').status().progress.n3).toBeUndefined();
    expect(c.node('n1').status().membership).toEqual({ voters: ['n1', 'n2'], learners: [] });
    // Two voters: n1 and n2 commit without n3.
    c.crash('n3');
    c.put('x');
    expect(c.texts('n2')).toEqual(['x']);
  });

  it('a removed node never campaigns, and its vote requests are refused as a stranger', () => {
    const c = new SnapCluster(P3);
    c.elect('n1');
    c.change({ type: 'remove', node: 'n3' });
    c.crash('n1');
    c.tick(100);
    expect(c.wire.some((m) => m.from === 'n3' && (m.type === 'Vote' || m.type === 'PreVote'))).toBe(false);
    const n2 = c.node('n2');
    expect(() =>
      n2.step({ type: 'Vote', from: 'n3', to: 'n2', term: 9, lastLogIndex: 99, lastLogTerm: 9, transfer: false }),
    ).toThrow(/n3, who is not a member of this group/);
  });

  it('the leader steps down once its own removal commits, and the others go on without it', () => {
    const c = new SnapCluster(P3);
    c.elect('n1');
    c.put('x');
    const result = c.node('n1').proposeConfChange({ type: 'remove', node: 'n1' });
    expect(result).toMatchObject({ ok: true });
    c.run();
    expect(c.node('n1').status()).toMatchObject({ role: 'follower', membership: { voters: ['n2', 'n3'] } });
    // The followers learned the commit from the leader's last round.
    expect(c.node('n2').status().membership).toEqual({ voters: ['n2', 'n3'], learners: [] });
    expect(c.node('n3').status().membership).toEqual({ voters: ['n2', 'n3'], learners: [] });
    c.tick(50);
    const next = c.leader();
    expect(next === 'n2' || next === 'n3').toBe(true);
    c.put('y');
    expect(c.texts('n2')).toEqual(['x', 'y']);
    for (const [term, leaders] of c.leadersByTerm) if (term > 1) expect(leaders.has('n1')).toBe(false);
    c.checkElectionSafety();
  });

  it('a node whose log holds its own removal, not yet committed, does not campaign', () => {
    const n3 = createRaft(makeConfig('n3', P3), initialState());
    n3.step(app({ from: 'n1', to: 'n3', term: 1, entries: [config(1, 1, { type: 'remove', node: 'n3' })], commit: 0 }));
    drain(n3);
    expect(n3.status().membership.voters).toEqual(P3);
    n3.campaign();
    expect(n3.status()).toMatchObject({ role: 'follower', term: 1 });
    expect(drain(n3).messages).toEqual([]);
  });
});

describe('joining and restarting', () => {
  it('a node that knows no membership never campaigns, and joins through the log', () => {
    const c = new SnapCluster(P3);
    c.elect('n1');
    c.put('a');
    c.addNode('n4');
    c.tick(60);
    expect(c.wire.some((m) => m.from === 'n4')).toBe(false);
    c.change({ type: 'addLearner', node: 'n4' });
    c.tick(2);
    expect(c.texts('n4')).toEqual(['a']);
    expect(c.node('n4').status().membership).toEqual({ voters: P3, learners: ['n4'] });
  });

  it('a joining node catches up by snapshot, taking the membership from it', () => {
    const c = new SnapCluster(P3, { snapshotCatchUpEntries: 0 });
    c.elect('n1');
    for (let i = 0; i < 10; i++) c.put(`k${i}`);
    c.addNode('n4');
    c.change({ type: 'addLearner', node: 'n4' });
    c.put('last');
    c.takeSnapshot('n1');
    c.addNode('n5');
    c.change({ type: 'addLearner', node: 'n5' });
    c.tick(3);
    expect(c.installs.map((i) => i.node)).toContain('n5');
    expect(c.node('n5').status().membership).toEqual({ voters: P3, learners: ['n4', 'n5'] });
    expect(c.texts('n5')).toEqual(c.texts('n1'));
    c.checkStateMachines();
  });

  it('a restart re-applies the config entries of the tail up to the commit index', () => {
    const c = new SnapCluster(P3);
    c.elect('n1');
    c.addNode('n4');
    c.change({ type: 'addLearner', node: 'n4' });
    c.change({ type: 'promote', node: 'n4' });
    c.change({ type: 'remove', node: 'n3' });
    const membership = c.node('n2').status().membership;
    expect(membership).toEqual({ voters: ['n1', 'n2', 'n4'], learners: [] });
    c.crash('n2');
    c.restart('n2');
    expect(c.node('n2').status().membership).toEqual(membership);
  });

  it('a restart from a snapshot takes its membership, not the bootstrap one', () => {
    const membership: Membership = { voters: ['n2', 'n4'], learners: ['n5'] };
    const n2 = createRaft(makeConfig('n2', P3), {
      hardState: { term: 3, vote: '', commit: 7 },
      snapshot: { index: 7, term: 3, membership },
      entries: [],
      applied: 7,
    });
    expect(n2.status().membership).toEqual(membership);
    n2.campaign();
    expect(ofType(drain(n2).messages, 'Vote').map((m) => m.to)).toEqual(['n4']);
  });

  it('refuses a snapshot past index 0 that names no voter', () => {
    expect(() =>
      createRaft(makeConfig('n1', P3), {
        ...initialState(),
        snapshot: { index: 5, term: 1, membership: { voters: [], learners: [] } },
      }),
    ).toThrow(/names no voter/);
  });
});
