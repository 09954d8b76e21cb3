import { describe, expect, it } from 'vitest';
import type { ClusterEvent, MessageType, NodeId } from '../../../../shared/api';
import { Narrator, narrateMembership } from './narration';
import { shortNamer } from './node-names';

const ids = ['5001', '5002', '5003', '5004', '5005'].map((port) => `127.0.0.1:${port}`);
const [a, b, c, d, e] = ids as [NodeId, NodeId, NodeId, NodeId, NodeId];

function narrator(members: readonly NodeId[] = ids): Narrator {
  return new Narrator({
    name: shortNamer(ids),
    groupOf: (id) => (members.includes(id) ? { id: 0, members } : undefined),
    quorumWindowMs: () => 500,
  });
}

/** Feeds the events in order and returns every sentence they made, in order. */
function tell(n: Narrator, events: readonly ClusterEvent[]): string[] {
  return events.flatMap((event) => n.narrate(event));
}

type Extra = {
  reject?: boolean;
  index?: number;
  logTerm?: number;
  hint?: number;
  entries?: number;
  transfer?: boolean;
};
let nextId = 1;
function msg(
  type: 'send' | 'deliver' | 'drop',
  kind: MessageType,
  from: NodeId,
  to: NodeId,
  term: number,
  extra: Extra = {},
  at = 0,
): ClusterEvent {
  return { type, at, id: nextId++, kind, from, to, term, size: 10, ...extra };
}
const role = (node: NodeId, r: 'follower' | 'precandidate' | 'candidate' | 'leader', term: number, at = 0) =>
  ({ type: 'role', at, node, role: r, term }) as const;
const grant = (from: NodeId, to: NodeId, term: number) => msg('deliver', 'VoteResp', from, to, term, { reject: false });

/** Makes `leader` the leader of term `term` (with the followers' votes) and forgets the lines. */
function elect(n: Narrator, leader: NodeId, term: number, voters: readonly NodeId[]): void {
  tell(n, [
    role(leader, 'candidate', term),
    ...voters.map((v) => grant(v, leader, term)),
    role(leader, 'leader', term),
  ]);
  for (const id of ids) if (id !== leader) n.narrate(role(id, 'follower', term));
}

