// The staging tools in the dashboard, on a real host started with --paused: a forced timeout's
// PreVotes are held, one is inspected and dropped by hand, the other is delivered with the clicker
// key, and the candidate's peer table and tally show the vote it got.
import type { ClusterEvent, ClusterState } from '../src/shared/api';
import { expect, test } from './fixtures/test';
import { StagingTools } from './pages/staging-tools';
import { openEventHistory } from './support/event-history';

test.use({ hostOptions: { groups: 1, size: 3, extraArgs: ['--paused'] } });

test('paused: held messages are listed, inspected, dropped one by one by hand, and delivered by the clicker', async ({
  dashboard,
  host,
  page,
}) => {
  const tools = new StagingTools(page);
  const [a, b, c] = host.partitions[0]! as [string, string, string];
  await expect(dashboard.connectionStatus).toHaveText(/^Connected/);
  const history = await openEventHistory(host);
  try {
    await expect(tools.inspector).toBeVisible();
    await expect(tools.heldMessages).toHaveCount(0);

    await host.api('POST', `/api/nodes/${encodeURIComponent(a)}/timeout`);
    const state = await host.api<ClusterState>('GET', '/api/state');
    const asks = state.staging!.held;
    expect(asks.map((m) => [m.kind, m.to])).toEqual([
      ['PreVote', b],
      ['PreVote', c],
    ]);
    const portOf = (id: string) => id.slice(id.lastIndexOf(':') + 1);
    await expect(tools.heldMessages).toHaveCount(2, { timeout: 5_000 });

    // Inspect the PreVote to c, then drop it.
    await tools
      .heldMessage(`→ ${portOf(c)}`)
      .getByRole('button')
      .click();
    await expect(tools.messageDetail).toContainText(`PreVote #${asks[1]!.id}`);
    await expect(tools.messageDetail).toContainText('lastLogIndex: 0');
    await tools.dropButton.click();
    await expect(tools.heldMessages).toHaveCount(1);
    const fate = (id: number): ClusterEvent | undefined =>
      history.events.find((e) => (e.type === 'drop' || e.type === 'deliver') && e.id === id);
    await expect.poll(() => fate(asks[1]!.id)).toMatchObject({ type: 'drop', reason: 'dropped by hand' });

    // The clicker key delivers the other; b's answer is held in its turn. a, a pre-candidate,
    // holds only its own vote so far: its tally and its peer table say so.
    await dashboard.pressShortcut('PageDown');
    await expect.poll(() => fate(asks[0]!.id)?.type).toBe('deliver');
    await expect(tools.heldMessage('PreVoteResp')).toHaveCount(1);
    await dashboard.diagram.node(a).click();
    await expect(page.getByTestId('vote-tally')).toHaveText('votes 1/3');
    await expect(tools.peerRow(portOf(b))).toContainText('no answer yet');

    // Deliver message after message with the key until a leads; its table then shows b's
    // nextIndex and matchIndex, and the clock never ran.
    await expect
      .poll(
        async () => {
          const now = await host.api<ClusterState>('GET', '/api/state');
          if (now.nodes.find((n) => n.id === a)?.role === 'leader') return 'leader';
          await dashboard.pressShortcut('.');
          return 'not yet';
        },
        { timeout: 20_000 },
      )
      .toBe('leader');
    const cells = tools.peerRow(portOf(b)).getByRole('cell');
    await expect(cells.nth(0)).toHaveText(/^\d+$/); // nextIndex
    await expect(cells.nth(1)).toHaveText(/^\d+$/); // matchIndex
    const final = await host.api<ClusterState>('GET', '/api/state');
    expect(final.clock.paused).toBe(true);
    expect(fate(asks[1]!.id)?.type).toBe('drop');
  } finally {
    history.close();
  }
});
