// Issue 12's join number: how long a new node takes to join a group that holds 100k keys. Each run
// starts a fresh 3-node group of `raftlab node` processes (fsync on), writes K distinct keys with the
// pipelined load client, then one marker key last, and starts a 4th `raftlab node --join`. Timed from
// the spawn of the 4th node: until the leader lists it among the voters (INFO voters), and until it
// answers a linearizable GET (ReadIndex, which runs on followers) of the marker with its value. Then
// whether it caught up by InstallSnapshot or by the log: a joiner that took no snapshot of its own
// (snapshots_taken 0) but has a snapshot_index above 0 installed one from the leader.
//
//   npx tsx bench/join-growth.ts [--keys K] [--runs R] [--json FILE]
//   npm run bench -- --only join        the same, from the main benchmark (not in the default run)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RespClient } from '../src/main/net/resp-client';
import { infoNumber, nodeInfo } from './info';
import { runLoad } from './load-client';
import { NodeGroup } from './node-group';
import { freePorts, poll, RaftlabProcess } from './processes';
import { emitResult, positiveOption, runAsScript } from './script-cli';

const HOST = '127.0.0.1';
const MARKER_KEY = 'join-growth:last';

export interface JoinGrowthSettings {
  readonly keys: number;
  readonly runs: number;
  readonly valueBytes: number;
  readonly log: (line: string) => void;
}

export interface JoinRun {
  readonly keys: number;
  readonly loadSetsPerSec: number;
  /** The leader's first log index when the joiner started: above 1 means the log was compacted. */
  readonly leaderFirstLogIndex: number;
  readonly leaderCommitIndex: number;
  /** Spawn to the joiner's "serving RESP on" line: process start, JOIN-INFO, opening its folder. */
  readonly servingMs: number;
  readonly voterMs: number;
  readonly servesGetMs: number;
  readonly joinerSnapshotIndex: number;
  readonly joinerSnapshotsTaken: number;
  readonly caughtUpBy: 'InstallSnapshot' | 'log';
}

export interface JoinGrowthResult {
  readonly settings: Omit<JoinGrowthSettings, 'log'>;
  readonly runs: JoinRun[];
}

const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;

async function command(port: number, ...args: string[]) {
  const client = await RespClient.connect(HOST, port, { connectTimeoutMs: 1000, commandTimeoutMs: 5000 });
  try {
    return await client.command(...args);
  } finally {
    client.close();
  }
}

