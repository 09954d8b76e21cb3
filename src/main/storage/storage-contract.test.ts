// The behaviour both implementations promise, run against each: the in-memory twin is only useful
// to tests and `--in-memory` if it cannot be told apart from the WAL by what it returns or refuses.
import { afterEach, describe, expect, it } from 'vitest';
import type { Entry } from '../../shared/raft/types';
import { blockingFileOps } from './file-ops';
import { MemoryDisk, MemoryStorage } from './memory';
import { makeEntries, makeTempDir, removeDir } from './test-kit';
import type { RaftStorage } from './types';
import { WalStorage } from './wal';

interface Subject {
  /** A new instance on the same durable state, as after a crash or restart. */
  open(): RaftStorage;
  dispose(): void;
}

const subjects: Record<string, () => Subject> = {
  wal: () => {
    const dir = makeTempDir('contract');
    return { open: () => new WalStorage(dir, { segmentMaxBytes: 2048 }), dispose: () => removeDir(dir) };
  },
  'wal with blocking writes and syncs': () => {
    const dir = makeTempDir('contract');
    return {
      open: () => new WalStorage(dir, { segmentMaxBytes: 2048, fileOps: blockingFileOps }),
      dispose: () => removeDir(dir),
    };
  },
  memory: () => {
    const disk = new MemoryDisk();
    return { open: () => new MemoryStorage(disk), dispose: () => {} };
  },
};

describe.each(Object.keys(subjects))('%s storage', (kind) => {
  let subject: Subject;
  const fresh = async () => {
    subject = subjects[kind]!();
    const storage = subject.open();
    await storage.load();
    return storage;
  };
  afterEach(() => subject.dispose());

  it('a restart without close returns exactly what completed saves handed over', async () => {
    const storage = await fresh();
    const all = [...makeEntries(1, 30, 1, 40), ...makeEntries(31, 5, 2, 400)];
    await storage.save({ hardState: { term: 1, vote: 'x', commit: 0 }, entries: all.slice(0, 30) });
    await storage.save({ hardState: { term: 2, vote: '', commit: 25 }, entries: all.slice(30) });
    // Abandoned, never closed.
    const state = await subject.open().load();
    expect(state.hardState).toEqual({ term: 2, vote: '', commit: 25 });
    expect(state.entries).toEqual(all);
    expect(state.snapshot).toEqual({ index: 0, term: 0 });
  });

  it('whileSyncing runs once per save, before it resolves, in the foreground and the background alike', async () => {
    const storage = await fresh();
    for (const inBackground of [false, true]) {
      let calls = 0;
      const saving = storage.save(
        { hardState: null, entries: makeEntries(inBackground ? 2 : 1, 1, 1) },
        { inBackground, whileSyncing: () => calls++ },
      );
      await saving;
      expect(calls).toBe(1);
    }
    let calls = 0;
    // Nothing to sync (no entries, no new commit): still called, so a host can rely on it.
    await storage.save({ hardState: null, entries: [] }, { whileSyncing: () => calls++ });
    expect(calls).toBe(1);
    expect((await subject.open().load()).entries).toEqual(makeEntries(1, 2, 1));
  });

  it('entries from an index at or below the last replace the whole suffix from there', async () => {
    const storage = await fresh();
    await storage.save({ hardState: null, entries: makeEntries(1, 6, 1) });
    await storage.save({ hardState: null, entries: makeEntries(3, 1, 2) });
    expect((await subject.open().load()).entries).toEqual([...makeEntries(1, 2, 1), ...makeEntries(3, 1, 2)]);
  });

  it('the commit index never loads beyond the last entry', async () => {
    const storage = await fresh();
    await storage.save({ hardState: { term: 1, vote: '', commit: 9 }, entries: makeEntries(1, 4, 1) });
    expect((await subject.open().load()).hardState.commit).toBe(4);
  });

  it('changing saved or loaded bytes afterwards does not change what is stored', async () => {
    const storage = await fresh();
    const entries: Entry[] = makeEntries(1, 2, 1);
    await storage.save({ hardState: null, entries });
    entries[0]!.data[0] = entries[0]!.data[0]! ^ 0xff;
    const loaded = await subject.open().load();
    expect(loaded.entries).toEqual(makeEntries(1, 2, 1));
    loaded.entries[1]!.data.fill(0);
    expect((await subject.open().load()).entries).toEqual(makeEntries(1, 2, 1));
  });

  const refusals: [string, (last: number) => Parameters<RaftStorage['save']>[0], RegExp][] = [
    ['a gap after the last entry', (last) => ({ hardState: null, entries: makeEntries(last + 2, 1, 1) }), /gap/],
    [
      'entries that are not consecutive',
      (last) => ({ hardState: null, entries: [...makeEntries(last + 1, 1, 1), ...makeEntries(last + 3, 1, 1)] }),
      /expected/,
    ],
    ['an index below 1', () => ({ hardState: null, entries: makeEntries(0, 1, 1) }), /not a positive integer/],
    [
      'a term that goes back',
      () => ({ hardState: { term: 1, vote: 'a', commit: 2 }, entries: [] }),
      /below the durable term/,
    ],
    [
      'a second vote in the same term',
      () => ({ hardState: { term: 2, vote: 'b', commit: 2 }, entries: [] }),
      /already has a durable vote/,
    ],
    [
      'a commit that goes back',
      () => ({ hardState: { term: 2, vote: 'a', commit: 1 }, entries: [] }),
      /never decreases/,
    ],
    ['a fractional term', () => ({ hardState: { term: 2.5, vote: 'a', commit: 2 }, entries: [] }), /term/],
    [
      'data that is not bytes',
      (last) => ({
        hardState: null,
        entries: [{ index: last + 1, term: 2, type: 'normal', data: 'text' as unknown as Uint8Array }],
      }),
      /not a Uint8Array/,
    ],
  ];

  it.each(refusals)('%s is rejected and leaves the storage usable and unchanged', async (_, update, message) => {
    const storage = await fresh();
    await storage.save({ hardState: { term: 2, vote: 'a', commit: 2 }, entries: makeEntries(1, 3, 2) });
    await expect(storage.save(update(3))).rejects.toThrow(message);
    await storage.save({ hardState: { term: 2, vote: 'a', commit: 4 }, entries: makeEntries(4, 1, 2) });
    const state = await subject.open().load();
    expect(state.entries).toEqual(makeEntries(1, 4, 2));
    expect(state.hardState).toEqual({ term: 2, vote: 'a', commit: 4 });
  });

  it('a vote may be cast once in a term that had none', async () => {
    const storage = await fresh();
    await storage.save({ hardState: { term: 5, vote: '', commit: 0 }, entries: [] });
    await storage.save({ hardState: { term: 5, vote: 'c', commit: 0 }, entries: [] });
    expect((await subject.open().load()).hardState).toEqual({ term: 5, vote: 'c', commit: 0 });
  });

  it('overlapping saves, and saves after close, are rejected', async () => {
    const storage = await fresh();
    const first = storage.save({ hardState: null, entries: makeEntries(1, 1, 1) });
    await expect(storage.save({ hardState: null, entries: makeEntries(2, 1, 1) })).rejects.toThrow(/in flight/);
    await first;
    await storage.close();
    await storage.close();
    await expect(storage.save({ hardState: null, entries: makeEntries(2, 1, 1) })).rejects.toThrow(/after close/);
    expect((await subject.open().load()).entries).toEqual(makeEntries(1, 1, 1));
  });
});
