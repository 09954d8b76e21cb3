// PreVote (thesis §9.6) and CheckQuorum with the leader lease (thesis §6.2, §4.2.3).
import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/shared/raft/types';
import { bytes, Cluster, drain, electDirectly, initialState, logOfTerms, newNode, ofType, peersOf } from './helpers';

const P3 = peersOf(3);
const BOTH_ON = { preVote: true, checkQuorum: true };

function preVote(from: string, to: string, term: number, lastLogIndex = 0, lastLogTerm = 0, transfer = false): Message {
  return { type: 'PreVote', from, to, term, lastLogIndex, lastLogTerm, transfer };
}

/**
 * A one-way cut from whoever leads to n3: n3 hears nothing from the leader while the leader keeps
 * taking writes, yet everything n3 sends still arrives. Returns how many times the term rose and how
 * many times leadership changed hands.
 */
function runOneWayCut(options: { preVote: boolean; checkQuorum: boolean }) {
  const c = new Cluster(P3, options);
  c.elect('n1');
  const startTerm = c.node('n1').status().term;
  let leader = 'n1';
  let leaderChanges = 0;
  let termRises = 0;
  let lastTerm = startTerm;
  c.cutLink('n1', 'n3');
  for (let t = 0; t < 400; t++) {
    const current = c.leader();
    if (current !== null && current !== leader) {
      leaderChanges++;
      c.heal();
      if (current !== 'n3') c.cutLink(current, 'n3');
      leader = current;
    }
    if (current !== null && t % 5 === 0) c.node(current).propose([bytes(`w${t}`)]);
    c.tick();
    const term = Math.max(...P3.map((id) => c.node(id).status().term));
    if (term > lastTerm) termRises++;
    lastTerm = term;
  }
  return { c, startTerm, leaderChanges, termRises };
}

describe('the one-way cut from the leader to one follower', () => {
  it('with PreVote and CheckQuorum on, the cut follower cannot disrupt the leader: the term stays put', () => {
    const { c, startTerm, leaderChanges, termRises } = runOneWayCut(BOTH_ON);
    expect(termRises).toBe(0);
    expect(leaderChanges).toBe(0);
    expect(c.node('n1').status()).toMatchObject({ role: 'leader', term: startTerm });
    // n3 did try: its pre-votes were ignored by nodes that hear from a live leader.
    expect(c.count('PreVote', 'n3')).toBeGreaterThan(10);
    expect(c.count('Vote', 'n3')).toBe(0);
    expect(c.node('n3').status().term).toBe(startTerm);
  });

  it('with PreVote and CheckQuorum off, the cut follower keeps bumping the term and deposing the leader', () => {
    const { c, leaderChanges, termRises } = runOneWayCut({ preVote: false, checkQuorum: false });
    expect(termRises).toBeGreaterThanOrEqual(5);
    expect(leaderChanges).toBeGreaterThanOrEqual(2);
    expect(c.count('Vote', 'n3')).toBeGreaterThan(5);
  });
});

