import { describe, expect, it } from 'vitest';
import type { ClusterEvent } from '../../../../shared/api';
import { narrate } from './narration';
import { shortNamer } from './node-names';

const ids = ['127.0.0.1:5001', '127.0.0.1:5002', '127.0.0.1:5003'];
const context = { name: shortNamer(ids), isLeader: (id: string) => id === '127.0.0.1:5001' };
const say = (event: ClusterEvent) => narrate(event, context);

describe('event narration', () => {
  it('tells elections in the words of the paper', () => {
    expect(say({ type: 'role', at: 1, node: '127.0.0.1:5003', role: 'candidate', term: 4 })).toBe(
      '5003 timed out and started an election for term 4',
    );
    expect(say({ type: 'role', at: 1, node: '127.0.0.1:5003', role: 'precandidate', term: 4 })).toBe(
      '5003 timed out and asked for pre-votes for term 4',
    );
    expect(say({ type: 'role', at: 2, node: '127.0.0.1:5001', role: 'leader', term: 4 })).toBe(
      '5001 became leader for term 4',
    );
    expect(say({ type: 'vote', at: 2, node: '127.0.0.1:5002', term: 4, votedFor: '127.0.0.1:5001' })).toBe(
      '5002 voted for 5001 in term 4',
    );
    expect(say({ type: 'vote', at: 2, node: '127.0.0.1:5001', term: 4, votedFor: '127.0.0.1:5001' })).toBe(
      '5001 voted for itself in term 4',
    );
  });

  it("tells the leader's commits and appends but not the followers'", () => {
    expect(say({ type: 'commit', at: 3, node: '127.0.0.1:5001', index: 12 })).toBe('5001 committed index 12');
    expect(say({ type: 'commit', at: 3, node: '127.0.0.1:5002', index: 12 })).toBeNull();
    expect(say({ type: 'append', at: 3, node: '127.0.0.1:5001', index: 13, term: 4, count: 2 })).toBe(
      '5001 appended 2 entries up to index 13 in term 4',
    );
    expect(say({ type: 'append', at: 3, node: '127.0.0.1:5001', index: 13, term: 4, count: 1 })).toContain(
      '1 entry up',
    );
  });

  it('keeps message traffic out of the feed', () => {
    const send: ClusterEvent = {
      type: 'send',
      at: 1,
      id: 1,
      kind: 'Heartbeat',
      from: '127.0.0.1:5001',
      to: '127.0.0.1:5002',
      term: 1,
      size: 1,
    };
    expect(say(send)).toBeNull();
    expect(say({ ...send, type: 'drop', reason: 'cut' })).toBeNull();
  });

  it('names the full address in faults, as the controls do', () => {
    expect(say({ type: 'fault', at: 5, action: 'kill', node: '127.0.0.1:5003' })).toBe('Killed 127.0.0.1:5003');
    expect(say({ type: 'fault', at: 5, action: 'restart', node: '127.0.0.1:5003' })).toBe('Restarted 127.0.0.1:5003');
    expect(say({ type: 'fault', at: 5, action: 'cut', a: '127.0.0.1:5001', b: '127.0.0.1:5002' })).toBe(
      'Cut link 127.0.0.1:5001 – 127.0.0.1:5002',
    );
    expect(say({ type: 'fault', at: 5, action: 'heal' })).toBe('Healed every link');
  });

  it('tells client traffic with its latency and its server', () => {
    expect(say({ type: 'request', at: 1, id: 1, via: '127.0.0.1:5002', op: 'SET', key: 'color' })).toBe(
      'Client sent SET color to 5002',
    );
    expect(
      say({
        type: 'reply',
        at: 1,
        id: 1,
        via: '127.0.0.1:5002',
        servedBy: '127.0.0.1:5001',
        group: 0,
        ok: true,
        ms: 3.4,
      }),
    ).toBe('5001 (group 0) answered via 5002 in 3 ms');
  });
});

describe('short node names', () => {
  it('uses the port alone when every node shares a host', () => {
    expect(shortNamer(ids)('127.0.0.1:5003')).toBe('5003');
  });

  it('keeps the full address when hosts differ, since ports may then repeat', () => {
    const name = shortNamer(['10.0.0.1:5001', '10.0.0.2:5001']);
    expect(name('10.0.0.2:5001')).toBe('10.0.0.2:5001');
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
    expect(narrate(event, { name: (id) => id.split(':')[1]!, isLeader: () => false })).toBe(line);
  });
});
