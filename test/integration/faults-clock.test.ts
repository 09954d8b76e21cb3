// The host clock on real nodes: pause freezes every timer and holds every message, so nothing
// commits and nobody campaigns until resume; the timescale stretches every timer, so an election
// takes visibly longer in slow motion.
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterEvent, ClusterState } from '../../src/shared/api';
import { connect, startCluster, type TestCluster, text, waitFor, waitForLeaders } from './support/cluster';
import {
  leaderOf,
  membersOf,
  messageEvents,
  nodeOf,
  recordEvents,
  stillPendingAfter,
  waitForOneLog,
  writeKeys,
} from './support/observe';

/** Several election timeouts (150-300 ms) of real time. */
const PAUSE_WATCH_MS = 1000;
/** Long enough for a message already on the wire when the pause began to arrive. */
const SETTLE_MS = 150;

let cluster: TestCluster | null = null;
afterEach(async () => {
  await cluster?.close();
  cluster = null;
});

/** What must not move while paused: roles, terms, commit indexes and election timers. */
function frozenPart(state: ClusterState): unknown {
  return membersOf(state).map((n) => ({
    id: n.id,
    role: n.role,
    term: n.term,
    commitIndex: n.commitIndex,
    electionElapsedMs: n.electionElapsedMs,
  }));
}

/**
 * The events that show a node past where `snapshot` saw it: a newer term, another role, a higher
 * commit or apply. A Ready already in progress may still report what the snapshot already shows.
 */
function movedBeyond(snapshot: ClusterState, events: readonly ClusterEvent[]): ClusterEvent[] {
  return events.filter((e) => {
    if (e.type !== 'term' && e.type !== 'role' && e.type !== 'commit' && e.type !== 'apply') return false;
    const node = nodeOf(snapshot, e.node);
    if (e.type === 'term') return e.term > node.term;
    if (e.type === 'role') return e.role !== node.role || e.term !== node.term;
    return e.index > node.commitIndex;
  });
}

/**
 * Resolves with the state once two snapshots SETTLE_MS apart agree: messages that were on the wire
 * when the pause began have arrived. Times out if the cluster keeps moving, as an unpaused one does.
 */
async function settledWhilePaused(host: TestCluster['host']): Promise<ClusterState> {
  let previous = await host.state();
  return waitFor('the paused cluster to stand still', async () => {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    // Timers run before I/O in a turn of the event loop: let the sockets be read before looking.
    await new Promise((resolve) => setImmediate(resolve));
    const next = await host.state();
    const still = JSON.stringify(frozenPart(next)) === JSON.stringify(frozenPart(previous));
    previous = next;
    return still ? next : null;
  });
}

describe('pause', () => {
  it('holds a SET without committing it, freezes terms, commits and timers, and resume completes it', async () => {
    cluster = await startCluster(1, 3);
    const { host } = cluster;
    const leader = leaderOf(await waitForLeaders(host))!.id;
    const client = await connect(leader);
    expect(await writeKeys(client, 'before', 3)).toHaveLength(3);
    await waitForOneLog(host);

    await host.setClock({ paused: true });
    const paused = await settledWhilePaused(host);
    expect(paused.clock).toEqual({ timescale: 1, paused: true });
    const recorder = recordEvents(host);
    const set = client.command('SET', 'during-pause', 'held');
    expect(await stillPendingAfter(set, PAUSE_WATCH_MS)).toBe(true);
    const stillPaused = await host.state();
    expect(frozenPart(stillPaused)).toEqual(frozenPart(paused));
    // The leader appended the SET to its own log; no follower got it, so it cannot commit.
    expect(nodeOf(stillPaused, leader).lastLogIndex).toBe(nodeOf(paused, leader).lastLogIndex + 1);
    expect(movedBeyond(paused, recorder.events)).toEqual([]);
    // The SET's appends were handed to the transport and held there: sent, never delivered.
    const messages = messageEvents(recorder.events);
    const sentWhilePaused = new Set(messages.filter((e) => e.type === 'send').map((e) => e.id));
    expect(messages.some((e) => e.type === 'send' && e.kind === 'App' && e.from === leader)).toBe(true);
    expect(messages.filter((e) => e.type === 'deliver' && sentWhilePaused.has(e.id))).toEqual([]);

    await host.setClock({ paused: false });
    expect(text(await set)).toBe('OK');
    recorder.stop();
    const resumed = await waitForOneLog(host);
    expect(leaderOf(resumed)?.id).toBe(leader);
    expect(nodeOf(resumed, leader).commitIndex).toBe(nodeOf(paused, leader).lastLogIndex + 1);
    expect(text(await client.command('GET', 'during-pause'))).toBe('held');
    // Heartbeats flow again: the followers' election timers keep being reset, so none campaigns.
    await waitFor('heartbeats to reset a follower timer', async () => {
      const state = await host.state();
      return membersOf(state).some((n) => n.role === 'follower' && n.electionElapsedMs < 50);
    });
    client.close();
  });

  it('lets no election start after the leader dies while paused, and resume elects a new one', async () => {
    cluster = await startCluster(1, 3);
    const { host } = cluster;
    const leader = leaderOf(await waitForLeaders(host))!.id;
    await host.setClock({ paused: true });
    await host.kill(leader);
    const paused = await settledWhilePaused(host);
    const recorder = recordEvents(host);
    await new Promise((resolve) => setTimeout(resolve, PAUSE_WATCH_MS));
    const stillPaused = await host.state();
    expect(frozenPart(stillPaused)).toEqual(frozenPart(paused));
    expect(movedBeyond(paused, recorder.events)).toEqual([]);

    await host.setClock({ paused: false });
    const after = await waitForLeaders(host);
    recorder.stop();
    expect(leaderOf(after)!.id).not.toBe(leader);
    expect(leaderOf(after)!.term).toBeGreaterThan(nodeOf(paused, leaderOf(after)!.id).term);
  });
});

async function msToElectAfterKillingTheLeader(timescale: number): Promise<number> {
  cluster = await startCluster(1, 3);
  const { host } = cluster;
  const leader = leaderOf(await waitForLeaders(host))!.id;
  await host.setClock({ timescale });
  const started = performance.now();
  await host.kill(leader);
  await waitFor(
    'a new leader',
    async () => {
      const next = leaderOf(await host.state());
      return next !== null && next.id !== leader;
    },
    30_000,
  );
  const ms = performance.now() - started;
  await cluster.close();
  cluster = null;
  return ms;
}

describe('timescale', () => {
  it('makes an election after the leader dies take several times longer at 10 than at 1', async () => {
    // The better of two at real time: one split vote or slow disk there must not decide the comparison.
    const realTimeMs = Math.min(await msToElectAfterKillingTheLeader(1), await msToElectAfterKillingTheLeader(1));
    const slowMotionMs = await msToElectAfterKillingTheLeader(10);
    console.log(
      `election after killing the leader: ${realTimeMs.toFixed(0)} ms at timescale 1, ${slowMotionMs.toFixed(0)} ms at 10`,
    );
    expect(slowMotionMs).toBeGreaterThan(2 * realTimeMs);
  });
});
