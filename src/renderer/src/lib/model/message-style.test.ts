import { describe, expect, it } from 'vitest';
import { MESSAGE_TYPES } from '../../../../shared/raft/types';
import { LEGEND_KINDS, messageStyle, shapePath } from './message-style';

describe('message style', () => {
  it('tells every request kind apart by colour and shape together', () => {
    const requests = ['PreVote', 'Vote', 'Heartbeat', 'TimeoutNow', 'ReadIndex'] as const;
    const looks = requests.map((kind) => {
      const style = messageStyle(kind);
      return `${style.colour}/${style.shape}/${style.filled}`;
    });
    expect(new Set(looks).size).toBe(requests.length);
  });

  it('tells PreVote from RequestVote without colour: one hollow, one filled', () => {
    expect(messageStyle('PreVote').filled).toBe(false);
    expect(messageStyle('Vote').filled).toBe(true);
  });

  it('draws AppendEntries with entries filled and an empty one hollow, both unlike a heartbeat', () => {
    const full = messageStyle('App', { entries: 3 });
    const empty = messageStyle('App', { entries: 0 });
    expect(full).toMatchObject({ shape: 'square', filled: true, label: 'AppendEntries (3 entries)' });
    expect(empty).toMatchObject({ shape: 'square', filled: false });
    expect(messageStyle('Heartbeat').shape).not.toBe('square');
  });

  it('marks replies as success or failure by a mark and a fill, not only by colour', () => {
    for (const kind of ['VoteResp', 'PreVoteResp', 'AppResp'] as const) {
      const yes = messageStyle(kind, { reject: false });
      const no = messageStyle(kind, { reject: true });
      expect([yes.mark, no.mark]).toEqual(['✓', '✗']);
      expect(yes.filled).not.toBe(no.filled);
      expect(yes.size).toBe('small');
    }
  });

  it('has a style and a drawable shape for every message type', () => {
    for (const kind of MESSAGE_TYPES) {
      const style = messageStyle(kind);
      expect(style.label.length).toBeGreaterThan(0);
      expect(shapePath(style.shape, 100)).toMatch(/^M/);
    }
  });

  it('draws InstallSnapshot as its own kind: a shape no other message has, and a place in the legend', () => {
    const snap = messageStyle('Snap');
    expect(snap.label).toBe('InstallSnapshot');
    for (const kind of MESSAGE_TYPES.filter((other) => other !== 'Snap')) {
      expect(messageStyle(kind).shape).not.toBe(snap.shape);
      expect(messageStyle(kind).colour).not.toBe(snap.colour);
    }
    expect(LEGEND_KINDS.map((item) => item.kind)).toContain('Snap');
  });
});

describe('the legend', () => {
  it('explains every kind of message the diagram draws, and each refusal', () => {
    const labels = LEGEND_KINDS.map((item) => messageStyle(item.kind, item.detail).label);
    for (const kind of MESSAGE_TYPES) expect(LEGEND_KINDS.map((item) => item.kind)).toContain(kind);
    for (const refused of ['PreVote refused', 'Vote refused', 'AppendEntries failure', 'ReadIndex refused']) {
      expect(labels).toContain(refused);
    }
    expect(labels).toContain('Heartbeat reply');
    expect(new Set(labels).size).toBe(labels.length);
  });
});
