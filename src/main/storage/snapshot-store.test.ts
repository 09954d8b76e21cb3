// The snapshot files: what is written reads back, a flipped bit is caught and named, a corrupt newest
// snapshot is skipped only when an older one and the log cover it, and a failed write leaves the
// previous snapshot in place.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SnapshotMeta } from '../../shared/raft/types';
import { nodeFileOps } from './file-ops';
import { snapshotFileName } from './snapshot-file';
import { SNAPSHOT_FOLDER, type SnapshotStorage, SnapshotStore } from './snapshot-store';
import { errnoError, flipBit, instrumentedOps, makeTempDir, removeDir } from './test-kit';
import { StorageCorruptError } from './types';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) removeDir(dir);
});

function nodeDir(): string {
  const dir = makeTempDir('snap');
  dirs.push(dir);
  return dir;
}

function meta(index: number, term = 2): SnapshotMeta {
  return { index, term, membership: { voters: ['127.0.0.1:5001', '127.0.0.1:5002'], learners: ['127.0.0.1:5009'] } };
}

/** A body of `chunks` chunks whose bytes depend on the index, so a mix-up shows. */
function body(index: number, chunks = 3, chunkBytes = 1000): Uint8Array[] {
  return Array.from({ length: chunks }, (_, c) => {
    const bytes = new Uint8Array(chunkBytes);
    for (let i = 0; i < chunkBytes; i++) bytes[i] = (index * 7 + c * 31 + i) & 0xff;
    return bytes;
  });
}

async function readBody(store: SnapshotStorage, file: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of (await store.open(file)).chunks()) parts.push(chunk);
  return Buffer.concat(parts);
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const result = await promise.then(
    () => null,
    (error: unknown) => error,
  );
  expect(result, 'expected a rejection').toBeInstanceOf(Error);
  return result as Error;
}