async function oneRun(settings: JoinGrowthSettings, run: number): Promise<JoinRun> {
  const { log } = settings;
  const dataDir = mkdtempSync(join(tmpdir(), 'raftlab-bench-join-'));
  let group: NodeGroup | null = null;
  let joiner: RaftlabProcess | null = null;
  try {
    group = await NodeGroup.start({ dataDir });
    const leader = await group.waitForLeader();
    const leaderPort = group.portOf(leader);
    // A counted run writes the keys in order, each once: exactly `keys` distinct keys.
    const load = await runLoad({
      op: 'SET',
      targets: [{ host: HOST, port: leaderPort }],
      connections: 16,
      pipeline: 16,
      keySpace: settings.keys,
      valueBytes: settings.valueBytes,
      totalOps: settings.keys,
      timeoutMs: 30 * 60_000,
      keyPrefix: 'join-growth:',
    });
    if (load.aborted || load.errors > 0) throw new Error(`load failed: ${load.aborted ?? load.firstError}`);
    const markerValue = `run-${run}-after-${settings.keys}`;
    const marked = await command(leaderPort, 'SET', MARKER_KEY, markerValue);
    if (marked.type === 'error') throw new Error(`SET of the marker failed: ${marked.value}`);
    const leaderInfo = await nodeInfo(HOST, leaderPort, 2000);
    if (leaderInfo === null) throw new Error('the leader does not answer INFO');
    const leaderFirstLogIndex = infoNumber(leaderInfo, 'first_log_index');
    const leaderCommitIndex = infoNumber(leaderInfo, 'commit_index');
    log(
      `join: run ${run}: ${settings.keys} keys loaded (${round(load.opsPerSec)}/s); leader log ${leaderFirstLogIndex}..${leaderCommitIndex}`,
    );

    const [joinPort] = await freePorts(1);
    const joinId = `${HOST}:${joinPort}`;
    // The same data dir: the joiner reads the group's cluster.secret there, as a node on the same
    // machine would; its own folder is new.
    const started = performance.now();
    joiner = new RaftlabProcess(`joiner ${joinId}`, [
      'node',
      HOST,
      String(joinPort),
      '--join',
      `${HOST}:${leaderPort}`,
      '--data-dir',
      dataDir,
    ]);
    let servingMs = Number.NaN;
    joiner.waitForLine(/serving RESP on/, 10 * 60_000).then(
      () => (servingMs = performance.now() - started),
      () => {}, // an exit is reported by the polls below
    );
    const timeout = 10 * 60_000;
    const voterMs = await poll(
      `${joinId} to be a voter`,
      async () => {
        if (!joiner?.running) throw new Error(`the joiner exited:\n${joiner?.recentOutput()}`);
        const current = await group!.leader();
        if (current === null) return null;
        const info = await nodeInfo(HOST, group!.portOf(current), 500);
        const voters = info?.get('voters')?.split(',') ?? [];
        return voters.includes(joinId) ? performance.now() - started : null;
      },
      timeout,
      20,
    );
    const servesGetMs = await poll(
      `${joinId} to serve GET ${MARKER_KEY}`,
      async () => {
        if (!joiner?.running) throw new Error(`the joiner exited:\n${joiner?.recentOutput()}`);
        try {
          const reply = await command(joinPort!, 'GET', MARKER_KEY);
          const value = reply.type === 'bulk' && reply.value !== null ? Buffer.from(reply.value).toString() : null;
          return value === markerValue ? performance.now() - started : null;
        } catch {
          return null; // not listening yet, or a read that timed out while catching up
        }
      },
      timeout,
      20,
    );
    const info = await nodeInfo(HOST, joinPort!, 2000);
    const joinerSnapshotIndex = info ? infoNumber(info, 'snapshot_index') : Number.NaN;
    const joinerSnapshotsTaken = info ? infoNumber(info, 'snapshots_taken') : Number.NaN;
    const result: JoinRun = {
      keys: settings.keys,
      loadSetsPerSec: round(load.opsPerSec),
      leaderFirstLogIndex,
      leaderCommitIndex,
      servingMs: round(servingMs),
      voterMs: round(voterMs),
      servesGetMs: round(servesGetMs),
      joinerSnapshotIndex,
      joinerSnapshotsTaken,
      caughtUpBy: joinerSnapshotIndex > 0 && joinerSnapshotsTaken === 0 ? 'InstallSnapshot' : 'log',
    };
    log(
      `join: run ${run}: serving after ${result.servingMs} ms, voter after ${result.voterMs} ms, serves GET after ${result.servesGetMs} ms, ` +
        `by ${result.caughtUpBy} (joiner snapshot_index ${joinerSnapshotIndex}, snapshots_taken ${joinerSnapshotsTaken})`,
    );
    return result;
  } finally {
    await joiner?.stop();
    await group?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function measureJoinGrowth(settings: JoinGrowthSettings): Promise<JoinGrowthResult> {
  const runs: JoinRun[] = [];
  for (let run = 1; run <= settings.runs; run++) runs.push(await oneRun(settings, run));
  return { settings: { keys: settings.keys, runs: settings.runs, valueBytes: settings.valueBytes }, runs };
}

export function formatJoinGrowth(result: JoinGrowthResult): string {
  const lines = [
    'run  keys     load SET/s  leader log        serving ms  voter ms  GET ms  caught up by     joiner snap index',
  ];
  for (const [i, r] of result.runs.entries()) {
    lines.push(
      `${String(i + 1).padEnd(4)} ${String(r.keys).padEnd(8)} ${String(r.loadSetsPerSec).padStart(10)}  ${`${r.leaderFirstLogIndex}..${r.leaderCommitIndex}`.padEnd(16)} ${String(r.servingMs).padStart(10)}  ${String(r.voterMs).padStart(8)}  ${String(r.servesGetMs).padStart(6)}  ${r.caughtUpBy.padEnd(16)} ${r.joinerSnapshotIndex}`,
    );
  }
  return lines.join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const value = (name: string, fallback: number): number => positiveOption(argv, name, fallback);
  const result = await measureJoinGrowth({
    keys: value('--keys', 100_000),
    runs: value('--runs', 3),
    valueBytes: value('--value-bytes', 100),
    log: (line) => console.error(line),
  });
  emitResult(argv, result, formatJoinGrowth(result));
  return 0;
}

runAsScript(import.meta.url, main);
