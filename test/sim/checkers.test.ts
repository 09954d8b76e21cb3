// The checkers can fail: each is fed a small hand-made history that breaks its property, and must
// stop it with a report that names the property and the seed. A legal history passes them all.
import { describe, expect, it } from 'vitest';
import { encodeConfChange } from '../../src/shared/raft/conf-change';
import type { Entry, NodeId, Role } from '../../src/shared/raft/types';
import type { HistoryEvent, NodeSnapshot, UnstampedEvent } from '../harness/history';
import { encodeText } from '../harness/kv';
import { SafetyMonitor } from './checkers/monitor';

const SEED = 4242;
const MEMBERS = ['n1', 'n2', 'n3'] as const;

function entry(index: number, term: number, text = `cmd${index}`): Entry {
  return { index, term, type: 'normal', data: encodeText(text) };
}

/** A small builder for histories: each call is one event, at tick 0. */
class History {
  readonly monitor = new SafetyMonitor(MEMBERS, {
    seed: SEED,
    options: { handMade: true },
    traceLines: () => ['t=0 (hand-made history)'],
  });

  private feed(event: UnstampedEvent): this {
    this.monitor.onEvent({ ...event, tick: 0 } as HistoryEvent);
    return this;
  }

  role(node: NodeId, role: Role, term: number): this {
    return this.feed({ kind: 'role', node, role, term, leader: role === 'leader' ? node : null });
  }

  persist(node: NodeId, entries: Entry[], options: { role?: Role; term?: number; commit?: number } = {}): this {
    const term = options.term ?? 1;
    const hardState = options.commit === undefined ? null : { term, vote: '', commit: options.commit };
    return this.feed({ kind: 'persist', node, role: options.role ?? 'follower', term, hardState, entries });
  }

  /** The node's memory log departs from its disk at `from`, holding `entries` not yet durable. */
  memory(node: NodeId, from: number, entries: Entry[]): this {
    return this.feed({ kind: 'memory', node, from, entries });
  }

  apply(node: NodeId, entry: Entry): this {
    return this.feed({ kind: 'apply', node, entry });
  }

  snapshot(node: NodeId, phase: 'compact' | 'install' | 'restore', index: number, term: number): this {
    return this.feed({ kind: 'snapshot', node, phase, index, term });
  }

  client(event: UnstampedEvent): this {
    return this.feed(event);
  }

  step(nodes: Partial<NodeSnapshot>[]): this {
    const full = nodes.map((node, i) => ({
      id: MEMBERS[i]!,
      alive: true,
      role: 'follower' as Role,
      term: 1,
      leader: null,
      savePending: false,
      commit: 0,
      applied: 0,
      lastIndex: 0,
      lastTerm: 0,
      diskLastIndex: node.lastIndex ?? 0,
      diskLastTerm: node.lastTerm ?? 0,
      ...node,
    }));
    this.monitor.afterStep({ tick: 0, nodes: full });
    return this;
  }
}

function expectViolation(property: string, history: () => unknown): void {
  let message = '';
  try {
    history();
  } catch (error) {
    message = error instanceof Error ? error.message : String(error);
  }
  expect(message, 'the checker let the violation pass').not.toBe('');
  expect(message).toContain(`seed ${SEED}`);
  expect(message).toContain(`${property}:`);
  expect(message).toContain(`npm run sim -- --seed ${SEED}`);
  expect(message).toContain('(hand-made history)');
}

