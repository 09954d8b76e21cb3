// A crash during the last write leaves a prefix of it on disk. Whatever byte the file ends at, the
// log must come back as exactly the saves that completed before it, report the cut, and take new
// saves after it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SaveUpdate } from './save-plan';
import { type Checkpoint, makeEntries, makeTempDir, recordLog, removeDir, segmentFile } from './test-kit';
import { WalStorage } from './wal';
import { SEGMENT_START_BYTES } from './wal-format';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) removeDir(dir);
});

const SAVES: SaveUpdate[] = [
  { hardState: { term: 1, vote: 'a', commit: 0 }, entries: makeEntries(1, 3, 1, 20) },
  { hardState: { term: 1, vote: 'a', commit: 3 }, entries: makeEntries(4, 3, 1, 50) },
  { hardState: { term: 1, vote: 'a', commit: 5 }, entries: [] },
  // A conflicting suffix: the truncate marker and its replacement entries are in this one record.
  { hardState: null, entries: makeEntries(6, 2, 2, 33) },
  { hardState: { term: 1, vote: 'a', commit: 7 }, entries: makeEntries(8, 1, 2, 90) },
];

describe('WAL torn tail', () => {
  it('a cut at every byte offset loads exactly the saves before it and reports the cut', async () => {
    const dir = makeTempDir('torn-src');
    dirs.push(dir);
    const { checkpoints, lastSegment } = await recordLog(dir, SAVES);
    const fresh: Checkpoint = { segment: 1, bytes: 0, hardState: { term: 1, vote: 'a', commit: 0 }, entries: [] };
    // A segment holding just its whole header and base record is a clean, empty segment.
    const points = [fresh, { ...fresh, bytes: SEGMENT_START_BYTES }, ...checkpoints];
    const fileBytes = checkpoints.at(-1)!.bytes;
    const work = path.join(makeTempDir('torn-cut'), 'node');
    dirs.push(path.dirname(work));
    fs.cpSync(dir, work, { recursive: true });
    const pristine = fs.readFileSync(segmentFile(dir, lastSegment));
    let cutsReported = 0;

    for (let cut = 0; cut <= fileBytes; cut++) {
      // Only the segment changes below (no term or vote change), so rewriting it resets the copy.
      fs.writeFileSync(segmentFile(work, lastSegment), pristine.subarray(0, cut));
      const before = points.filter((point) => point.bytes <= cut).at(-1)!;
      const storage = new WalStorage(work);
      const state = await storage.load();
      const context = `cut at ${cut} of ${fileBytes}`;
      expect(state.entries, context).toEqual(before.entries);
      expect(state.hardState, context).toEqual(before.hardState);
      expect(state.recovery.truncatedBytes, context).toBe(cut - before.bytes);
      expect(state.recovery.truncatedRecords, context).toBe(cut > before.bytes ? 1 : 0);
      if (cut > before.bytes) {
        cutsReported++;
        expect(state.recovery.message, context).toContain(`from 00000001.wal at offset ${before.bytes}`);
      } else {
        expect(state.recovery.message, context).toBeNull();
      }
      expect(fs.statSync(segmentFile(work, lastSegment)).size, context).toBe(before.bytes);

      // The next save lands right after the cut and loads back.
      const next = makeEntries(before.entries.length + 1, 2, 3, 10);
      const commit = before.entries.length + 1;
      await storage.save({ hardState: { ...before.hardState, commit }, entries: next });
      await storage.close();
      const again = new WalStorage(work);
      const reloaded = await again.load();
      await again.close();
      expect(reloaded.entries, context).toEqual([...before.entries, ...next]);
      expect(reloaded.hardState, context).toEqual({ ...before.hardState, commit });
      expect(reloaded.recovery.truncatedBytes, context).toBe(0);
    }
    // Every offset that was not a record boundary was reported as a cut.
    expect(cutsReported).toBe(fileBytes + 1 - points.length);
  }, 120_000);

  it('a cut inside a freshly rotated last segment keeps every earlier segment', async () => {
    const saves: SaveUpdate[] = [{ hardState: { term: 1, vote: 'a', commit: 0 }, entries: [] }];
    for (let index = 1; index <= 40; index += 4) {
      saves.push({ hardState: { term: 1, vote: 'a', commit: index - 1 }, entries: makeEntries(index, 4, 1, 120) });
    }
    const dir = makeTempDir('torn-src');
    dirs.push(dir);
    const { checkpoints, lastSegment } = await recordLog(dir, saves, 2048);
    expect(lastSegment).toBeGreaterThan(2);
    // The first save that went into the last segment (its length dropped), and the state before it.
    const firstOfLast = checkpoints.findLastIndex((point, i) => i > 0 && point.bytes < checkpoints[i - 1]!.bytes);
    expect(firstOfLast).toBeGreaterThan(0);
    const start = checkpoints[firstOfLast - 1]!;
    const points = [
      { ...start, bytes: 0 },
      { ...start, bytes: SEGMENT_START_BYTES },
      ...checkpoints.slice(firstOfLast),
    ];
    const work = path.join(makeTempDir('torn-rotated'), 'node');
    dirs.push(path.dirname(work));
    fs.cpSync(dir, work, { recursive: true });
    const pristine = fs.readFileSync(segmentFile(dir, lastSegment));
    for (let cut = 0; cut <= pristine.length; cut++) {
      // Only the last segment changes below (saves without hard state), so rewriting it resets the copy.
      fs.writeFileSync(segmentFile(work, lastSegment), pristine.subarray(0, cut));
      const before = points.filter((point) => point.bytes <= cut).at(-1)!;
      const storage = new WalStorage(work, { segmentMaxBytes: 2048 });
      const state = await storage.load();
      const context = `cut at ${cut} of ${pristine.length} in segment ${lastSegment}`;
      expect(state.entries, context).toEqual(before.entries);
      expect(state.hardState, context).toEqual(before.hardState);
      expect(state.recovery.truncatedBytes, context).toBe(cut - before.bytes);
      // Appending after the cut is covered at every offset by the test above; here, a sample.
      if (cut % 16 === 0 || points.some((point) => Math.abs(point.bytes - cut) <= 1)) {
        const next = makeEntries(before.entries.length + 1, 1, 1, 5);
        await storage.save({ hardState: null, entries: next });
        await storage.close();
        const again = new WalStorage(work, { segmentMaxBytes: 2048 });
        expect((await again.load()).entries, context).toEqual([...before.entries, ...next]);
        await again.close();
      } else {
        await storage.close();
      }
    }
  }, 120_000);
});
