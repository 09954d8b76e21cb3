// Record 60 s of a running cluster, scrub the dashboard's timeline to t = 20 s, and the diagram and
// the logs show the roles, terms and logs the cluster had at 20 s, not the ones it has now: the
// leader of that moment is killed at t > 25 s, so the live picture and the recorded one differ.
// The host runs at timescale 0.25 (host time runs four times faster than real time), so the 60
// recorded seconds, which are host time, take about 15 s.
import type { ClusterState } from '../src/shared/api';
import { frameAt, parseRecording, type Recording, recordingSpan } from '../src/shared/recording';
import type { HeadlessHost } from './fixtures/headless-host';
import { expect, test } from './fixtures/test';
import { saveScreenshot } from './support/screenshots';

test.use({ hostOptions: { groups: 1, size: 3, extraArgs: ['--timescale', '0.25'] } });

async function recordingOf(host: HeadlessHost): Promise<Recording> {
  const response = await fetch(`${host.origin}/api/recording`, {
    headers: { authorization: `Bearer ${host.token}` },
  });
  expect(response.status).toBe(200);
  return parseRecording(await response.text());
}

/** Waits until the host's clock (its recording's end) has passed `ms`. */
async function untilHostTime(host: HeadlessHost, ms: number): Promise<Recording> {
  for (;;) {
    const recording = await recordingOf(host);
    if (recordingSpan(recording).endMs >= ms) return recording;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

test('scrubbing a 60 s recording to t = 20 s shows the roles, terms and logs of that moment', async ({
  dashboard,
  host,
  page,
}) => {
  test.setTimeout(180_000);
  // Writes at about 8 s and 15 s of host time, so the logs at 20 s hold something.
  await untilHostTime(host, 8000);
  await host.api('POST', '/api/kv', { op: 'SET', key: 'color', value: 'blue' });
  await untilHostTime(host, 15_000);
  await host.api('POST', '/api/kv', { op: 'SET', key: 'shape', value: 'circle' });
  // After 25 s, kill whoever leads then, and write once more under the next leader.
  await untilHostTime(host, 25_000);
  const before = await host.api<ClusterState>('GET', '/api/state');
  const killed = before.groups[0]!.leader!;
  await host.api('POST', `/api/nodes/${encodeURIComponent(killed)}/kill`);
  await expect
    .poll(async () => (await host.api<ClusterState>('GET', '/api/state')).groups[0]!.leader, { timeout: 30_000 })
    .not.toBeNull();
  await host.api('POST', '/api/kv', { op: 'SET', key: 'color', value: 'red' });
  const recording = await untilHostTime(host, 60_000);

  // What the recording says the cluster was at 20 s, and that it differs from now.
  const expected = frameAt(recording, 20_000).state;
  const live = await host.api<ClusterState>('GET', '/api/state');
  expect(live.nodes.find((n) => n.id === killed)?.alive).toBe(false);
  expect(expected.nodes.find((n) => n.id === killed)?.alive).toBe(true);
  expect(Math.max(...expected.nodes.map((n) => n.lastLogIndex))).toBeLessThan(
    Math.max(...live.nodes.map((n) => n.lastLogIndex)),
  );

  const timeline = page.getByRole('region', { name: 'Recording and replay' });
  await timeline.getByRole('button', { name: 'Load this session' }).click();
  const slider = timeline.getByRole('slider', { name: 'Recorded time' });
  await slider.fill('20000');
  await expect(timeline.getByTestId('timeline-time')).toHaveText('t = 20.0 s');

  for (const node of expected.nodes) {
    const glyph = dashboard.diagram.node(node.id);
    await expect(glyph).toHaveAttribute('data-role', node.alive ? node.role : 'dead');
    await expect(glyph).toHaveAttribute('data-term', String(node.term));
    await expect(dashboard.logs.strip(node.id)).toHaveAttribute('data-last-index', String(node.lastLogIndex));
    await expect(dashboard.logs.strip(node.id)).toHaveAttribute('data-commit-index', String(node.commitIndex));
    for (const entry of node.log) {
      await expect(dashboard.logs.entry(node.id, entry.index)).toHaveAttribute('data-term', String(entry.term));
    }
  }
  await saveScreenshot(page, 'replay-at-20s');

  // Back to the start, then forward past the kill: the picture follows the slider both ways.
  await slider.fill(String(recording.keyframes[0]!.at));
  await expect(dashboard.diagram.node(killed)).toHaveAttribute('data-alive', 'true');
  await slider.fill('59000');
  await expect(dashboard.diagram.node(killed)).toHaveAttribute('data-role', 'dead');

  // A control refuses to act on a recorded moment, and says why.
  await dashboard.logs.act('Kill', expected.nodes.find((n) => n.id !== killed)!.id);
  await expect(dashboard.feed).toContainText('this is a recorded moment, not the live cluster');
});
