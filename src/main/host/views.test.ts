import { describe, expect, it } from 'vitest';
import type { Message } from '../../shared/raft/types';
import { clusterEventOf } from './views';

function delivered(message: Message) {
  return clusterEventOf(
    message.to,
    { type: 'transport', event: { type: 'deliver', message, meta: { id: 9, size: 40 } } },
    5,
  );
}

describe('message events carry what narration needs to say why', () => {
  it('a refused AppendEntries says where and what the follower held there', () => {
    const event = delivered({
      type: 'AppResp',
      from: 'b',
      to: 'a',
      term: 3,
      reject: true,
      index: 6,
      conflictTerm: 2,
      conflictIndex: 5,
    });
    expect(event).toMatchObject({ type: 'deliver', kind: 'AppResp', reject: true, index: 6, logTerm: 2, hint: 5 });
  });

  it('an AppendEntries carries its prevLogIndex and prevLogTerm', () => {
    const event = delivered({
      type: 'App',
      from: 'a',
      to: 'b',
      term: 3,
      prevLogIndex: 4,
      prevLogTerm: 1,
      entries: [],
      commit: 4,
    });
    expect(event).toMatchObject({ kind: 'App', index: 4, logTerm: 1, entries: 0 });
  });

  it('a campaign a transfer caused is marked, and a refused ReadIndex says so', () => {
    const vote = delivered({
      type: 'Vote',
      from: 'b',
      to: 'a',
      term: 4,
      lastLogIndex: 3,
      lastLogTerm: 3,
      transfer: true,
    });
    expect(vote).toMatchObject({ kind: 'Vote', transfer: true });
    const read = delivered({ type: 'ReadIndexResp', from: 'a', to: 'b', term: 4, context: 1, index: 0, reject: true });
    expect(read).toMatchObject({ kind: 'ReadIndexResp', reject: true });
  });
});
