// A node's data folder as real `raftlab node` processes meet it: after kill -9 the folder is free at
// once, also while the killed node is a zombie nobody reaps (a container's init, a benchmark loop
// that kills and restarts leaders); and what the node writes there is private to its user (0700
// folders, 0600 files) whatever umask it was started with.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RespClient } from '../../src/main/net/resp-client';
import { processState } from '../../src/main/testing/process-state';
import { connect, text, waitFor } from './support/cluster';
import { freePort } from './support/ports';
import { REPO_ROOT, spawnRaftlab } from './support/processes';

const CLI = join(REPO_ROOT, 'src', 'main', 'cli.ts');

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(join(tmpdir(), 'raftlab-folder-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function killOnCleanup(child: ChildProcess): void {
  cleanups.push(() => child.kill('SIGKILL'));
}

/**
 * A client of the node on `port` once it answers SET (it leads its one-node group). A connection
 * the kernel accepted for a node still dying is reset: that attempt is dropped and tried again.
 */
async function servingClient(port: number): Promise<RespClient> {
  const client = await waitFor('the node to serve', async () => {
    let attempt: RespClient | null = null;
    try {
      attempt = await connect(`127.0.0.1:${port}`);
      if (text(await attempt.command('SET', 'ready', 'yes')) === 'OK') return attempt;
    } catch {
      // Not listening yet, or a connection reset: try again.
    }
    attempt?.close();
    return null;
  });
  cleanups.push(() => client.close());
  return client;
}

function nodeArgs(port: number, dataDir: string): string[] {
  return ['node', '127.0.0.1', String(port), `[['127.0.0.1:${port}']]`, '--data-dir', dataDir];
}

describe('a data folder after kill -9', () => {
  it('is taken by the restarted node, also while the killed one is a zombie that is never reaped', async () => {
    const port = await freePort();
    const dataDir = tempDir();

    const first = spawnRaftlab(nodeArgs(port, dataDir));
    killOnCleanup(first.child);
    const client = await servingClient(port);
    expect(text(await client.command('SET', 'k', 'v1'))).toBe('OK');
    first.child.kill('SIGKILL');
    await first.exited;

    // sh starts the node in the background, says its pid, and becomes `sleep`, which never waits:
    // the node, once killed, stays a zombie with its pid taken until the sleep ends.
    const script = `"$0" --import tsx "$@" & echo "pid $!"; exec sleep 300`;
    const parent = spawn('sh', ['-c', script, process.execPath, CLI, ...nodeArgs(port, dataDir)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    killOnCleanup(parent);
    let output = '';
    parent.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const second = await servingClient(port);
    expect(text(await second.command('GET', 'k'))).toBe('v1');
    const pid = Number(/pid ([0-9]+)/.exec(output)?.[1]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    await waitFor('the killed node to be a zombie', () => processState(pid) === 'Z');

    const third = spawnRaftlab(nodeArgs(port, dataDir));
    killOnCleanup(third.child);
    const client3 = await servingClient(port);
    expect(text(await client3.command('GET', 'k'))).toBe('v1');
    expect(processState(pid)).toBe('Z');
    expect(third.output()).not.toContain('in use');
  }, 60_000);
});

describe('private data', () => {
  it('folders are 0700 and files 0600 even under umask 000', async () => {
    const port = await freePort();
    const dataDir = join(tempDir(), 'made-by-the-node');
    const node = spawn(
      'sh',
      ['-c', 'umask 000; exec "$0" --import tsx "$@"', process.execPath, CLI, ...nodeArgs(port, dataDir)],
      {
        cwd: REPO_ROOT,
        stdio: 'ignore',
      },
    );
    killOnCleanup(node);
    const client = await servingClient(port);
    expect(text(await client.command('SET', 'secret', 'value'))).toBe('OK');

    const modes: Record<string, string> = {};
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = join(dir, entry.name);
        modes[full.slice(dataDir.length)] = (fs.statSync(full).mode & 0o777).toString(8);
        if (entry.isDirectory()) walk(full);
      }
    };
    modes['/'] = (fs.statSync(dataDir).mode & 0o777).toString(8);
    walk(dataDir);
    const files = Object.keys(modes).filter((name) => name !== '/' && !fs.statSync(join(dataDir, name)).isDirectory());
    // The node's folder, its wal/ folder, the hard state and a segment at least.
    expect(files.some((name) => name.endsWith('hardstate'))).toBe(true);
    expect(files.some((name) => name.endsWith('.wal'))).toBe(true);
    const expected = Object.fromEntries(Object.keys(modes).map((name) => [name, files.includes(name) ? '600' : '700']));
    expect(modes).toEqual(expected);
  }, 60_000);
});
