// The Ready loop's order, checked one Ready at a time against a real core, with a disk whose saves
// complete only when the test says so. The simulator checks the same loop under faults; these pin
// down each rule of the Ready contract (src/shared/raft/types.ts) where it is decided.
import { describe, expect, it } from 'vitest';
import { BOOTSTRAP_MEMBERSHIP, createRaft, DEFAULT_FLOW_CONTROL } from '../../shared/raft';
import type { AppendEntries, Entry, HardState, Message, NodeId } from '../../shared/raft/types';
import { SeededRandom } from '../../shared/random';
import { ManualClock } from '../net/testing/clocks';
import type { SaveOptions, SaveUpdate } from '../storage/save-plan';
import { type AppliedStateMachine, ReadyLoop } from './ready-loop';
import type { LoopScheduler, LoopStorage, SaveDone } from './ready-ports';

const PEERS: readonly NodeId[] = ['a', 'b', 'c'];

function entry(index: number, term: number): Entry {
  return { index, term, type: 'normal', data: new TextEncoder().encode(`e${index}`) };
}

function app(fields: Partial<AppendEntries>): AppendEntries {
  return {
    type: 'App',
    from: 'a',
    to: 'b',
    term: 1,
    prevLogIndex: 0,
    prevLogTerm: 0,
    entries: [],
    commit: 0,
    ...fields,
  };
}

/** Saves wait until the test completes them. */
class HeldSaves implements LoopStorage {
  readonly saves: { update: SaveUpdate; options: SaveOptions; done: SaveDone }[] = [];

  save(update: SaveUpdate, options: SaveOptions, done: SaveDone): void {
    this.saves.push({ update, options, done });
  }

  /** Completes the oldest save still waiting (running what the loop does while a sync runs first). */
  complete(error: Error | null = null): void {
    const save = this.saves.shift();
    if (save === undefined) throw new Error('no save is waiting');
    save.options.whileSyncing?.();
    save.done(error);
  }
}

class Scheduler implements LoopScheduler {
  private queue: (() => void)[] = [];
  schedule(task: () => void): void {
    this.queue.push(task);
  }
  run(): void {
    while (this.queue.length > 0) this.queue.shift()!();
  }
}

class Machine implements AppliedStateMachine<number> {
  appliedIndex = 0;
  apply(entry: Entry): number {
    this.appliedIndex = entry.index;
    return entry.index;
  }
}

function makeLoop(
  id: NodeId,
  durable: HardState = { term: 0, vote: '', commit: 0 },
  entries: Entry[] = [],
  firstReadContext?: number,
) {
  const core = createRaft(
    {
      id,
      peers: PEERS,
      electionTicksMin: 10,
      electionTicksMax: 20,
      heartbeatTicks: 1,
      preVote: false,
      checkQuorum: false,
      ...DEFAULT_FLOW_CONTROL,
      random: new SeededRandom(7),
    },
    { hardState: durable, snapshot: { index: 0, term: 0, membership: BOOTSTRAP_MEMBERSHIP }, entries, applied: 0 },
  );
  const storage = new HeldSaves();
  const scheduler = new Scheduler();
  const sent: Message[] = [];
  const failures: Error[] = [];
  const loop = new ReadyLoop<Machine, number>({
    core,
    durable,
    machine: new Machine(),
    storage,
    sink: { send: (message) => sent.push(message), flush: () => {} },
    scheduler,
    clock: new ManualClock(),
    onFailure: (error) => failures.push(error),
    ...(firstReadContext === undefined ? {} : { firstReadContext }),
  });
  const input = (action: () => void) => {
    action();
    scheduler.run();
  };
  return { loop, storage, sent, failures, input };
}

