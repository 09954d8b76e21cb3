// Which secret a node or a cluster runs with, from flags, the environment and the data folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { INSECURE_SECRET } from '../net/peer-auth';
import { DEFAULT_RUN_OPTIONS } from './options';
import { clusterSecret, nodeSecret } from './secret-source';

const folders: string[] = [];
function options(overrides: Partial<typeof DEFAULT_RUN_OPTIONS> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'raftlab-secret-source-'));
  folders.push(dataDir);
  return { ...DEFAULT_RUN_OPTIONS, dataDir, ...overrides };
}
afterEach(() => {
  for (const made of folders.splice(0)) rmSync(made, { recursive: true, force: true });
});

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString();

describe('the secret of raftlab node', () => {
  it('defaults to <data-dir>/cluster.secret, made on first use', async () => {
    const run = options();
    const loaded = await nodeSecret(run, 3, {});
    expect(loaded.origin).toBe(join(run.dataDir, 'cluster.secret'));
    expect(text((await nodeSecret(run, 3, {})).secret)).toBe(text(loaded.secret));
  });

  it('takes RAFTLAB_SECRET over the file, refuses it empty, and --insecure over both', async () => {
    const run = options();
    expect(text((await nodeSecret(run, 3, { RAFTLAB_SECRET: 'from the environment!' })).secret)).toBe(
      'from the environment!',
    );
    await expect(nodeSecret(run, 3, { RAFTLAB_SECRET: ' ' })).rejects.toThrow(/set but empty: unset it/);
    const insecure = await nodeSecret({ ...run, insecure: true }, 3, { RAFTLAB_SECRET: 'from the environment!' });
    expect(insecure.secret).toBe(INSECURE_SECRET);
    expect(insecure.notes.join(' ')).toMatch(/ignoring RAFTLAB_SECRET/);
  });

  it('in memory: a group of one needs no shared secret, a larger group must be given one', async () => {
    const run = options({ inMemory: true });
    expect((await nodeSecret(run, 1, {})).secret.length).toBe(32);
    await expect(nodeSecret(run, 3, {})).rejects.toThrow(/--in-memory writes no cluster\.secret/);
  });
});

describe('the secret of raftlab cluster', () => {
  it('is left to the cluster host unless a flag or the environment gives one', async () => {
    expect(await clusterSecret(options(), {})).toBeNull();
    expect(text((await clusterSecret(options(), { RAFTLAB_SECRET: 'sixteen or more bytes' }))!.secret)).toBe(
      'sixteen or more bytes',
    );
  });
});