describe('narration of elections', () => {
  it('says pre-votes are for the next term, and tallies the winner', () => {
    const n = narrator();
    expect(
      tell(n, [
        role(c, 'follower', 3),
        role(c, 'precandidate', 3),
        role(c, 'candidate', 4),
        { type: 'vote', at: 0, node: c, term: 4, votedFor: c },
        { type: 'vote', at: 0, node: a, term: 4, votedFor: c },
        { type: 'vote', at: 0, node: a, term: 4, votedFor: c },
        grant(a, c, 4),
        grant(b, c, 4),
        role(c, 'leader', 4),
      ]),
    ).toEqual([
      '5003 timed out and asked for pre-votes for term 4',
      '5003 timed out and started an election for term 4',
      '5001 voted for 5003 in term 4',
      '5003 became leader for term 4 with 3 of 5 votes',
    ]);
  });

  it('calls a split vote one, with the tally, when the next election starts', () => {
    const n = narrator();
    expect(
      tell(n, [
        role(a, 'candidate', 4),
        role(b, 'candidate', 4),
        role(c, 'candidate', 4),
        grant(d, a, 4),
        grant(e, b, 4),
        role(a, 'candidate', 4), // a repeated role event changes nothing
      ]),
    ).toEqual([
      '5001 timed out and started an election for term 4',
      '5002 timed out and started an election for term 4',
      '5003 timed out and started an election for term 4',
    ]);
    expect(tell(n, [{ type: 'vote', at: 0, node: b, term: 5, votedFor: b }])).toEqual([
      'Split vote: 3 candidates in term 4; none reached 3 of 5 votes (5001 2, 5002 2, 5003 1)',
      '5002 timed out again and started an election for term 5',
    ]);
  });

  it('says why a lone candidate did not win', () => {
    const n = narrator();
    tell(n, [role(a, 'candidate', 4), grant(b, a, 4)]);
    expect(tell(n, [role(a, 'precandidate', 4)])).toEqual([
      'No leader in term 4: 5001 got 2 of 5 votes, it needed 3',
      '5001 timed out and asked for pre-votes for term 5',
    ]);
  });

  it('tells a TimeoutNow as a transfer, not a timeout, and why the old leader stepped down', () => {
    const n = narrator();
    elect(n, a, 2, [b, c]);
    expect(
      tell(n, [
        { type: 'fault', at: 0, action: 'transfer', node: a },
        msg('send', 'TimeoutNow', a, b, 2),
        msg('deliver', 'TimeoutNow', a, b, 2),
        role(b, 'candidate', 3),
        msg('deliver', 'Vote', b, a, 3, { transfer: true }),
        { type: 'term', at: 0, node: a, term: 3 },
        role(a, 'follower', 3),
      ]),
    ).toEqual([
      'Asked 5001 to step down',
      '5001 sent TimeoutNow to 5002: a leadership transfer, so 5002 campaigns at once',
      '5002 received TimeoutNow from 5001 and started an election for term 3 (a leadership transfer)',
      '5001 stepped down in term 3: it handed leadership to 5002',
    ]);
  });

  it('gives a higher term as the reason for a step-down, and names its sender', () => {
    const n = narrator();
    elect(n, a, 2, [b, c]);
    expect(
      tell(n, [
        msg('deliver', 'Heartbeat', d, a, 5),
        { type: 'term', at: 0, node: a, term: 5 },
        role(a, 'follower', 5),
      ]),
    ).toEqual(['5001 stepped down: it saw the higher term 5 from 5004']);
  });

  it('gives CheckQuorum as the reason, counting whom the leader heard from lately', () => {
    const n = narrator();
    elect(n, a, 2, [b, c]);
    expect(
      tell(n, [
        msg('deliver', 'HeartbeatResp', b, a, 2, {}, 100), // too long ago to count
        msg('deliver', 'HeartbeatResp', c, a, 2, {}, 900),
        msg('deliver', 'HeartbeatResp', d, a, 2, {}, 900),
        msg('drop', 'Heartbeat', a, d, 2, {}, 950), // cut off since
        { type: 'request', at: 950, id: 7, via: a, op: 'GET', key: 'color' },
        role(a, 'follower', 2, 1000),
      ]),
    ).toEqual([
      'Client sent GET color to 5001',
      '5001 stepped down in term 2: CheckQuorum heard only from 2 of 5 within an election timeout',
      '5001 refused the read of color: it could not confirm its leadership with a majority (ReadIndex)',
    ]);
  });

  it('tells a losing candidate who won, and a failed pre-vote its count', () => {
    const n = narrator();
    tell(n, [role(b, 'candidate', 4)]);
    expect(
      tell(n, [msg('deliver', 'App', a, b, 4, { index: 3, logTerm: 3, entries: 1 }), role(b, 'follower', 4)]),
    ).toEqual(['5002 lost the election for term 4: 5001 leads it']);
    tell(n, [role(c, 'follower', 4), role(c, 'precandidate', 4), msg('deliver', 'PreVoteResp', d, c, 5)]);
    expect(tell(n, [role(c, 'follower', 4)])).toEqual([
      '5003 stays a follower in term 4: its pre-vote for term 5 got 2 of 5, it needed 3',
    ]);
  });
});

describe('what the narration knows of the time before the page opened', () => {
  const opening = (node: NodeId, r: 'follower' | 'candidate' | 'leader', term: number, leader: NodeId | null, at = 0) =>
    ({ type: 'role', at, node, role: r, term, leader, initial: true }) as const;

  it("takes roles from the stream's opening batch, silently, and tells what follows from them", () => {
    const n = narrator();
    expect(tell(n, [opening(a, 'leader', 2, a), opening(b, 'follower', 2, a), opening(c, 'follower', 2, a)])).toEqual(
      [],
    );
    expect(
      tell(n, [
        { type: 'append', at: 0, node: a, index: 4, term: 2, count: 1 },
        { type: 'commit', at: 0, node: a, index: 4 },
        msg('deliver', 'Vote', b, a, 3),
        role(a, 'follower', 3),
      ]),
    ).toEqual([
      '5001 appended 1 entry up to index 4 in term 2',
      '5001 committed index 4',
      '5001 stepped down: it saw the higher term 3 from 5002',
    ]);
  });

  it('lets the opening batch replace what older events said, as a reconnected stream needs', () => {
    const n = narrator();
    tell(n, [role(b, 'candidate', 3), grant(c, b, 3)]);
    // The stream reconnected: meanwhile b lost to c, which leads term 3.
    tell(n, [opening(b, 'follower', 3, c), opening(c, 'leader', 3, c)]);
    expect(tell(n, [{ type: 'append', at: 0, node: c, index: 5, term: 3, count: 1 }])).toEqual([
      '5003 appended 1 entry up to index 5 in term 3',
    ]);
    // b's old campaign is over: becoming a candidate again opens a new one, with no stale tally.
    expect(tell(n, [role(b, 'candidate', 4), grant(d, b, 4), grant(e, b, 4), role(b, 'leader', 4)])).toEqual([
      '5002 timed out and started an election for term 4',
      '5002 became leader for term 4 with 3 of 5 votes',
    ]);
  });

  it('does not count whom a leader heard from before it watched a whole election timeout', () => {
    const n = narrator();
    tell(n, [opening(a, 'leader', 2, a, 1000), msg('deliver', 'HeartbeatResp', b, a, 2, {}, 1100)]);
    expect(tell(n, [role(a, 'follower', 2, 1200)])).toEqual([
      '5001 stepped down in term 2: CheckQuorum did not hear from a majority of 5 within an election timeout',
    ]);
  });
});

