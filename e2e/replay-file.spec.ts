// A recording outlives its cluster: exported from a live session, it opens in the dashboard through
// the file input, and `raftlab replay FILE --serve` shows it with no cluster at all, read-only.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterState } from '../src/shared/api';
import { parseRecording, recordingSpan } from '../src/shared/recording';
import { expect, test } from './fixtures/test';
import { expectEveryGroupLed } from './flows/elections';

const REPO_ROOT = join(import.meta.dirname, '..');

test('a recording file opens in the dashboard and in raftlab replay, read-only', async ({
  dashboard,
  host,
  page,
  probe,
}) => {
  test.setTimeout(120_000);
  const [leader] = await expectEveryGroupLed(dashboard, probe);
  await host.api('POST', '/api/kv', { op: 'SET', key: 'color', value: 'blue' });
  const response = await fetch(`${host.origin}/api/recording`, { headers: { authorization: `Bearer ${host.token}` } });
  const text = await response.text();
  const { endMs } = recordingSpan(parseRecording(text));
  const folder = mkdtempSync(join(tmpdir(), 'raftlab-e2e-replay-'));
  const file = join(folder, 'session.jsonl');
  writeFileSync(file, text);
  try {
    // Opened in the live dashboard through the file input: the timeline shows the file's last moment.
    const timeline = page.getByRole('region', { name: 'Recording and replay' });
    await timeline.getByLabel('Open a recording file').setInputFiles(file);
    await expect(timeline).toContainText('Showing session.jsonl');
    await expect(timeline.getByTestId('timeline-time')).toHaveText(`t = ${(endMs / 1000).toFixed(1)} s`);
    await expect(dashboard.diagram.node(leader!)).toHaveAttribute('data-role', 'leader');
    await timeline.getByRole('button', { name: 'Live' }).click();
    await expect(timeline.getByTestId('timeline-slider')).toHaveCount(0);

    // The same file served by raftlab replay, with no cluster behind it.
    const token = 'replay-e2e-token';
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(REPO_ROOT, 'src', 'main', 'cli.ts'),
        'replay',
        file,
        '--serve',
        '127.0.0.1:0',
        '--token',
        token,
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      await expect.poll(() => /^dashboard: (\S+)$/m.exec(output)?.[1], { timeout: 30_000 }).toBeTruthy();
      const url = /^dashboard: (\S+)$/m.exec(output)![1]!;
      await host.stop();
      await dashboard.open(url);
      await expect(timeline).toContainText('Showing replay of session.jsonl');
      await expect(timeline.getByRole('button', { name: 'Load this session' })).toHaveCount(0);
      await expect(dashboard.diagram.node(leader!)).toHaveAttribute('data-role', 'leader');
      const served = (await (
        await fetch(`${new URL(url).origin}/api/state`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as ClusterState;
      expect(served.replay).toEqual({ file: 'session.jsonl' });
      // A control says why it cannot act.
      await dashboard.logs.act('Kill', leader!);
      await expect(dashboard.feed).toContainText('raftlab replay is read-only');
    } finally {
      child.kill('SIGTERM');
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