describe('each safety checker rejects a history that breaks its property', () => {
  it('Election Safety: two leaders in one term', () => {
    expectViolation('Election Safety', () => new History().role('n1', 'leader', 2).role('n2', 'leader', 2));
  });

  it('Leader Append-Only: a leader overwrites an entry of its own log', () => {
    expectViolation('Leader Append-Only', () =>
      new History()
        .role('n1', 'leader', 2)
        .persist('n1', [entry(1, 2), entry(2, 2)], { role: 'leader', term: 2 })
        .persist('n1', [entry(2, 2, 'other')], { role: 'leader', term: 2 }),
    );
  });

  it('Leader Append-Only: a leader log shrinks between two steps', () => {
    expectViolation('Leader Append-Only', () =>
      new History()
        .step([{ role: 'leader', term: 2, lastIndex: 5, lastTerm: 2 }, {}, {}])
        .step([{ role: 'leader', term: 2, lastIndex: 4, lastTerm: 2 }, {}, {}]),
    );
  });

  it('Log Matching: same index and term with different commands', () => {
    expectViolation('Log Matching', () =>
      new History().persist('n1', [entry(1, 1, 'x')]).persist('n2', [entry(1, 1, 'y')]),
    );
  });

  it('Log Matching: same index and term after different prefixes', () => {
    expectViolation('Log Matching', () =>
      new History().persist('n1', [entry(1, 1), entry(2, 2, 'x')]).persist('n2', [entry(1, 2), entry(2, 2, 'x')]),
    );
  });

  it('Leader Completeness: a later leader lacks a committed entry', () => {
    expectViolation('Leader Completeness', () =>
      new History()
        .persist('n1', [entry(1, 1)], { term: 1 })
        .persist('n2', [entry(1, 1)], { term: 1, commit: 1 })
        .role('n3', 'leader', 2),
    );
  });

  it('Committed Durability: a commit index judged while its save is in flight names an entry on too few disks', () => {
    // A leader that counted its own unsynced log: n1 holds 1@1 only in memory, n2 on disk, and n1
    // already says 1 is committed. One disk of three: a crash of n1 now could lose the entry.
    expectViolation('Committed Durability', () =>
      new History()
        .memory('n1', 1, [entry(1, 1)])
        .persist('n2', [entry(1, 1)])
        .step([
          {
            role: 'leader',
            commit: 1,
            lastIndex: 1,
            lastTerm: 1,
            savePending: true,
            diskLastIndex: 0,
            diskLastTerm: 0,
          },
          { lastIndex: 1, lastTerm: 1 },
          {},
        ]),
    );
  });

  it('State Machine Safety: two nodes apply different entries at one index', () => {
    expectViolation('State Machine Safety', () =>
      new History()
        .persist('n1', [entry(1, 1, 'a')])
        .persist('n3', [entry(1, 1, 'a')])
        .persist('n2', [entry(1, 2, 'b')])
        .apply('n1', entry(1, 1, 'a'))
        .apply('n2', entry(1, 2, 'b')),
    );
  });

  it('State Machine Safety: a node applies out of order', () => {
    expectViolation('State Machine Safety', () =>
      new History()
        .persist('n2', [entry(1, 1), entry(2, 1)])
        .persist('n1', [entry(1, 1), entry(2, 1)], { commit: 2 })
        .apply('n1', entry(2, 1)),
    );
  });

  it('Commit Bounds: applied beyond commit', () => {
    expectViolation('Commit Bounds', () =>
      new History()
        .persist('n1', [entry(1, 1), entry(2, 1)])
        .persist('n2', [entry(1, 1), entry(2, 1)])
        .step([{ commit: 1, applied: 2, lastIndex: 2, lastTerm: 1 }, {}, {}]),
    );
  });

  it('Commit Bounds: the core log is longer than its disk', () => {
    expectViolation('Commit Bounds', () =>
      new History().step([{ lastIndex: 3, lastTerm: 1, diskLastIndex: 2, diskLastTerm: 1 }, {}, {}]),
    );
  });

  it('Committed Durability: a committed entry is truncated below a majority of disks', () => {
    expectViolation('Committed Durability', () =>
      new History()
        .persist('n1', [entry(1, 1, 'kept')])
        .persist('n2', [entry(1, 1, 'kept')], { commit: 1 })
        .persist('n2', [entry(1, 2, 'replaced')], { term: 2 }),
    );
  });

  it('Linearizable Reads: a read returns a value older than an acknowledged write', () => {
    const v1 = entry(1, 1, 'set k v1');
    const v2 = entry(2, 1, 'set k v2');
    expectViolation('Linearizable Reads', () =>
      new History()
        .persist('n2', [v1, v2])
        .persist('n1', [v1, v2], { commit: 2 })
        .client({ kind: 'write-ack', node: 'n1', key: 'k', value: 'v2', index: 2 })
        .client({ kind: 'read-start', node: 'n2', readId: 1, key: 'k' })
        .client({ kind: 'read-done', node: 'n2', readId: 1, key: 'k', value: 'v1', index: 1 }),
    );
  });

  it('Linearizable Reads: a read returns a value no committed write stored', () => {
    expectViolation('Linearizable Reads', () =>
      new History()
        .persist('n2', [entry(1, 1, 'set k v1')])
        .persist('n1', [entry(1, 1, 'set k v1')], { commit: 1 })
        .client({ kind: 'read-start', node: 'n1', readId: 1, key: 'k' })
        .client({ kind: 'read-done', node: 'n1', readId: 1, key: 'k', value: 'v9', index: 1 }),
    );
  });
});