describe('snapshot files', () => {
  it('a written snapshot loads back with its meta, membership and body, under snap-<16 digits>.snap', async () => {
    const dir = nodeDir();
    const store = new SnapshotStore(dir);
    await store.load(0);
    const written = await store.write(meta(1234), body(1234));
    expect(path.basename(written.path)).toBe('snap-0000000000001234.snap');
    expect(written.bytes).toBe(fs.statSync(written.path).size);
    expect(fs.readdirSync(path.join(dir, SNAPSHOT_FOLDER))).toEqual(['snap-0000000000001234.snap']);

    const again = new SnapshotStore(dir);
    const loaded = await again.load(0);
    expect(loaded.snapshot?.meta).toEqual(meta(1234));
    expect(loaded.skipped).toEqual([]);
    expect(await readBody(again, loaded.snapshot!.path)).toEqual(Buffer.concat(body(1234)));
  });

  it('the body is read back in bounded chunks', async () => {
    const dir = nodeDir();
    const store = new SnapshotStore(dir);
    await store.load(0);
    const written = await store.write(meta(9), body(9, 1, 1_000_000));
    const sizes: number[] = [];
    for await (const chunk of (await store.open(written.path)).chunks()) sizes.push(chunk.byteLength);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(256 * 1024);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1_000_000);
  });

  it('a flipped bit anywhere in the only snapshot refuses to start, naming the file, when the log starts after it', async () => {
    const dir = nodeDir();
    const store = new SnapshotStore(dir);
    await store.load(0);
    const written = await store.write(meta(500), body(500, 1, 300));
    const pristine = fs.readFileSync(written.path);
    for (let offset = 0; offset < pristine.length; offset += 5) {
      fs.writeFileSync(written.path, pristine);
      flipBit(written.path, offset);
      const error = await failure(new SnapshotStore(dir).load(500));
      expect(error, `bit flipped at ${offset}`).toBeInstanceOf(StorageCorruptError);
      expect(error.message, `bit flipped at ${offset}`).toContain(written.path);
      expect(error.message).toMatch(/refusing to start/);
    }
  });

  it('a corrupt newest snapshot is skipped, and named, when an older one and the log cover it', async () => {
    const dir = nodeDir();
    const store = new SnapshotStore(dir);
    await store.load(0);
    await store.write(meta(100), body(100));
    const newest = await store.write(meta(200), body(200));
    flipBit(newest.path, newest.bytes - 10);
    // The WAL still holds everything after index 80: the older snapshot plus the log cover 200.
    const loaded = await new SnapshotStore(dir).load(80);
    expect(loaded.snapshot?.meta.index).toBe(100);
    expect(loaded.skipped).toHaveLength(1);
    expect(loaded.skipped[0]).toContain(newest.path);
    expect(loaded.skipped[0]).toMatch(/body checksum mismatch/);
  });

  it('a corrupt newest snapshot refuses, naming it, when the log no longer covers the gap to the older one', async () => {
    const dir = nodeDir();
    const store = new SnapshotStore(dir);
    await store.load(0);
    await store.write(meta(100), body(100));
    const newest = await store.write(meta(200), body(200));
    flipBit(newest.path, 3);
    // The WAL was compacted through 150: entries 101..150 exist only in the corrupt snapshot.
    const error = await failure(new SnapshotStore(dir).load(150));
    expect(error).toBeInstanceOf(StorageCorruptError);
    expect(error.message).toContain(`${newest.path} is corrupt`);
    expect(error.message).toMatch(/the log starts after index 150/);
  });

  it('prune keeps the latest and the one before it', async () => {
    const dir = nodeDir();
    const store = new SnapshotStore(dir);
    await store.load(0);
    for (const index of [10, 20, 30, 40]) await store.write(meta(index), body(index));
    await store.prune();
    expect(fs.readdirSync(path.join(dir, SNAPSHOT_FOLDER)).sort()).toEqual([
      snapshotFileName(30),
      snapshotFileName(40),
    ]);
    expect(store.latest()?.meta.index).toBe(40);
  });

  it('adopt takes a whole received file into place and refuses a corrupt one, leaving the latest as it was', async () => {
    const sender = nodeDir();
    const senderStore = new SnapshotStore(sender);
    await senderStore.load(0);
    const sent = await senderStore.write(meta(700), body(700));

    const dir = nodeDir();
    const store = new SnapshotStore(dir);
    await store.load(0);
    await store.write(meta(300), body(300));

    const bad = store.incomingPath('127.0.0.1:5001', meta(700));
    fs.copyFileSync(sent.path, bad);
    flipBit(bad, sent.bytes - 1);
    expect((await failure(store.adopt(bad))).message).toContain(bad);
    expect(store.latest()?.meta.index).toBe(300);
    await store.discard(bad);
    expect(fs.existsSync(bad)).toBe(false);

    const good = store.incomingPath('127.0.0.1:5001', meta(700));
    fs.copyFileSync(sent.path, good);
    const adopted = await store.adopt(good);
    expect(adopted.meta).toEqual(meta(700));
    expect(path.basename(adopted.path)).toBe(snapshotFileName(700));
    expect(await readBody(store, adopted.path)).toEqual(Buffer.concat(body(700)));
    expect((await new SnapshotStore(dir).load(0)).snapshot?.meta.index).toBe(700);
  });

  it('a write that fails (a full disk) rejects, leaves no file under a snapshot name, and the previous one loads', async () => {
    const dir = nodeDir();
    let full = false;
    const { ops } = instrumentedOps(nodeFileOps, (op) => {
      if (full && op === 'write') throw errnoError('ENOSPC', 'no space left on device');
    });
    const store = new SnapshotStore(dir, ops);
    await store.load(0);
    await store.write(meta(100), body(100));
    full = true;
    const error = await failure(store.write(meta(200), body(200)));
    expect(error.message).toMatch(/snapshot: disk full \(ENOSPC\) writing .*snap-0000000000000200\.snap\.tmp/);
    expect(fs.readdirSync(path.join(dir, SNAPSHOT_FOLDER))).toEqual([snapshotFileName(100)]);
    expect(store.latest()?.meta.index).toBe(100);
    expect((await new SnapshotStore(dir).load(0)).snapshot?.meta.index).toBe(100);
  });

  it('a temp file left by a crash is never read, and is removed at load', async () => {
    const dir = nodeDir();
    const store = new SnapshotStore(dir);
    await store.load(0);
    await store.write(meta(100), body(100));
    const temp = path.join(dir, SNAPSHOT_FOLDER, `${snapshotFileName(200)}.tmp`);
    fs.writeFileSync(temp, 'half a snapshot');
    const loaded = await new SnapshotStore(dir).load(0);
    expect(loaded.snapshot?.meta.index).toBe(100);
    expect(fs.existsSync(temp)).toBe(false);
  });
});
