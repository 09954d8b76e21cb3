// The narration of the classic situations, as the feed tells them: each flow stages one through the
// control API (the situation is the setup; the words are what is checked) and expects the feed's
// sentences, word for word where the words carry the lesson.
import { expect } from '@playwright/test';
import type { ClusterState } from '../../src/shared/api';
import type { HeadlessHost } from '../fixtures/headless-host';
import type { DashboardPage } from '../pages/dashboard-page';
import { type ClusterProbe, leaderIn, nodeIn } from '../support/cluster-probe';
import { escapeRegExp } from '../support/text';

/** Ports name nodes in the feed when every node shares one host, as here. */
export function portOf(id: string): string {
  return id.slice(id.lastIndexOf(':') + 1);
}

/**
 * Waits until the page's event stream is open: the host then sends it every event, after the
 * opening batch that told it each node's role. A fault staged before that would not be narrated.
 */
export async function awaitStream(dashboard: DashboardPage): Promise<void> {
  await expect(dashboard.connectionStatus).toHaveText(/^Connected \(/, { timeout: 20_000 });
}

/** Waits until the feed holds a sentence equal to `line` (or matching it); returns that sentence. */
export async function expectSaid(dashboard: DashboardPage, line: string | RegExp, timeout = 15_000): Promise<string> {
  let found = '';
  await expect
    .poll(
      async () => {
        const sentences = await dashboard.feedSentences();
        found =
          sentences.find((sentence) => (typeof line === 'string' ? sentence === line : line.test(sentence))) ?? '';
        return found !== '';
      },
      { timeout, message: `the feed should say ${String(line)}\n${(await dashboard.feedSentences()).join('\n')}` },
    )
    .toBe(true);
  return found;
}

/** Waits for a leader of group 0 that is not one of `not`, and returns the host's state then. */
export async function awaitLeader(
  probe: ClusterProbe,
  not: readonly string[] = [],
  timeout = 15_000,
): Promise<{ leader: string; term: number; state: ClusterState }> {
  let state: ClusterState | null = null;
  await expect
    .poll(
      async () => {
        state = await probe.state();
        const leader = leaderIn(state, 0);
        return leader !== null && !not.includes(leader) && nodeIn(state, leader).role === 'leader';
      },
      { timeout },
    )
    .toBe(true);
  const settled = state as unknown as ClusterState;
  const leader = leaderIn(settled, 0)!;
  return { leader, term: nodeIn(settled, leader).term, state: settled };
}

/** Kill the leader: the feed says so, says who timed out and for which term, and who won with how many votes. */
export async function leaderCrashAndReelection(
  dashboard: DashboardPage,
  probe: ClusterProbe,
  host: HeadlessHost,
): Promise<void> {
  await awaitStream(dashboard);
  const { leader, term } = await awaitLeader(probe);
  await host.api('POST', `/api/nodes/${leader}/kill`);
  await expectSaid(dashboard, `Killed ${portOf(leader)}`);
  const next = await awaitLeader(probe, [leader]);
  await expectSaid(dashboard, `${portOf(next.leader)} became leader for term ${next.term} with 2 of 3 votes`);
  // With PreVote the winner first asks for pre-votes for the term it will campaign in, never the current one.
  await expectSaid(dashboard, `${portOf(next.leader)} timed out and asked for pre-votes for term ${term + 1}`);
  await expectSaid(dashboard, `${portOf(next.leader)} timed out and started an election for term ${next.term}`);
}

/**
 * A split vote (PreVote off): with the leader dead, three followers are made to time out at once;
 * each votes for itself, the others still trust the old leader's lease, so nobody reaches a
 * majority, and when the next election starts the feed calls it a split vote, with the tally.
 */
export async function splitVote(dashboard: DashboardPage, probe: ClusterProbe, host: HeadlessHost): Promise<void> {
  await awaitStream(dashboard);
  const { leader, term, state } = await awaitLeader(probe);
  const followers = (state.partitions[0] ?? []).filter((id) => id !== leader).slice(0, 3);
  await host.api('POST', `/api/nodes/${leader}/kill`);
  await Promise.all(followers.map((id) => host.api('POST', `/api/nodes/${id}/timeout`)));
  for (const id of followers) {
    await expectSaid(dashboard, `${portOf(id)} timed out and started an election for term ${term + 1}`);
  }
  const split = await expectSaid(
    dashboard,
    new RegExp(
      `^Split vote: [34] candidates in term ${term + 1}; none reached 3 of 5 votes \\((\\d+ [12](, )?){3,4}\\)$`,
    ),
    20_000,
  );
  for (const id of followers) expect(split).toContain(portOf(id));
}

/**
 * A minority partition (CheckQuorum off, so the old leader keeps believing): the majority elects a
 * second leader in a higher term, and once healed the old leader steps down, saying why.
 */
export async function minorityPartitionThenHeal(
  dashboard: DashboardPage,
  probe: ClusterProbe,
  host: HeadlessHost,
): Promise<void> {
  await awaitStream(dashboard);
  const { leader, term, state } = await awaitLeader(probe);
  const members = state.partitions[0] ?? [];
  const buddy = members.find((id) => id !== leader)!;
  const majority = members.filter((id) => id !== leader && id !== buddy);
  await host.api('POST', '/api/network/partition', { sides: [[leader, buddy], majority] });
  await expectSaid(
    dashboard,
    `Partitioned the network: ${portOf(leader)} ${portOf(buddy)} | ${majority.map(portOf).join(' ')}`,
  );
  const second = await awaitLeader(probe, [leader, buddy], 20_000);
  expect(majority).toContain(second.leader);
  await expectSaid(dashboard, `${portOf(second.leader)} became leader for term ${second.term} with 3 of 5 votes`);
  // Two leaders now: the old one still leads its term in the minority.
  expect(nodeIn(await probe.state(), leader).role).toBe('leader');
  await host.api('POST', '/api/network/heal');
  await expectSaid(dashboard, 'Healed every link');
  await expectSaid(
    dashboard,
    new RegExp(`^${escapeRegExp(portOf(leader))} stepped down: it saw the higher term ${second.term} from \\d+$`),
  );
  expect(second.term).toBeGreaterThan(term);
}

/**
 * Log repair: the leader is cut off, takes a write it cannot commit, and is killed; the others
 * elect a leader, which writes its own entry at that index. Restarted and healed, the old leader's
 * entry there is replaced by the new leader's, and the feed says which entry of which term.
 */
export async function logRepairAfterRestart(
  dashboard: DashboardPage,
  probe: ClusterProbe,
  host: HeadlessHost,
): Promise<void> {
  await awaitStream(dashboard);
  const { leader, term, state } = await awaitLeader(probe);
  const index = nodeIn(state, leader).lastLogIndex + 1;
  const others = (state.partitions[0] ?? []).filter((id) => id !== leader);
  await host.api('POST', '/api/network/partition', { sides: [[leader], others] });
  // The write waits for a majority it cannot reach, then times out: it is left unanswered here.
  const write = host.api('POST', '/api/kv', { op: 'SET', key: 'lost', value: 'never', via: leader }).catch(() => null);
  await expectSaid(dashboard, `${portOf(leader)} appended 1 entry up to index ${index} in term ${term}`);
  const next = await awaitLeader(probe, [leader], 20_000);
  await host.api('POST', `/api/nodes/${leader}/kill`);
  await host.api('POST', '/api/network/heal');
  await host.api('POST', `/api/nodes/${leader}/restart`);
  await expectSaid(dashboard, `Restarted ${portOf(leader)}`);
  // The host repairs the log: the old leader's entry at that index is now the new leader's.
  await expect
    .poll(async () => nodeIn(await probe.state(), leader).log.find((entry) => entry.index === index)?.term, {
      timeout: 20_000,
    })
    .toBe(next.term);
  const old = portOf(leader);
  const replaced = `${old} replaced entry ${index} of term ${term} with the leader's entries of term ${next.term}`;
  await expectSaid(dashboard, replaced);
  // Its "why" shows what the line is about: that node, and the log cell it names.
  await dashboard.whyButton(replaced).click();
  await expect(dashboard.whyButton(replaced)).toHaveAttribute('aria-pressed', 'true');
  await expect(dashboard.diagram.node(leader)).toHaveAttribute('data-focus', 'true');
  await expect(dashboard.diagram.node(next.leader)).toHaveAttribute('data-focus', 'false');
  await expect(dashboard.logs.entry(leader, index)).toHaveAttribute('data-focus', 'true');
  await write;
}

/**
 * A stale leader's read: cut off from its group, it cannot confirm it still leads, so CheckQuorum
 * steps it down and its pending GET is refused; the client hears TRYAGAIN at its deadline.
 */
export async function staleLeaderReadRefused(
  dashboard: DashboardPage,
  probe: ClusterProbe,
  host: HeadlessHost,
): Promise<void> {
  await awaitStream(dashboard);
  const { leader, term, state } = await awaitLeader(probe);
  const others = (state.partitions[0] ?? []).filter((id) => id !== leader);
  await host.api('POST', '/api/network/partition', { sides: [[leader], others] });
  const read = host.api('POST', '/api/kv', { op: 'GET', key: 'color', via: leader });
  const name = portOf(leader);
  await expectSaid(dashboard, `Client sent GET color to ${name}`);
  await expectSaid(
    dashboard,
    `${name} stepped down in term ${term}: CheckQuorum heard only from 1 of 3 within an election timeout`,
  );
  await expectSaid(
    dashboard,
    `${name} refused the read of color: it could not confirm its leadership with a majority (ReadIndex)`,
  );
  const result = (await read) as { ok: boolean; error: string };
  expect(result.ok).toBe(false);
  await expectSaid(
    dashboard,
    new RegExp(`^GET color via ${name} failed after \\d+\\.\\d s: TRYAGAIN group 0 did not answer within \\d+ ms`),
  );
}

/**
 * A follower cut off from its leader misses writes; the leader keeps sending optimistically past its
 * log. Healed, the follower refuses AppendEntries at an index it does not have and the leader backs
 * nextIndex off to where they agree.
 */
export async function laggingFollowerRepaired(
  dashboard: DashboardPage,
  probe: ClusterProbe,
  host: HeadlessHost,
): Promise<void> {
  await awaitStream(dashboard);
  const { leader, state } = await awaitLeader(probe);
  const follower = (state.partitions[0] ?? []).find((id) => id !== leader)!;
  await host.api('POST', '/api/links', { a: leader, b: follower, cut: true });
  for (const key of ['a', 'b', 'c']) await host.api('POST', '/api/kv', { op: 'SET', key, value: '1', via: leader });
  await host.api('POST', '/api/links', { a: leader, b: follower, cut: false });
  const [f, l] = [portOf(follower), portOf(leader)];
  const refusal = await expectSaid(
    dashboard,
    new RegExp(`^${f} rejected AppendEntries at index (\\d+) from ${l}: it has no entry \\1$`),
  );
  const at = Number(/index (\d+)/.exec(refusal)?.[1]);
  const backoff = await expectSaid(
    dashboard,
    new RegExp(`^${l} backed nextIndex for ${f} off to (\\d+) and resends from there$`),
  );
  expect(Number(/off to (\d+)/.exec(backoff)?.[1])).toBeLessThanOrEqual(at);
}
