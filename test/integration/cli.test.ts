// The command line as a user meets it (CONTRACTS.md §2): bad configurations exit 2 naming the bad
// item, a port in use exits 1 naming the port, --help works everywhere, the seed's trailing 0 is
// accepted with a note, and SIGTERM stops a node cleanly with exit 0.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RespClient } from '../../src/main/net/resp-client';
import { connect, text, waitFor } from './support/cluster';
import { freePort } from './support/ports';
import { runRaftlab, spawnRaftlab } from './support/processes';

describe('raftlab configuration errors exit 2 and name the bad item', () => {
  it.each([
    ['an empty list', '[]', /empty/i],
    ['an empty group', "[['127.0.0.1:5001'], []]", /group 1.*empty|empty.*group 1/i],
    ['an address that is not host:port', "[['127.0.0.1-5001']]", /127\.0\.0\.1-5001/],
    ['a port outside 1..65535', "[['127.0.0.1:70000']]", /70000/],
    [
      'an address listed twice',
      "[['127.0.0.1:5001'], ['127.0.0.1:5001']]",
      /127\.0\.0\.1:5001.*twice|twice.*127\.0\.0\.1:5001|duplicate/i,
    ],
    ['unbalanced brackets', "[['127.0.0.1:5001']", /bracket|unterminated|expected/i],
    ['trailing text', "[['127.0.0.1:5001']] and more", /trailing|after/i],
  ])(
    '%s',
    async (_name, config, message) => {
      const run = await runRaftlab(['node', '127.0.0.1', '5001', config]);
      expect(run.code).toBe(2);
      expect(run.output).toMatch(message);
      expect(run.output).toMatch(/usage/i);
    },
    30_000,
  );

  it('never evaluates the configuration as code', async () => {
    const run = await runRaftlab(['cluster', '--partitions', "__import__('os').system('touch /tmp/raftlab-pwned')"]);
    expect(run.code).toBe(2);
  }, 30_000);
});

describe('raftlab help', () => {
  it.each(['--help', 'node --help', 'cluster --help', 'client --help'])(
    'raftlab %s prints usage and exits 0',
    async (line) => {
      const run = await runRaftlab(line.split(' '));
      expect(run.code).toBe(0);
      expect(run.output).toMatch(/usage/i);
    },
    30_000,
  );
});

/** A client of the node on `port`, once it accepts connections. */
function connectOnceServing(port: number, what: string): Promise<RespClient> {
  return waitFor(what, async () => {
    try {
      return await connect(`127.0.0.1:${port}`);
    } catch {
      return null;
    }
  });
}

describe('raftlab node', () => {
  it('names a port already in use and exits 1', async () => {
    const port = await freePort();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const run = await runRaftlab(['node', '127.0.0.1', String(port), `[['127.0.0.1:${port}']]`, '--in-memory']);
      expect(run.code).toBe(1);
      expect(run.output).toContain(String(port));
      expect(run.output).toMatch(/in use/);
    } finally {
      blocker.close();
    }
  }, 30_000);

  it('started twice on one data folder, the second exits 1 naming the first, which keeps serving', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'raftlab-twice-'));
    const args = ['node', '127.0.0.1', String(port), `[['127.0.0.1:${port}']]`, '--data-dir', dataDir];
    const first = spawnRaftlab(args);
    try {
      const client = await connectOnceServing(port, 'the first node to accept clients');
      await waitFor('a leader', async () => text(await client.command('SET', 'k', 'v1')) === 'OK');
      const second = await runRaftlab(args);
      expect(second.code).toBe(1);
      expect(second.output).toContain(`in use by process ${first.child.pid}`);
      expect(text(await client.command('SET', 'k', 'v2'))).toBe('OK');
      expect(text(await client.command('GET', 'k'))).toBe('v2');
      client.close();
    } finally {
      first.child.kill('SIGKILL');
      await first.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);

  it("accepts the seed's form with its trailing 0, serves, and stops cleanly on SIGTERM", async () => {
    const port = await freePort();
    const node = spawnRaftlab(['127.0.0.1', String(port), `[['127.0.0.1:${port}']]`, '0', '--in-memory']);
    try {
      const client = await connectOnceServing(port, 'the node to accept clients');
      await waitFor('a leader', async () => text(await client.command('SET', 'k', 'v')) === 'OK');
      expect(text(await client.command('GET', 'k'))).toBe('v');
      client.close();
      expect(node.output()).toMatch(/note: .*0/i);
      node.child.kill('SIGTERM');
      expect(await node.exited).toBe(0);
      // The port is free again.
      const probe = createServer();
      await new Promise<void>((resolve, reject) => {
        probe.once('error', reject);
        probe.listen(port, '127.0.0.1', resolve);
      });
      probe.close();
    } finally {
      node.child.kill('SIGKILL');
    }
  }, 30_000);
});
