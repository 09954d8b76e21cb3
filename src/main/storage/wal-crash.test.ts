// Append, crash, recover, over and over, against the in-memory twin as the model. A "crash" abandons
// the instance without close(); sometimes it also tears the last save (cuts the file somewhere inside
// the bytes that save wrote, as a power cut during its write would), and then the model must not
// have that save either. Seeded, so a failure names the seed that replays it.
import * as fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Entry } from '../../shared/raft/types';
import { SeededRandom } from '../../shared/random';
import { MemoryDisk, MemoryStorage } from './memory';
import type { SaveUpdate } from './save-plan';
import { entryData, makeTempDir, removeDir, segmentFile, segmentFiles } from './test-kit';
import { WalStorage } from './wal';
import { SEGMENT_START_BYTES } from './wal-format';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) removeDir(dir);
});

const VOTES = ['', '10.0.0.1:5001', '10.0.0.2:5002'];

/** A Raft-shaped update: appends, conflicting suffixes above the commit, elections, commit advances. */
function randomUpdate(random: SeededRandom, disk: MemoryDisk): SaveUpdate {
  const { term, vote, commit } = disk.hardState;
  const last = disk.entries.length;
  const withHardState = !random.chance(0.2);
  const nextTerm = withHardState && random.chance(0.15) ? term + 1 : term;
  const nextVote = nextTerm !== term ? VOTES[random.nextInt(VOTES.length)]! : vote;
  // Raft never replaces a committed entry, so a conflicting suffix starts above the commit.
  const first = last > commit && random.chance(0.2) ? commit + 1 + random.nextInt(last - commit) : last + 1;
  const count = random.chance(0.25) ? 0 : 1 + random.nextInt(random.chance(0.1) ? 80 : 12);
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    const index = first + i;
    const size = random.chance(0.05) ? 3000 : random.nextInt(200);
    entries.push({
      index,
      term: nextTerm,
      type: size === 0 ? 'noop' : 'normal',
      data: entryData(index, nextTerm, size),
    });
  }
  const lastAfter = count > 0 ? first + count - 1 : last;
  const nextCommit =
    random.chance(0.5) && lastAfter > commit ? commit + 1 + random.nextInt(lastAfter - commit) : commit;
  return { hardState: withHardState ? { term: nextTerm, vote: nextVote, commit: nextCommit } : null, entries };
}

function lastSegmentBytes(dir: string): { segment: number; bytes: number } {
  const segment = segmentFiles(dir).length;
  return { segment, bytes: segment === 0 ? 0 : fs.statSync(segmentFile(dir, segment)).size };
}

describe('WAL crash and recovery', () => {
  for (const seed of [7, 1013, 90210]) {
    it(`recovers exactly the completed saves after every crash (seed ${seed})`, async () => {
      const random = new SeededRandom(seed);
      const dir = makeTempDir(`crash-${seed}`);
      dirs.push(dir);
      const disk = new MemoryDisk();
      let tornBytes = 0;
      for (let round = 0; round < 30; round++) {
        const context = `seed ${seed}, round ${round}`;
        const wal = new WalStorage(dir, { segmentMaxBytes: 4096 });
        const model = new MemoryStorage(disk);
        const loaded = await wal.load();
        const expected = await model.load();
        expect(loaded.entries, context).toEqual(expected.entries);
        expect(loaded.hardState, context).toEqual(expected.hardState);
        expect(loaded.recovery.truncatedBytes, context).toBe(tornBytes);
        expect(loaded.recovery.truncatedRecords, context).toBe(tornBytes > 0 ? 1 : 0);

        tornBytes = 0;
        const saves = 1 + random.nextInt(6);
        for (let k = 0; k < saves; k++) {
          const update = randomUpdate(random, disk);
          const before = lastSegmentBytes(dir);
          await wal.save(update);
          const after = lastSegmentBytes(dir);
          const start = after.segment === before.segment ? before.bytes : 0;
          const wroteWal = after.segment !== before.segment || after.bytes > before.bytes;
          const { term, vote } = disk.hardState;
          const electing =
            update.hardState !== null && (update.hardState.term !== term || update.hardState.vote !== vote);
          // Tear only a last save that touched nothing but the WAL: a save that also replaced the
          // hardstate file is half durable by design (see wal.ts), which the model cannot express.
          if (k === saves - 1 && wroteWal && !electing && random.chance(0.5)) {
            const keep = start + random.nextInt(after.bytes - start);
            fs.truncateSync(segmentFile(dir, after.segment), keep);
            // A save that began a segment also wrote its header and base; once whole, they stay.
            const clean = start === 0 && keep >= SEGMENT_START_BYTES ? SEGMENT_START_BYTES : start;
            tornBytes = keep - clean;
            break;
          }
          await model.save(update);
        }
        // Crash: the instance is dropped without close().
      }
      const wal = new WalStorage(dir, { segmentMaxBytes: 4096 });
      const final = await wal.load();
      await wal.close();
      expect(final.entries.length).toBeGreaterThan(30);
      expect(segmentFiles(dir).length).toBeGreaterThan(3);
    }, 120_000);
  }
});