describe('narration of the log', () => {
  it("does not call a deposed leader's refusal for its stale term a log mismatch", () => {
    const n = narrator();
    elect(n, a, 2, [b, c]);
    expect(tell(n, [msg('deliver', 'AppResp', b, a, 3, { reject: true, index: 0, logTerm: 0, hint: 0 })])).toEqual([]);
  });

  it('does not call it one either when the old leader already took the higher term from elsewhere', () => {
    const n = narrator();
    elect(n, a, 2, [b, c]);
    tell(n, [msg('deliver', 'Vote', d, a, 3), { type: 'term', at: 0, node: a, term: 3 }, role(a, 'follower', 3)]);
    // b's answer to a's last heartbeat of term 2 lands now, in term 3, with no conflict hint.
    expect(tell(n, [msg('deliver', 'AppResp', b, a, 3, { reject: true, index: 0, logTerm: 0, hint: 0 })])).toEqual([]);
  });

  it("credits appends and commits to the leader the events name, never a deposed one's successor", () => {
    const n = narrator();
    elect(n, a, 2, [b, c]);
    expect(tell(n, [{ type: 'append', at: 0, node: a, index: 5, term: 2, count: 2 }])).toEqual([
      '5001 appended 2 entries up to index 5 in term 2',
    ]);
    tell(n, [msg('deliver', 'Vote', b, a, 3), role(a, 'follower', 3)]);
    elect(n, b, 3, [c, d]);
    expect(
      tell(n, [
        { type: 'append', at: 0, node: b, index: 6, term: 3, count: 1 },
        { type: 'commit', at: 0, node: b, index: 6 },
        { type: 'commit', at: 0, node: a, index: 6 },
      ]),
    ).toEqual(['5002 appended 1 entry up to index 6 in term 3', '5002 committed index 6']);
  });

  it('tells log repair: the refusal, nextIndex backing off, and the entries replaced', () => {
    const n = narrator();
    // 5003 holds entries 5-6 of term 2 from an old leader.
    tell(n, [role(c, 'follower', 2), { type: 'append', at: 0, node: c, index: 6, term: 2, count: 2 }]);
    elect(n, a, 3, [b, d]);
    expect(
      tell(n, [
        msg('send', 'App', a, c, 3, { index: 6, logTerm: 3, entries: 1 }),
        msg('send', 'AppResp', c, a, 3, { reject: true, index: 6, logTerm: 2, hint: 5 }),
        msg('deliver', 'AppResp', c, a, 3, { reject: true, index: 6, logTerm: 2, hint: 5 }),
        msg('send', 'App', a, c, 3, { index: 4, logTerm: 1, entries: 3 }),
        msg('send', 'App', a, c, 3, { index: 4, logTerm: 1, entries: 3 }),
        { type: 'append', at: 0, node: c, index: 7, term: 3, count: 3 },
      ]),
    ).toEqual([
      '5003 rejected AppendEntries at index 6 from 5001: its entry 6 has term 2, not 3',
      '5001 backed nextIndex for 5003 off to 5 and resends from there',
      "5003 replaced entries 5–6 of term 2 with the leader's entries of term 3",
    ]);
  });

  it('says when a follower had no entry at the index', () => {
    const n = narrator();
    elect(n, a, 3, [b, c]);
    expect(tell(n, [msg('deliver', 'AppResp', d, a, 3, { reject: true, index: 9, logTerm: 0, hint: 4 })])).toEqual([
      '5004 rejected AppendEntries at index 9 from 5001: it has no entry 9',
    ]);
    // A follower that only extends its log replaced nothing.
    expect(tell(n, [{ type: 'append', at: 0, node: d, index: 9, term: 3, count: 6 }])).toEqual([]);
  });
});

