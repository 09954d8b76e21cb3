// Damage the disk did after data was durable. Only the last record may be dropped (it may be the
// torn, never-acknowledged last write); anything else must stop the node with a message that names
// the file and the offset, and must leave the files exactly as they were.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SaveUpdate } from './save-plan';
import { SnapshotStore } from './snapshot-store';
import {
  type Checkpoint,
  flipBit,
  makeEntries,
  makeTempDir,
  recordLog,
  removeDir,
  segmentFile,
  segmentFiles,
} from './test-kit';
import { StorageCorruptError } from './types';
import { WalStorage } from './wal';
import { SEGMENT_HEADER_RECORD_BYTES, SEGMENT_START_BYTES } from './wal-format';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) removeDir(dir);
});

function scratchCopy(source: string): string {
  const target = path.join(makeTempDir('corrupt'), 'node');
  dirs.push(path.dirname(target));
  fs.cpSync(source, target, { recursive: true });
  return target;
}

async function loadAndClose(dir: string, segmentMaxBytes?: number) {
  const storage = new WalStorage(dir, segmentMaxBytes === undefined ? {} : { segmentMaxBytes });
  try {
    return await storage.load();
  } finally {
    await storage.close();
  }
}

async function expectRefusal(dir: string, pattern: RegExp, segmentMaxBytes?: number): Promise<void> {
  const error = await loadAndClose(dir, segmentMaxBytes).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error, `expected a refusal matching ${pattern}`).toBeInstanceOf(StorageCorruptError);
  expect((error as Error).message).toMatch(pattern);
}

function snapshotFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of segmentFiles(dir)) files.set(name, fs.readFileSync(path.join(dir, 'wal', name)));
  files.set('hardstate', fs.readFileSync(path.join(dir, 'hardstate')));
  return files;
}

const SAVES: SaveUpdate[] = [
  { hardState: { term: 1, vote: 'a', commit: 0 }, entries: makeEntries(1, 2, 1, 24) },
  { hardState: { term: 1, vote: 'a', commit: 2 }, entries: makeEntries(3, 3, 1, 40) },
  { hardState: { term: 1, vote: 'a', commit: 4 }, entries: [] },
  { hardState: { term: 1, vote: 'a', commit: 5 }, entries: makeEntries(6, 2, 1, 30) },
];

describe('WAL corruption in one segment', { timeout: 120_000 }, () => {
  let source = '';
  let checkpoints: Checkpoint[] = [];
  beforeAll(async () => {
    source = makeTempDir('corrupt-src');
    dirs.push(source);
    ({ checkpoints } = await recordLog(source, SAVES));
  });

  it('a flipped bit anywhere in the last record is cut as a torn tail', async () => {
    const lastStart = checkpoints.at(-2)!.bytes;
    const end = checkpoints.at(-1)!.bytes;
    for (let offset = lastStart; offset < end; offset++) {
      const dir = scratchCopy(source);
      flipBit(segmentFile(dir, 1), offset);
      const state = await loadAndClose(dir);
      const context = `bit flipped at offset ${offset}`;
      expect(state.entries, context).toEqual(checkpoints.at(-2)!.entries);
      expect(state.hardState, context).toEqual(checkpoints.at(-2)!.hardState);
      expect(state.recovery, context).toMatchObject({ truncatedBytes: end - lastStart, truncatedRecords: 1 });
      expect(state.recovery.message, context).toContain(`00000001.wal at offset ${lastStart}`);
      removeDir(path.dirname(dir));
    }
  });

  it('a flipped bit in a record followed by valid records refuses, naming file and offset, and changes nothing', async () => {
    // Every byte of the segment header, its base record and the two records after them.
    const records = [
      { start: 0, end: checkpoints[0]!.bytes },
      { start: checkpoints[0]!.bytes, end: checkpoints[1]!.bytes },
      { start: checkpoints[1]!.bytes, end: checkpoints[2]!.bytes },
    ];
    for (const { start, end } of records) {
      for (let offset = start; offset < end; offset++) {
        const dir = scratchCopy(source);
        flipBit(segmentFile(dir, 1), offset);
        const before = snapshotFiles(dir);
        // The first range holds the segment header, its base record and then the first save record.
        const recordStart =
          offset < SEGMENT_HEADER_RECORD_BYTES
            ? 0
            : offset < SEGMENT_START_BYTES
              ? SEGMENT_HEADER_RECORD_BYTES
              : Math.max(start, SEGMENT_START_BYTES);
        await expectRefusal(dir, new RegExp(`00000001\\.wal at offset ${recordStart}, followed by a valid record`));
        expect(snapshotFiles(dir), `bit flipped at offset ${offset}`).toEqual(before);
        removeDir(path.dirname(dir));
      }
    }
  });

  it('a flipped bit anywhere in the hardstate file refuses, naming the file', async () => {
    const size = fs.statSync(path.join(source, 'hardstate')).size;
    for (let offset = 0; offset < size; offset++) {
      const dir = scratchCopy(source);
      flipBit(path.join(dir, 'hardstate'), offset);
      await expectRefusal(dir, new RegExp(`hardstate: .* in ${escapeRegExp(path.join(dir, 'hardstate'))}`));
      removeDir(path.dirname(dir));
    }
  });

  it('an empty or truncated hardstate file refuses', async () => {
    const dir = scratchCopy(source);
    fs.truncateSync(path.join(dir, 'hardstate'), 10);
    await expectRefusal(dir, /hardstate: file too short/);
    fs.writeFileSync(path.join(dir, 'hardstate'), '');
    await expectRefusal(dir, /hardstate: file too short/);
  });
});

