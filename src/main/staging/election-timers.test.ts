import { describe, expect, it } from 'vitest';
import { newNode } from '../../../test/raft/helpers';
import type { RaftCore } from '../../shared/raft/types';
import { alignElectionTimers, spreadElectionTimers, voteTally } from './election-timers';

const IDS = ['a', 'b', 'c', 'd', 'e'];

function group(): RaftCore[] {
  return IDS.map((id) => newNode(id, IDS, { preVote: false, checkQuorum: false }));
}

/** Ticks every core until one campaigns; returns which campaigned on that tick. */
function firstToTimeOut(cores: readonly RaftCore[]): string[] {
  for (let tick = 0; tick < 1000; tick++) {
    for (const core of cores) core.tick();
    const started = cores.filter((core) => core.status().role !== 'follower');
    if (started.length > 0) return started.map((core) => core.status().id);
  }
  throw new Error('nobody timed out');
}

describe('aligning and spreading the election timers', () => {
  it('aligned: every follower times out on the same tick', () => {
    const cores = group();
    for (const core of cores) for (let i = 0; i < 3; i++) if (core.status().id !== 'a') core.tick();
    expect(alignElectionTimers(cores.map((core) => ({ group: 0, core })))).toBe(5);
    expect(firstToTimeOut(cores)).toEqual(IDS);
  });

  it('spread: one follower times out first, alone, and the timeouts span the range', () => {
    const cores = group();
    expect(spreadElectionTimers(cores.map((core) => ({ group: 0, core })))).toBe(5);
    const timeouts = cores.map((core) => core.status().electionTimeoutTicks);
    expect(new Set(timeouts).size).toBe(5);
    expect(firstToTimeOut(cores)).toEqual(['a']);
  });

  it("leaves a leader's timer alone", () => {
    const [leader, ...rest] = group();
    leader!.campaign();
    leader!.advance(leader!.ready());
    for (const core of rest)
      leader!.step({ type: 'VoteResp', from: core.status().id, to: 'a', term: 1, reject: false });
    expect(leader!.status().role).toBe('leader');
    expect(alignElectionTimers([leader!].map((core) => ({ group: 0, core })))).toBe(0);
  });
});

describe("a candidate's vote tally", () => {
  it('holds its own vote and each answer; other roles have none', () => {
    const [candidate, other] = group();
    expect(voteTally(candidate!)).toBeUndefined();
    candidate!.campaign();
    // Its own vote counts once it is durable: the Ready that persists it is acted on.
    candidate!.advance(candidate!.ready());
    candidate!.step({ type: 'VoteResp', from: 'b', to: 'a', term: 1, reject: true });
    expect(voteTally(candidate!)).toEqual({ a: true, b: false });
    expect(voteTally(other!)).toBeUndefined();
  });
});
