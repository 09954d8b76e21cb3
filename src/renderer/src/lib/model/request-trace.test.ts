import { describe, expect, it } from 'vitest';
import type { ClusterEvent, KvOp, NodeId } from '../../../../shared/api';
import { RequestTracer } from './request-trace';

// Group 0 is 5001-5003 (5001 leads), group 1 is 5004-5006; keys starting with "a" are group 0.
const groupOfNode = (id: NodeId) => (Number(id) <= 5003 ? 0 : 1);
function tracer(): RequestTracer {
  return new RequestTracer({
    name: (id) => id,
    groupOfKey: (key) => (key.startsWith('a') ? 0 : 1),
    groupOfNode,
    leaderOf: (group) => (group === 0 ? '5001' : '5004'),
  });
}
const request = (id: number, op: KvOp, key: string, via: NodeId): ClusterEvent => ({
  type: 'request',
  at: 1000,
  id,
  via,
  op,
  key,
  timeoutMs: 5000,
});
const reply = (id: number, via: NodeId, ok: boolean, error?: string): ClusterEvent => ({
  type: 'reply',
  at: 1100,
  id,
  via,
  servedBy: ok ? '5001' : null,
  group: 0,
  ok,
  ms: 12,
  ...(error ? { error } : {}),
});
const send = (kind: 'ReadIndex' | 'ReadIndexResp', from: NodeId, to: NodeId, extra = {}): ClusterEvent => ({
  type: 'send',
  at: 1050,
  id: 1,
  kind,
  from,
  to,
  term: 2,
  size: 10,
  ...extra,
});
const hopsOf = (t: RequestTracer) =>
  t.current?.hops.map((hop) => `${hop.from ?? 'client'}>${hop.to ?? 'client'} ${hop.label}`);

describe('the request path, from the events', () => {
  it('draws a GET through a follower as the follower asking the leader to confirm, and served by the follower', () => {
    const t = tracer();
    t.apply(request(1, 'GET', 'apple', '5002'));
    expect(t.current?.status).toBe('pending');
    expect(hopsOf(t)).toEqual(['client>5002 GET']);
    t.apply(send('ReadIndex', '5002', '5001'));
    t.apply(send('ReadIndexResp', '5001', '5002', { reject: false, index: 7 }));
    t.apply(reply(1, '5002', true));
    expect(hopsOf(t)).toEqual([
      'client>5002 GET',
      '5002>5001 ReadIndex',
      '5001>5002 read index 7',
      '5002>client reply',
    ]);
    expect(t.current?.servedBy).toBe('5002');
    expect(t.current?.steps).toEqual([
      'client sent GET apple to 5002; the key is in group 0',
      '5002 asks leader 5001 to confirm it still leads (ReadIndex)',
      '5001 confirmed with a majority: read at index 7 once applied',
      '5002 answered in 12 ms',
    ]);
  });

  it('draws a SET through a follower as forwarded to the leader, appended, committed and answered', () => {
    const t = tracer();
    t.apply(request(2, 'SET', 'apple', '5003'));
    t.apply({ type: 'append', at: 1010, node: '5002', index: 8, term: 2, count: 1 }); // a follower's copy
    t.apply({ type: 'append', at: 1010, node: '5001', index: 8, term: 2, count: 1 });
    t.apply({ type: 'commit', at: 1020, node: '5001', index: 8 });
    t.apply(reply(2, '5003', true));
    expect(hopsOf(t)).toEqual(['client>5003 SET', '5003>5001 forward', '5001>5003 reply', '5003>client reply']);
    expect(t.current?.servedBy).toBe('5001');
    expect(t.current?.steps.slice(1, 4)).toEqual([
      '5003 forwarded it to the leader, 5001',
      '5001 appended it at index 8 in term 2',
      '5001 committed index 8 (a majority has it)',
    ]);
  });

  it('draws the forward to another group at the reply when no Raft message shows it', () => {
    const t = tracer();
    t.apply(request(3, 'GET', 'apple', '5005'));
    t.apply(reply(3, '5005', true));
    expect(hopsOf(t)).toEqual(['client>5005 GET', '5005>5001 forward', '5001>5005 reply', '5005>client reply']);
  });

  it('a new request clears the old path, and a failure keeps its error and no server', () => {
    const t = tracer();
    t.apply(request(4, 'GET', 'apple', '5002'));
    t.apply(reply(4, '5002', true));
    t.apply(request(5, 'GET', 'apple', '5001'));
    expect(t.current?.id).toBe(5);
    expect(hopsOf(t)).toEqual(['client>5001 GET']);
    // Another request's reply, or traffic for another group, changes nothing.
    expect(t.apply(reply(4, '5002', true))).toBe(false);
    expect(t.apply(send('ReadIndex', '5005', '5004'))).toBe(false);
    t.apply(reply(5, '5001', false, 'TRYAGAIN group 0 did not answer within 5000 ms'));
    expect(t.current).toMatchObject({
      status: 'failed',
      servedBy: null,
      error: 'TRYAGAIN group 0 did not answer within 5000 ms',
    });
    expect(hopsOf(t)).toEqual(['client>5001 GET', '5001>client error']);
  });
});