describe('WAL corruption across segments', { timeout: 120_000 }, () => {
  let source = '';
  let lastSegment = 0;
  let checkpoints: Checkpoint[] = [];
  beforeAll(async () => {
    source = makeTempDir('corrupt-rotated');
    dirs.push(source);
    const saves: SaveUpdate[] = [];
    for (let index = 1; index <= 30; index += 3) {
      saves.push({ hardState: { term: 1, vote: 'a', commit: index - 1 }, entries: makeEntries(index, 3, 1, 100) });
    }
    ({ checkpoints, lastSegment } = await recordLog(source, saves, 1024));
  });

  it('a flipped bit in the last record of an earlier segment refuses', async () => {
    expect(lastSegment).toBeGreaterThanOrEqual(3);
    const inFirst = checkpoints.filter((point) => point.segment === 1);
    const start = inFirst.at(-2)!.bytes;
    const end = inFirst.at(-1)!.bytes;
    for (let offset = start; offset < end; offset += 7) {
      const dir = scratchCopy(source);
      flipBit(segmentFile(dir, 1), offset);
      await expectRefusal(dir, new RegExp(`00000001\\.wal at offset ${start}, which is not the last segment`), 1024);
      removeDir(path.dirname(dir));
    }
  });

  it('an earlier segment cut short refuses', async () => {
    const dir = scratchCopy(source);
    const size = fs.statSync(segmentFile(dir, 2)).size;
    fs.truncateSync(segmentFile(dir, 2), size - 1);
    await expectRefusal(
      dir,
      /incomplete record .* in .*00000002\.wal at offset \d+, which is not the last segment/,
      1024,
    );
  });

  it('a missing segment in the numbering refuses, naming it', async () => {
    const dir = scratchCopy(source);
    fs.unlinkSync(segmentFile(dir, 2));
    await expectRefusal(dir, /segment 00000002\.wal is missing .* after 00000001\.wal/, 1024);
  });

  it('a missing first segment moves the log start, and with no snapshot covering it the node refuses', async () => {
    // Compaction deletes leading segments, so the WAL alone cannot tell a lost first segment from a
    // compacted one: the first segment left says where the log starts, and the snapshot store
    // refuses when no snapshot covers that start.
    const first = scratchCopy(source);
    fs.unlinkSync(segmentFile(first, 1));
    const state = await loadAndClose(first, 1024);
    const inFirst = checkpoints.filter((point) => point.segment === 1).at(-1)!;
    expect(state.snapshot.index).toBe(inFirst.entries.length);
    expect(state.entries).toEqual(checkpoints.at(-1)!.entries.slice(inFirst.entries.length));
    const refusal = await new SnapshotStore(first).load(state.snapshot.index).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(StorageCorruptError);
    expect((refusal as Error).message).toMatch(
      new RegExp(`the log starts after index ${inFirst.entries.length} but .* holds no snapshot; refusing to start`),
    );
  });

  it('a segment renamed into another place in the numbering refuses', async () => {
    const dir = scratchCopy(source);
    const last = segmentFile(dir, lastSegment);
    fs.renameSync(last, segmentFile(dir, lastSegment + 1));
    fs.copyFileSync(segmentFile(dir, 1), last);
    await expectRefusal(dir, new RegExp(`header of segment 1 in ${escapeRegExp(last)} at offset 0`), 1024);
  });

  it('the undamaged rotated log loads whole', async () => {
    const state = await loadAndClose(scratchCopy(source), 1024);
    expect(state.entries).toEqual(checkpoints.at(-1)!.entries);
    expect(state.recovery.truncatedBytes).toBe(0);
  });
});