describe('the Ready loop', () => {
  it('sends an acknowledgement only once the save of the entries it acknowledges is durable', () => {
    const { loop, storage, sent, input } = makeLoop('b');
    input(() => loop.receive(app({ entries: [entry(1, 1), entry(2, 1)] })));
    expect(storage.saves).toHaveLength(1);
    expect(sent.filter((m) => m.type === 'AppResp')).toEqual([]);
    storage.complete();
    expect(sent.filter((m) => m.type === 'AppResp')).toMatchObject([{ to: 'a', index: 2, reject: false }]);
  });

  it('a read answer meant for an earlier life of the node does not release a read of this life', () => {
    // This life numbers its reads from 1001; the answer below was for read 1 of the life before,
    // delayed on the link, and its index is older than this read must see.
    const { loop, storage, sent, input } = makeLoop('b', undefined, [], 1001);
    input(() => loop.receive(app({ entries: [entry(1, 1), entry(2, 1)], commit: 2 })));
    storage.complete();
    const served: unknown[] = [];
    const failed: Error[] = [];
    input(() => {
      loop.read(
        (machine) => machine.appliedIndex,
        (value) => served.push(value),
        (error) => failed.push(error),
      );
    });
    expect(sent.filter((m) => m.type === 'ReadIndex')).toMatchObject([{ to: 'a', context: 1001 }]);
    input(() =>
      loop.receive({ type: 'ReadIndexResp', from: 'a', to: 'b', term: 1, context: 1, index: 1, reject: false }),
    );
    expect(served).toEqual([]);
    input(() =>
      loop.receive({ type: 'ReadIndexResp', from: 'a', to: 'b', term: 1, context: 1001, index: 2, reject: false }),
    );
    expect(served).toEqual([2]);
    expect(failed).toEqual([]);
  });

  it('sends a vote only once the vote is durable', () => {
    const { loop, storage, sent, input } = makeLoop('b');
    input(() =>
      loop.receive({ type: 'Vote', from: 'c', to: 'b', term: 1, lastLogIndex: 0, lastLogTerm: 0, transfer: false }),
    );
    expect(storage.saves[0]!.update.hardState).toMatchObject({ term: 1, vote: 'c' });
    expect(sent.filter((m) => m.type === 'VoteResp')).toEqual([]);
    storage.complete();
    expect(sent.filter((m) => m.type === 'VoteResp')).toMatchObject([{ to: 'c', reject: false }]);
  });

  it('saves a vote given in a term it already holds before the grant leaves', () => {
    // Only the vote changes in this Ready (not the term): it is still a durable change.
    const { loop, storage, sent, input } = makeLoop('b', { term: 1, vote: '', commit: 0 }, [entry(1, 1)]);
    input(() =>
      loop.receive({ type: 'Vote', from: 'c', to: 'b', term: 2, lastLogIndex: 0, lastLogTerm: 0, transfer: false }),
    );
    storage.complete();
    expect(sent.filter((m) => m.type === 'VoteResp')).toMatchObject([{ to: 'c', reject: true }]);
    input(() =>
      loop.receive({ type: 'Vote', from: 'a', to: 'b', term: 2, lastLogIndex: 1, lastLogTerm: 1, transfer: false }),
    );
    expect(storage.saves.map((save) => save.update.hardState)).toMatchObject([{ term: 2, vote: 'a' }]);
    expect(sent.filter((m) => m.type === 'VoteResp')).toHaveLength(1);
    storage.complete();
    expect(sent.filter((m) => m.type === 'VoteResp')).toMatchObject([{ reject: true }, { to: 'a', reject: false }]);
  });

  it('applies committed entries while the save that makes them durable here runs', () => {
    const { loop, storage, input } = makeLoop('b');
    input(() => loop.receive(app({ entries: [entry(1, 1), entry(2, 1)], commit: 2 })));
    expect(storage.saves).toHaveLength(1);
    expect(loop.machine.appliedIndex).toBe(2);
  });

  it('skips the save when only the commit index rose, and writes it with the next save', () => {
    const { loop, storage, sent, input } = makeLoop('b');
    input(() => loop.receive(app({ entries: [entry(1, 1)] })));
    storage.complete();
    input(() => loop.receive(app({ prevLogIndex: 1, prevLogTerm: 1, commit: 1 })));
    expect(storage.saves).toHaveLength(0);
    expect(loop.machine.appliedIndex).toBe(1);
    expect(loop.unsavedHardState).toMatchObject({ term: 1, commit: 1 });
    expect(sent.filter((m) => m.type === 'AppResp')).toHaveLength(2);
    input(() => loop.receive(app({ prevLogIndex: 1, prevLogTerm: 1, entries: [entry(2, 1)], commit: 1 })));
    expect(storage.saves[0]!.update.hardState).toMatchObject({ term: 1, commit: 1 });
    storage.complete();
    expect(loop.unsavedHardState).toBeNull();
  });

  it('a busy leader syncs in the background and sends its Apps once the sync runs', () => {
    const { loop, storage, input } = makeLoop('a');
    input(() => loop.forceTimeout());
    storage.complete();
    input(() => loop.receive({ type: 'VoteResp', from: 'b', to: 'a', term: 1, reject: false }));
    storage.complete();
    expect(loop.role).toBe('leader');
    input(() => {
      loop.propose(
        new TextEncoder().encode('x'),
        () => {},
        () => {},
      );
      loop.propose(
        new TextEncoder().encode('y'),
        () => {},
        () => {},
      );
    });
    expect(storage.saves[0]!.update.entries).toHaveLength(2);
    expect(storage.saves[0]!.options.inBackground).toBe(true);
    expect(storage.saves[0]!.options.whileSyncing).toBeTypeOf('function');
  });

  it('stops on a failed save and acknowledges nothing of it', () => {
    const { loop, storage, sent, failures, input } = makeLoop('b');
    input(() => loop.receive(app({ entries: [entry(1, 1)] })));
    storage.complete(new Error('ENOSPC'));
    expect(failures.map((e) => e.message)).toEqual(['ENOSPC']);
    expect(sent.filter((m) => m.type === 'AppResp')).toEqual([]);
    expect(loop.alive).toBe(false);
  });
});
