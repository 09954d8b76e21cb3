// Leadership transfer (thesis §3.10) and forced campaigns.
import { describe, expect, it } from 'vitest';
import { bytes, Cluster, drain, electDirectly, initialState, newNode, ofType, peersOf } from './helpers';

const P3 = peersOf(3);

describe('leadership transfer (thesis §3.10)', () => {
  it('hands leadership to an up-to-date follower in one election', () => {
    const c = new Cluster(P3, { preVote: true, checkQuorum: true });
    c.elect('n1');
    const preVotesBefore = c.count('PreVote');
    expect(c.node('n1').transferLeadership('n3')).toBe(true);
    c.run();
    expect(c.count('TimeoutNow', 'n1', 'n3')).toBe(1);
    expect(c.leader()).toBe('n3');
    expect(c.node('n3').status().term).toBe(2);
    // Passing the lease and skipping the pre-vote: one real election, no pre-vote round.
    expect(c.count('PreVote')).toBe(preVotesBefore);
    expect(c.node('n1').status()).toMatchObject({ role: 'follower', leader: 'n3', transferee: null });
  });

  it('catches the target up before telling it to time out', () => {
    const c = new Cluster(P3);
    c.elect('n1');
    c.cutLink('n1', 'n3');
    c.node('n1').propose([bytes('a'), bytes('b')]);
    c.run();
    expect(c.node('n3').status().lastIndex).toBe(1);
    c.healLink('n1', 'n3');
    expect(c.node('n1').transferLeadership('n3')).toBe(true);
    expect(c.node('n1').status().transferee).toBe('n3');
    c.tick(2);
    expect(c.leader()).toBe('n3');
    const timeoutNow = c.wire.findIndex((m) => m.type === 'TimeoutNow');
    const lastApp = c.wire.findLastIndex(
      (m) => m.type === 'App' && m.from === 'n1' && m.to === 'n3' && m.entries.length > 0,
    );
    expect(lastApp).toBeGreaterThan(-1);
    expect(timeoutNow).toBeGreaterThan(lastApp);
    expect(c.appliedTexts('n3')).toEqual(['a', 'b']);
  });

  it('picks the most up-to-date follower when no target is named', () => {
    const c = new Cluster(peersOf(5));
    c.elect('n1');
    for (const id of ['n2', 'n3', 'n5']) c.cutLink('n1', id);
    c.node('n1').propose([bytes('x')]);
    c.run();
    c.heal();
    expect(c.node('n1').status().progress.n4?.match).toBe(2);
    expect(c.node('n1').transferLeadership()).toBe(true);
    expect(c.node('n1').status().transferee).toBe('n4');
  });

  it('refuses proposals while transferring', () => {
    const c = new Cluster(P3);
    c.elect('n1');
    c.isolate('n3');
    c.node('n1').transferLeadership('n3');
    expect(c.node('n1').propose([bytes('x')])).toEqual({ ok: false, reason: 'transferring', leader: 'n1' });
  });

  it('gives up after an election timeout and takes proposals again', () => {
    const c = new Cluster(P3);
    c.elect('n1');
    c.isolate('n3');
    c.node('n1').transferLeadership('n3');
    c.tick(19);
    expect(c.node('n1').status().transferee).toBe('n3');
    c.tick(1);
    expect(c.node('n1').status()).toMatchObject({ transferee: null, role: 'leader' });
    expect(c.node('n1').propose([bytes('x')]).ok).toBe(true);
  });

  it('is refused by a non-leader, for itself, and for a node outside the group', () => {
    const follower = newNode('n2', P3);
    expect(follower.transferLeadership('n3')).toBe(false);
    const n1 = newNode('n1', P3);
    electDirectly(n1, ['n2']);
    expect(n1.transferLeadership('n1')).toBe(false);
    expect(n1.transferLeadership('n9')).toBe(false);
    expect(newNode('n1', ['n1']).transferLeadership()).toBe(false);
  });

  it('a candidate ignores TimeoutNow', () => {
    const n2 = newNode('n2', P3);
    n2.campaign();
    drain(n2);
    n2.step({ type: 'TimeoutNow', from: 'n1', to: 'n2', term: 1 });
    expect(n2.status()).toMatchObject({ role: 'candidate', term: 1 });
    expect(ofType(drain(n2).sent, 'Vote')).toEqual([]);
  });

  it('a pre-candidate still in the leader term takes the hand-over and campaigns for real', () => {
    const n2 = newNode('n2', P3, { preVote: true }, initialState([], { term: 1 }));
    n2.campaign();
    drain(n2);
    expect(n2.status()).toMatchObject({ role: 'precandidate', term: 1 });
    n2.step({ type: 'TimeoutNow', from: 'n1', to: 'n2', term: 1 });
    expect(n2.status()).toMatchObject({ role: 'candidate', term: 2 });
    expect(ofType(drain(n2).sent, 'Vote').every((v) => v.transfer)).toBe(true);
  });

  it('a follower told to time out campaigns at once with the transfer flag set, even with PreVote on', () => {
    const n2 = newNode('n2', P3, { preVote: true });
    n2.step({ type: 'Heartbeat', from: 'n1', to: 'n2', term: 1, commit: 0, context: 0 });
    n2.step({ type: 'TimeoutNow', from: 'n1', to: 'n2', term: 1 });
    expect(n2.status()).toMatchObject({ role: 'candidate', term: 2 });
    const votes = ofType(drain(n2).sent, 'Vote');
    expect(votes).toHaveLength(2);
    expect(votes.every((v) => v.transfer)).toBe(true);
  });
});

describe('campaign()', () => {
  it('starts a pre-election when PreVote is on', () => {
    const n1 = newNode('n1', P3, { preVote: true });
    n1.campaign();
    expect(n1.status()).toMatchObject({ role: 'precandidate', term: 0 });
  });

  it('does nothing on a leader', () => {
    const n1 = newNode('n1', P3);
    electDirectly(n1, ['n2']);
    n1.campaign();
    expect(n1.status()).toMatchObject({ role: 'leader', term: 1 });
  });
});