describe('narration of reads, clients and faults', () => {
  it("tells a refused ReadIndex, and a failed request's error", () => {
    const n = narrator();
    expect(
      tell(n, [
        { type: 'request', at: 0, id: 3, via: c, op: 'GET', key: 'color', timeoutMs: 5000 },
        msg('deliver', 'ReadIndexResp', a, c, 2, { reject: true, index: 0 }),
        {
          type: 'reply',
          at: 0,
          id: 3,
          via: c,
          servedBy: null,
          group: 0,
          ok: false,
          ms: 5012,
          error: 'TRYAGAIN group 0 did not answer within 5000 ms (no leader or no majority)',
        },
        { type: 'request', at: 0, id: 4, via: c, op: 'SET', key: 'color' },
        { type: 'reply', at: 0, id: 4, via: c, servedBy: a, group: 0, ok: true, ms: 12.4 },
      ]),
    ).toEqual([
      'Client sent GET color to 5003',
      "5001 refused 5003's ReadIndex: it could not confirm that it still leads",
      'GET color via 5003 failed after 5.0 s: TRYAGAIN group 0 did not answer within 5000 ms (no leader or no majority)',
      'Client sent SET color to 5003',
      'SET color via 5003 answered in 12 ms; 5001 leads group 0',
    ]);
  });

  it('names every node one way, and says "new configuration" only when it is new', () => {
    const n = narrator();
    expect(
      tell(n, [
        { type: 'fault', at: 0, action: 'kill', node: a },
        { type: 'fault', at: 0, action: 'restart', node: a },
        { type: 'fault', at: 0, action: 'cut', a, b },
        { type: 'fault', at: 0, action: 'partition', detail: `${a} ${b} | ${c} ${d} ${e}` },
        { type: 'fault', at: 0, action: 'timeout', node: c },
        { type: 'fault', at: 0, action: 'config', detail: '1 group(s), 5 nodes', unchanged: true },
        { type: 'fault', at: 0, action: 'config', detail: '2 group(s), 6 nodes' },
      ]),
    ).toEqual([
      'Killed 5001',
      'Restarted 5001',
      'Cut link 5001 – 5002',
      'Partitioned the network: 5001 5002 | 5003 5004 5005',
      "Forced 5003's election timer to fire",
      'Restarted the cluster',
      'Restarted the cluster on a new configuration: 2 group(s), 6 nodes',
    ]);
  });

  it('keeps plain message traffic and followers out of the feed', () => {
    const n = narrator();
    elect(n, a, 2, [b, c]);
    expect(
      tell(n, [
        msg('send', 'Heartbeat', a, b, 2),
        msg('deliver', 'Heartbeat', a, b, 2),
        msg('deliver', 'HeartbeatResp', b, a, 2),
        { type: 'append', at: 0, node: b, index: 1, term: 2, count: 1 },
        { type: 'commit', at: 0, node: b, index: 1 },
        { type: 'apply', at: 0, node: a, index: 1 },
      ]),
    ).toEqual([]);
  });
});

describe('membership narration', () => {
  const at = 0;
  it.each([
    [
      'proposed',
      'addLearner',
      "group 0's leader proposed adding 5004 as a learner (it gets the log but does not vote yet)",
    ],
    ['committed', 'addLearner', '5004 is now a learner of group 0; it catches up from the leader'],
    ['proposed', 'promote', "5004 has caught up: group 0's leader proposed promoting it to voter"],
    ['committed', 'promote', '5004 is now a voter of group 0: it counts in elections and commits'],
    ['proposed', 'remove', "group 0's leader proposed removing 5004"],
    ['committed', 'remove', '5004 left group 0: the change committed, so it no longer counts'],
  ] as const)('%s %s', (phase, type, line) => {
    const event: ClusterEvent = { type: 'membership', at, phase, group: 0, change: { type, node: '127.0.0.1:5004' } };
    expect(narrateMembership(event, (id) => id.split(':')[1]!)).toBe(line);
  });
});