describe('PreVote (thesis §9.6)', () => {
  it('a pre-candidate asks for term + 1 without bumping its own term or vote', () => {
    const n1 = newNode('n1', P3, { preVote: true }, initialState(logOfTerms([1]), { term: 1, vote: 'n2' }));
    n1.campaign();
    const out = drain(n1);
    expect(n1.status()).toMatchObject({ role: 'precandidate', term: 1, vote: 'n2' });
    const asks = ofType(out.sent, 'PreVote');
    expect(asks.map((m) => [m.to, m.term])).toEqual([
      ['n2', 2],
      ['n3', 2],
    ]);
    expect(out.hardStates).toEqual([]);
  });

  it('a pre-candidate that wins the pre-vote becomes candidate in the next term', () => {
    const n1 = newNode('n1', P3, { preVote: true });
    n1.campaign();
    drain(n1);
    n1.step({ type: 'PreVoteResp', from: 'n2', to: 'n1', term: 1, reject: false });
    expect(n1.status()).toMatchObject({ role: 'candidate', term: 1, vote: 'n1' });
    expect(ofType(drain(n1).sent, 'Vote')).toHaveLength(2);
  });

  it('a node grants a PreVote for a higher term without changing its own term or vote', () => {
    const n2 = newNode('n2', P3, { preVote: true }, initialState([], { term: 3, vote: 'n3' }));
    n2.step(preVote('n1', 'n2', 4));
    const reply = ofType(drain(n2).sent, 'PreVoteResp')[0];
    expect(reply).toMatchObject({ reject: false, term: 4 });
    expect(n2.status()).toMatchObject({ term: 3, vote: 'n3' });
  });

  it('a node refuses a PreVote from a candidate whose log is behind', () => {
    const n2 = newNode('n2', P3, { preVote: true }, initialState(logOfTerms([1, 2]), { term: 2 }));
    n2.step(preVote('n1', 'n2', 3, 1, 1));
    expect(ofType(drain(n2).sent, 'PreVoteResp')[0]).toMatchObject({ reject: true, term: 2 });
  });

  it('a node refuses a PreVote from an older term with its own term', () => {
    const n2 = newNode('n2', P3, { preVote: true }, initialState([], { term: 5 }));
    n2.step(preVote('n1', 'n2', 3));
    expect(ofType(drain(n2).sent, 'PreVoteResp')[0]).toMatchObject({ reject: true, term: 5 });
  });

  it('a pre-candidate refused with a higher term steps down to that term', () => {
    const n1 = newNode('n1', P3, { preVote: true }, initialState([], { term: 1 }));
    n1.campaign();
    n1.step({ type: 'PreVoteResp', from: 'n2', to: 'n1', term: 7, reject: true });
    expect(n1.status()).toMatchObject({ role: 'follower', term: 7 });
  });

  it('a pre-candidate refused by a majority at its own term returns to follower in the same term', () => {
    const n1 = newNode('n1', P3, { preVote: true }, initialState([], { term: 2 }));
    n1.campaign();
    n1.step({ type: 'PreVoteResp', from: 'n2', to: 'n1', term: 2, reject: true });
    n1.step({ type: 'PreVoteResp', from: 'n3', to: 'n1', term: 2, reject: true });
    expect(n1.status()).toMatchObject({ role: 'follower', term: 2 });
  });

  it('a grant left over from an earlier pre-election does not count', () => {
    const n1 = newNode('n1', P3, { preVote: true }, initialState([], { term: 2 }));
    n1.campaign();
    // A grant for term 2 answers a pre-election held while we were at term 1.
    n1.step({ type: 'PreVoteResp', from: 'n2', to: 'n1', term: 2, reject: false });
    expect(n1.status().role).toBe('precandidate');
  });

  it('a follower that receives a granted PreVoteResp for a future term keeps its term', () => {
    const n1 = newNode('n1', P3, { preVote: true }, initialState([], { term: 2 }));
    n1.step({ type: 'PreVoteResp', from: 'n2', to: 'n1', term: 3, reject: false });
    expect(n1.status()).toMatchObject({ role: 'follower', term: 2 });
  });

  it('a partitioned node with PreVote does not inflate its term, so rejoining disrupts nobody', () => {
    const c = new Cluster(P3, { preVote: true, checkQuorum: false });
    c.elect('n1');
    c.isolate('n3');
    c.tick(100);
    expect(c.node('n3').status()).toMatchObject({ term: 1, role: 'precandidate' });
    c.heal();
    c.tick(5);
    expect(c.leader()).toBe('n1');
    expect(c.node('n1').status().term).toBe(1);
  });

  it('without PreVote a partitioned node inflates its term and deposes the leader when it rejoins', () => {
    const c = new Cluster(P3);
    c.elect('n1');
    c.isolate('n3');
    c.tick(100);
    expect(c.node('n3').status().term).toBeGreaterThan(3);
    c.heal();
    c.tick(40);
    expect(c.node('n1').status().term).toBeGreaterThan(3);
  });
});

