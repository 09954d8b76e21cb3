// A full disk under a real cluster: the nodes that cannot write stop, acknowledging nothing they
// could not make durable; the host keeps running and shows them dead with the reason; once space
// is back they restart from their folders and every acknowledged write is still there.
// Needs root to mount a small tmpfs; where mounting is refused the test says so and skips.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterEvent } from '../../src/shared/api';
import { connect, startCluster, type TestCluster, text, waitFor, waitForLeaders } from './support/cluster';

const mountPoint = mkdtempSync(join(tmpdir(), 'raftlab-full-disk-'));
const mounted = ((): boolean => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let cluster: TestCluster | null = null;
afterAll(async () => {
  await cluster?.close().catch(() => undefined);
  if (mounted) execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
  rmSync(mountPoint, { recursive: true, force: true });
});

describe.skipIf(!mounted)(`a full disk (${mounted ? 'on a 1 MiB tmpfs' : 'needs root to mount a tmpfs'})`, () => {
  it('stops the nodes that cannot write, keeps the host up, and loses no acknowledged write', async () => {
    cluster = await startCluster(1, 3, { dataDir: mountPoint, requestTimeoutMs: 2000 });
    const { host } = cluster;
    const events: ClusterEvent[] = [];
    const unsubscribe = host.onEvents((batch) => events.push(...batch));
    const state = await waitForLeaders(host);
    const client = await connect(state.groups[0]!.leader!);
    const acknowledged = new Map<string, string>();
    let refused = 0;
    for (let i = 0; i < 200 && refused === 0; i++) {
      const value = `${i}-${'x'.repeat(20_000)}`;
      const reply = await client.command('SET', `big-${i}`, value).catch(() => null);
      if (reply !== null && text(reply) === 'OK') acknowledged.set(`big-${i}`, value);
      else refused++;
    }
    client.close();
    expect(refused).toBeGreaterThan(0);
    expect(acknowledged.size).toBeGreaterThan(0);

    const failed = await waitFor('a node stopped by its storage', async () => {
      const now = await host.state();
      return now.nodes.some((n) => !n.alive) ? now : null;
    });
    await waitFor('the fault event', () =>
      events.some((e) => e.type === 'fault' && e.action === 'kill' && /storage failed/.test(e.detail ?? '')),
    );
    unsubscribe();

    execFileSync('mount', ['-o', 'remount,size=64m', mountPoint], { stdio: 'ignore' });
    // Space is back: restart whatever the full disk stopped (the other nodes may have stopped
    // after the first one did), as an operator would, until the group has a leader again.
    const leaderAfter = await waitFor(
      'a leader after restarting the stopped nodes',
      async () => {
        const now = await host.state();
        for (const node of now.nodes.filter((n) => !n.alive)) await host.restart(node.id).catch(() => undefined);
        return now.groups[0]!.leader !== null && now.nodes.every((n) => n.alive) ? now : null;
      },
      20_000,
    );
    expect(failed.nodes.some((n) => !n.alive)).toBe(true);
    const reader = await connect(leaderAfter.groups[0]!.leader!);
    for (const [key, value] of acknowledged) expect(text(await reader.command('GET', key)), key).toBe(value);
    reader.close();
  }, 60_000);
});
