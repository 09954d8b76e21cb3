// The host's note of the live ring: read back as written, and a bootstrap string that contradicts
// it is refused naming both.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LiveRingError, readLiveRing, writeLiveRing } from './live-ring-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'raftlab-live-ring-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const bootstrap = [['127.0.0.1:5001'], ['127.0.0.1:5002']];
const record = {
  bootstrap,
  groupsEver: [...bootstrap, ['127.0.0.1:5003']],
  ring: {
    version: 2,
    groups: [0, 1, 2].map((id) => ({ id, members: [`127.0.0.1:${5001 + id}`] })),
  },
  pending: null,
};

describe('live-ring.json', () => {
  it('reads back what was written; a folder without one has none', async () => {
    const path = join(dir, 'live-ring.json');
    expect(await readLiveRing(path, bootstrap)).toBeNull();
    await writeLiveRing(path, record);
    expect(await readLiveRing(path, bootstrap)).toEqual(record);
  });

  it('refuses a bootstrap string that contradicts the live ring, naming both', async () => {
    const path = join(dir, 'live-ring.json');
    await writeLiveRing(path, record);
    const other = [['127.0.0.1:6001']];
    const error = await readLiveRing(path, other).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LiveRingError);
    expect((error as Error).message).toContain('127.0.0.1:6001');
    expect((error as Error).message).toContain('ring v2: group 0 [127.0.0.1:5001]; group 1 [127.0.0.1:5002]; group 2');
  });

  it('refuses a garbled record, saying which file', async () => {
    const path = join(dir, 'live-ring.json');
    writeFileSync(path, '{"ring": 3');
    await expect(readLiveRing(path, bootstrap)).rejects.toThrow(path);
  });
});
