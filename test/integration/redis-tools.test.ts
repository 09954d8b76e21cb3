// Stock Redis tools, which nobody here wrote, against a real group: proof that the protocol is
// RESP as Redis speaks it. `.ci/run` installs redis-tools; where they are missing the tests say so.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster, waitForLeaders } from './support/cluster';
import { portOf } from './support/ports';

const hasTool = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const missing = ['redis-cli', 'redis-benchmark'].filter((tool) => !hasTool(tool));
const why = `needs ${missing.join(' and ')} (apt-get install -y redis-tools)`;

let cluster: TestCluster;
beforeAll(async () => {
  if (missing.length > 0) return;
  cluster = await startCluster(1, 3);
  await waitForLeaders(cluster.host);
});
afterAll(async () => {
  await cluster?.close();
});

// Asynchronous on purpose: the nodes run in this process, so a synchronous child would block them.
const execFileAsync = promisify(execFile);

async function redisCli(id: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('redis-cli', ['-h', '127.0.0.1', '-p', String(portOf(id)), ...args], {
    timeout: 30_000,
  });
  return stdout.trim();
}

describe.skipIf(missing.length > 0)(`stock Redis tools (${missing.length > 0 ? why : 'present'})`, () => {
  it('redis-cli sets through one node and gets through every other', async () => {
    const [first, ...others] = cluster.partitions[0]!;
    expect(await redisCli(first!, 'SET', 'greeting', 'hello raft')).toBe('OK');
    for (const id of others) expect(await redisCli(id, 'GET', 'greeting')).toBe('hello raft');
    expect(await redisCli(others[0]!, 'DEL', 'greeting')).toBe('1');
    expect(await redisCli(first!, 'EXISTS', 'greeting')).toBe('0');
    expect(await redisCli(first!, 'PING')).toBe('PONG');
  });

  it('redis-benchmark -t set,get -n 2000 -q finishes with no errors', async () => {
    const follower = cluster.partitions[0]![1]!;
    const run = await execFileAsync(
      'redis-benchmark',
      ['-h', '127.0.0.1', '-p', String(portOf(follower)), '-t', 'set,get', '-n', '2000', '-q'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    const output = `${run.stdout}${run.stderr}`;
    expect(output).toMatch(/SET: [\d.]+ requests per second/);
    expect(output).toMatch(/GET: [\d.]+ requests per second/);
    expect(output).not.toMatch(/error/i);
  }, 150_000);
});
