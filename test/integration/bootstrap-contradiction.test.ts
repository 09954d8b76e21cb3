// CONTRACTS.md §2: the bootstrap string is only the first configuration; a restart with a string
// that contradicts the data folder's is an error naming both (exit 2), and the folder is untouched.
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from './support/cluster';
import { freePort } from './support/ports';
import { runRaftlab, spawnRaftlab } from './support/processes';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

describe('a raftlab node restarted with another bootstrap string', () => {
  it('exits 2 naming both strings, and starts again with the first', async () => {
    const dataDir = fs.mkdtempSync(join(tmpdir(), 'raftlab-bootstrap-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
    const first = `[['127.0.0.1:${p1}', '127.0.0.1:${p2}']]`;
    const other = `[['127.0.0.1:${p1}', '127.0.0.1:${p3}']]`;
    const args = (partitions: string) => [
      'node',
      '127.0.0.1',
      String(p1),
      partitions,
      '--data-dir',
      dataDir,
      '--insecure',
    ];

    const node = spawnRaftlab(args(first));
    cleanups.push(() => node.child.kill('SIGKILL'));
    await waitFor('the node to serve', () => node.output().includes('serving RESP'), 20_000);
    node.child.kill('SIGTERM');
    expect(await node.exited).toBe(0);

    const refused = await runRaftlab(args(other));
    expect(refused.code).toBe(2);
    expect(refused.output).toContain(`127.0.0.1:${p3}`);
    expect(refused.output).toContain(`127.0.0.1:${p2}`);
    expect(refused.output).toMatch(/contradict/);

    const again = spawnRaftlab(args(first));
    cleanups.push(() => again.child.kill('SIGKILL'));
    await waitFor('the node to serve again', () => again.output().includes('serving RESP'), 20_000);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  }, 60_000);
});