describe('CheckQuorum and the leader lease (thesis §6.2)', () => {
  it('a leader that has not heard from a majority within an election timeout steps down', () => {
    const c = new Cluster(P3, { checkQuorum: true });
    c.elect('n1');
    c.isolate('n1');
    c.tick(9);
    expect(c.node('n1').status().role).toBe('leader');
    c.tick(11);
    expect(c.node('n1').status()).toMatchObject({ role: 'follower', leader: null });
  });

  it('a leader that hears from a majority keeps leading', () => {
    const c = new Cluster(peersOf(5), { checkQuorum: true });
    c.elect('n1');
    c.isolate('n4');
    c.isolate('n5');
    c.tick(100);
    expect(c.node('n1').status().role).toBe('leader');
  });

  it('without CheckQuorum an isolated leader keeps believing it leads', () => {
    const c = new Cluster(P3);
    c.elect('n1');
    c.isolate('n1');
    c.tick(100);
    expect(c.node('n1').status().role).toBe('leader');
  });

  it('a follower that heard from its leader within the minimum election timeout ignores vote requests', () => {
    const n2 = newNode('n2', P3, { checkQuorum: true });
    n2.step({ type: 'Heartbeat', from: 'n1', to: 'n2', term: 1, commit: 0, context: 0 });
    n2.step({ type: 'Vote', from: 'n3', to: 'n2', term: 2, lastLogIndex: 9, lastLogTerm: 2, transfer: false });
    n2.step(preVote('n3', 'n2', 2, 9, 2));
    expect(drain(n2).sent.filter((m) => m.type !== 'HeartbeatResp')).toEqual([]);
    expect(n2.status()).toMatchObject({ term: 1, leader: 'n1', vote: '' });
  });

  it('once the lease has run out, the same request is answered', () => {
    // The longest election timeout (19 ticks), so that the lease (10 ticks) runs out first.
    const n2 = newNode('n2', P3, { checkQuorum: true, random: { nextInt: (max) => max - 1 } });
    n2.step({ type: 'Heartbeat', from: 'n1', to: 'n2', term: 1, commit: 0, context: 0 });
    for (let i = 0; i < 9; i++) n2.tick();
    n2.step({ type: 'Vote', from: 'n3', to: 'n2', term: 2, lastLogIndex: 9, lastLogTerm: 2, transfer: false });
    expect(ofType(drain(n2).sent, 'VoteResp')).toEqual([]);
    n2.tick();
    expect(n2.status().role).toBe('follower');
    n2.step({ type: 'Vote', from: 'n3', to: 'n2', term: 2, lastLogIndex: 9, lastLogTerm: 2, transfer: false });
    expect(ofType(drain(n2).sent, 'VoteResp')[0]).toMatchObject({ reject: false, term: 2 });
  });

  it('a vote request marked as a leadership transfer passes the lease', () => {
    const n2 = newNode('n2', P3, { checkQuorum: true });
    n2.step({ type: 'Heartbeat', from: 'n1', to: 'n2', term: 1, commit: 0, context: 0 });
    n2.step({ type: 'Vote', from: 'n3', to: 'n2', term: 2, lastLogIndex: 9, lastLogTerm: 2, transfer: true });
    expect(ofType(drain(n2).sent, 'VoteResp')[0]).toMatchObject({ reject: false, term: 2 });
  });

  it('a leader with CheckQuorum ignores vote requests from a higher term', () => {
    const n1 = newNode('n1', P3, { checkQuorum: true });
    electDirectly(n1, ['n2']);
    n1.step({ type: 'Vote', from: 'n3', to: 'n1', term: 5, lastLogIndex: 9, lastLogTerm: 5, transfer: false });
    expect(n1.status()).toMatchObject({ role: 'leader', term: 1 });
  });

  it('a stale leader learns the higher term from the answer to its heartbeat', () => {
    const n2 = newNode('n2', P3, { checkQuorum: true }, initialState([], { term: 5 }));
    n2.step({ type: 'Heartbeat', from: 'n1', to: 'n2', term: 3, commit: 0, context: 0 });
    expect(ofType(drain(n2).sent, 'AppResp')[0]).toMatchObject({ to: 'n1', term: 5, reject: true });
  });
});

describe('setOptions', () => {
  it('switches PreVote at run time', () => {
    const n1 = newNode('n1', P3, { preVote: true });
    n1.setOptions({ preVote: false });
    n1.campaign();
    expect(n1.status()).toMatchObject({ role: 'candidate', term: 1, preVote: false });
    n1.setOptions({ preVote: true });
    n1.tick();
    expect(n1.status().preVote).toBe(true);
  });

  it('switches CheckQuorum at run time: a cut-off leader steps down only once it is on', () => {
    const c = new Cluster(P3);
    c.elect('n1');
    c.isolate('n1');
    c.tick(50);
    expect(c.node('n1').status().role).toBe('leader');
    c.node('n1').setOptions({ checkQuorum: true });
    c.tick(21);
    expect(c.node('n1').status()).toMatchObject({ role: 'follower', checkQuorum: true });
  });
});