describe('issue 12: snapshots and membership changes', () => {
  const removeN3: Entry = { index: 2, term: 1, type: 'config', data: encodeConfChange({ type: 'remove', node: 'n3' }) };

  it('Removed Never Leads: a node leads after its removal is known committed', () => {
    expectViolation('Removed Never Leads', () =>
      new History()
        .persist('n3', [entry(1, 1), removeN3], { term: 1 })
        .persist('n1', [entry(1, 1), removeN3], { term: 1 })
        .persist('n2', [entry(1, 1), removeN3], { term: 1, commit: 2 })
        .role('n3', 'leader', 2),
    );
  });

  it('the same removal, not yet committed, lets the node lead (it may still be a member)', () => {
    new History()
      .persist('n3', [entry(1, 1), removeN3], { term: 1 })
      .persist('n1', [entry(1, 1), removeN3], { term: 1 })
      .role('n3', 'leader', 2);
  });

  it('State Machine Safety: a node installs a snapshot of entries not known committed', () => {
    expectViolation('State Machine Safety', () =>
      new History()
        .persist('n2', [entry(1, 1), entry(2, 1)], { term: 1 })
        .persist('n1', [entry(1, 1), entry(2, 1)], { term: 1, commit: 1 })
        .snapshot('n3', 'install', 2, 1),
    );
  });

  it('State Machine Safety: a snapshot whose term differs from the committed entry', () => {
    expectViolation('State Machine Safety', () =>
      new History()
        .persist('n2', [entry(1, 1)], { term: 1 })
        .persist('n1', [entry(1, 1)], { term: 1, commit: 1 })
        .snapshot('n1', 'compact', 1, 2),
    );
  });

  it('a node that installed a snapshot applies on from it, not from index 1', () => {
    new History()
      .persist('n1', [entry(1, 1), entry(2, 1), entry(3, 1)], { term: 1 })
      .persist('n2', [entry(1, 1), entry(2, 1), entry(3, 1)], { term: 1, commit: 2 })
      .snapshot('n3', 'install', 2, 1)
      .persist('n3', [entry(3, 1)], { term: 1 })
      .apply('n3', entry(3, 1));
  });

  it('State Machine Safety: after an installed snapshot, applying an entry its log lacks is caught', () => {
    expectViolation('State Machine Safety', () =>
      new History()
        .persist('n1', [entry(1, 1), entry(2, 1), entry(3, 1)], { term: 1 })
        .persist('n2', [entry(1, 1), entry(2, 1), entry(3, 1)], { term: 1, commit: 2 })
        .snapshot('n3', 'install', 2, 1)
        .apply('n3', entry(3, 1)),
    );
  });
});

describe('a node is judged by the log it holds in memory, durability by the disks', () => {
  it('Leader Completeness: a leader that won holding a committed entry its save has not made durable yet is complete', () => {
    // Seeds 101245 and 148018: the checker read only the disk and took this for a violation.
    const history = new History()
      .persist('n2', [entry(1, 1)], { term: 1 })
      .persist('n3', [entry(1, 1)], { term: 1, commit: 1 })
      .memory('n1', 1, [entry(1, 1)])
      .role('n1', 'leader', 2)
      .step([
        { role: 'leader', term: 2, lastIndex: 1, lastTerm: 1, savePending: true, diskLastIndex: 0, diskLastTerm: 0 },
        { commit: 1, lastIndex: 1, lastTerm: 1 },
        { commit: 1, lastIndex: 1, lastTerm: 1 },
      ]);
    expect(history.monitor.model.committedCount).toBe(1);
  });

  it('Leader Completeness: a crash loses the memory log, and a restarted leader without the entry is caught', () => {
    expectViolation('Leader Completeness', () =>
      new History()
        .persist('n2', [entry(1, 1)], { term: 1 })
        .persist('n3', [entry(1, 1)], { term: 1, commit: 1 })
        .memory('n1', 1, [entry(1, 1)])
        .client({ kind: 'crash', node: 'n1', torn: false })
        .client({ kind: 'restart', node: 'n1' })
        .role('n1', 'leader', 2),
    );
  });

  it('a follower applies a committed entry during the save that makes it durable on its own disk', () => {
    const write = entry(1, 1, 'set k v1');
    const history = new History()
      .persist('n1', [write], { role: 'leader', term: 1 })
      .persist('n2', [write], { term: 1 })
      .memory('n3', 1, [write])
      .apply('n3', write)
      .step([
        { role: 'leader', commit: 1, lastIndex: 1, lastTerm: 1 },
        { commit: 1, lastIndex: 1, lastTerm: 1 },
        { commit: 1, applied: 1, lastIndex: 1, lastTerm: 1, savePending: true, diskLastIndex: 0, diskLastTerm: 0 },
      ]);
    expect(history.monitor.model.committedCount).toBe(1);
  });
});

describe('a legal history passes every checker', () => {
  it('an election, replication, a commit, applies and a fresh read raise nothing', () => {
    const noop: Entry = { index: 1, term: 1, type: 'noop', data: new Uint8Array() };
    const write = entry(2, 1, 'set k v1');
    const history = new History()
      .role('n1', 'candidate', 1)
      .role('n1', 'leader', 1)
      .persist('n1', [noop, write], { role: 'leader', term: 1 })
      .persist('n2', [noop, write], { term: 1 })
      .persist('n1', [], { role: 'leader', term: 1, commit: 2 })
      .apply('n1', noop)
      .apply('n1', write)
      .client({ kind: 'write-ack', node: 'n1', key: 'k', value: 'v1', index: 2 })
      .persist('n2', [], { term: 1, commit: 2 })
      .apply('n2', noop)
      .apply('n2', write)
      .client({ kind: 'read-start', node: 'n2', readId: 1, key: 'k' })
      .client({ kind: 'read-done', node: 'n2', readId: 1, key: 'k', value: 'v1', index: 2 })
      .step([
        { role: 'leader', commit: 2, applied: 2, lastIndex: 2, lastTerm: 1 },
        { commit: 2, applied: 2, lastIndex: 2, lastTerm: 1 },
        {},
      ]);
    expect(history.monitor.model.committedCount).toBe(2);
  });
});
