// Issue 12's numbers: a 3-node group of `raftlab node` processes takes 1M SETs over 1000 keys.
// Without compaction each node's WAL grew 13.2 MB per 100k SETs and the leader's RSS with it; with
// snapshots every --snapshot-entries (default 10000) both must stay flat. Reported at 100k, 500k and
// 1M SETs for every node: its folder, WAL and snapshot bytes and its RSS, then the longest pause a
// snapshot capture took from a node's loop (INFO snapshot_pause_ms_max), and how long a node takes
// to restart at 1M (spawn to serving, and to caught up). Then SET throughput with snapshots against
// the same group with snapshots practically off (--snapshot-entries 10^12), in alternating turns.
//
//   npx tsx bench/snapshot-growth.ts [--sets N] [--keys K] [--turns T] [--turn-seconds S] [--json FILE]
//   npm run bench -- --only snapshots     the same, from the main benchmark (not in --smoke)
//
// Targets (issue 12): folder <= 64 MiB at every point, RSS <= 150 MiB per node, restart < 1 s, and
// throughput with snapshots at most 5% below without.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeFolderName } from '../src/main/cli/run-node';
import { infoNumber, nodeInfo } from './info';
import { runLoad } from './load-client';
import { NodeGroup } from './node-group';
import { residentMiB } from './proc-stats';
import { emitResult, positiveOption, runAsScript } from './script-cli';

const HOST = '127.0.0.1';
const MiB = 1024 * 1024;

export interface SnapshotGrowthSettings {
  readonly sets: number;
  readonly keys: number;
  readonly valueBytes: number;
  readonly checkpoints: readonly number[];
  readonly turns: number;
  readonly turnSeconds: number;
  readonly log: (line: string) => void;
}

export interface NodeSample {
  readonly node: string;
  readonly role: string;
  readonly folderMiB: number;
  readonly walMiB: number;
  readonly snapshotMiB: number;
  readonly rssMiB: number;
  readonly snapshotIndex: number;
  readonly snapshotsTaken: number;
}

export interface SnapshotGrowthResult {
  readonly settings: Omit<SnapshotGrowthSettings, 'log'>;
  readonly checkpoints: { readonly sets: number; readonly setsPerSec: number; readonly nodes: NodeSample[] }[];
  readonly longestSnapshotPauseMs: number;
  readonly restart: { readonly node: string; readonly servingMs: number; readonly caughtUpMs: number }[];
  readonly throughput: {
    readonly withSnapshots: number[];
    readonly withoutSnapshots: number[];
    /** Per turn pair: with / without. */
    readonly ratios: number[];
    readonly medianRatio: number;
  };
  readonly targets: { readonly name: string; readonly ok: boolean; readonly detail: string }[];
}

function bytesUnder(path: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(path);
  } catch {
    return 0;
  }
  for (const name of names) {
    const full = join(path, name);
    try {
      const stat = statSync(full);
      total += stat.isDirectory() ? bytesUnder(full) : stat.size;
    } catch {
      // Deleted while we looked (a compaction): it no longer counts.
    }
  }
  return total;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

async function sample(group: NodeGroup, dataDir: string): Promise<NodeSample[]> {
  const samples: NodeSample[] = [];
  for (const id of group.ids) {
    const folder = join(dataDir, nodeFolderName(id));
    const info = await nodeInfo(HOST, group.portOf(id), 2000);
    samples.push({
      node: id,
      role: info?.get('role') ?? '?',
      folderMiB: round(bytesUnder(folder) / MiB),
      walMiB: round(bytesUnder(join(folder, 'wal')) / MiB),
      snapshotMiB: round(bytesUnder(join(folder, 'snap')) / MiB, 3),
      rssMiB: round(residentMiB(group.pidOf(id)) ?? Number.NaN, 1),
      snapshotIndex: info ? infoNumber(info, 'snapshot_index') : Number.NaN,
      snapshotsTaken: info ? infoNumber(info, 'snapshots_taken') : Number.NaN,
    });
  }
  return samples;
}

async function leaderTarget(group: NodeGroup) {
  const leader = await group.waitForLeader();
  return { host: HOST, port: group.portOf(leader) };
}

async function setLoad(group: NodeGroup, count: number, keys: number, valueBytes: number) {
  const result = await runLoad({
    op: 'SET',
    targets: [await leaderTarget(group)],
    connections: 16,
    pipeline: 16,
    keySpace: keys,
    valueBytes,
    totalOps: count,
    timeoutMs: 30 * 60_000,
  });
  if (result.aborted) throw new Error(`load aborted: ${result.aborted}`);
  return result;
}

/** Kills `id`, restarts it, and times spawn-to-serving and spawn-to-caught-up. */
async function timeRestart(group: NodeGroup, id: string) {
  await group.crash(id);
  const started = performance.now();
  await group.restart(id);
  const servingMs = performance.now() - started;
  await group.waitForCaughtUp(id, 120_000);
  return { node: id, servingMs: round(servingMs, 0), caughtUpMs: round(performance.now() - started, 0) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function measureSnapshotGrowth(settings: SnapshotGrowthSettings): Promise<SnapshotGrowthResult> {
  const { log } = settings;
  const dataDir = mkdtempSync(join(tmpdir(), 'raftlab-bench-snap-'));
  const offDir = mkdtempSync(join(tmpdir(), 'raftlab-bench-nosnap-'));
  let group: NodeGroup | null = null;
  let off: NodeGroup | null = null;
  try {
    group = await NodeGroup.start({ dataDir });
    log(`snapshots: 3 nodes up (--snapshot-entries default), ${settings.sets} SETs over ${settings.keys} keys`);
    const checkpoints: SnapshotGrowthResult['checkpoints'][number][] = [];
    let done = 0;
    for (const target of settings.checkpoints) {
      const result = await setLoad(group, target - done, settings.keys, settings.valueBytes);
      done = target;
      const nodes = await sample(group, dataDir);
      checkpoints.push({ sets: target, setsPerSec: round(result.opsPerSec, 0), nodes });
      log(
        `snapshots: at ${target} SETs (${round(result.opsPerSec, 0)}/s): ` +
          nodes
            .map(
              (n) => `${n.role} folder ${n.folderMiB} MiB (wal ${n.walMiB}, snap ${n.snapshotMiB}) rss ${n.rssMiB} MiB`,
            )
            .join('; '),
      );
    }
    let longestSnapshotPauseMs = 0;
    for (const id of group.ids) {
      const info = await nodeInfo(HOST, group.portOf(id), 2000);
      if (info) longestSnapshotPauseMs = Math.max(longestSnapshotPauseMs, infoNumber(info, 'snapshot_pause_ms_max'));
    }
    const leader = await group.waitForLeader();
    const restart = [];
    for (const id of group.ids.filter((node) => node !== leader)) restart.push(await timeRestart(group, id));
    log(
      `snapshots: restart at ${done} SETs: ${restart.map((r) => `${r.servingMs} ms to serve, ${r.caughtUpMs} ms to catch up`).join('; ')}`,
    );

    // Throughput by turns: the same group (snapshots on), and a second group with them off.
    off = await NodeGroup.start({ dataDir: offDir, nodeArgs: ['--snapshot-entries', String(1e12)] });
    const withSnapshots: number[] = [];
    const withoutSnapshots: number[] = [];
    const timed = async (g: NodeGroup) => {
      const result = await runLoad({
        op: 'SET',
        targets: [await leaderTarget(g)],
        connections: 16,
        pipeline: 16,
        keySpace: settings.keys,
        valueBytes: settings.valueBytes,
        durationMs: settings.turnSeconds * 1000,
        warmupMs: 1000,
      });
      if (result.aborted) throw new Error(`load aborted: ${result.aborted}`);
      return result.opsPerSec;
    };
    for (let turn = 0; turn < settings.turns; turn++) {
      // Alternate which goes first, so a drift in the machine's load falls on both alike.
      if (turn % 2 === 0) {
        withSnapshots.push(await timed(group));
        withoutSnapshots.push(await timed(off));
      } else {
        withoutSnapshots.push(await timed(off));
        withSnapshots.push(await timed(group));
      }
      log(
        `snapshots: turn ${turn + 1}: with ${round(withSnapshots.at(-1)!, 0)}/s, without ${round(withoutSnapshots.at(-1)!, 0)}/s`,
      );
    }
    const ratios = withSnapshots.map((value, i) => round(value / withoutSnapshots[i]!, 3));
    const medianRatio = round(median(ratios), 3);
    const maxFolder = Math.max(...checkpoints.flatMap((c) => c.nodes.map((n) => n.folderMiB)));
    const maxRss = Math.max(...checkpoints.flatMap((c) => c.nodes.map((n) => n.rssMiB)));
    const maxRestart = Math.max(...restart.map((r) => r.servingMs));
    const targets = [
      { name: 'folder <= 64 MiB at every point', ok: maxFolder <= 64, detail: `largest ${maxFolder} MiB` },
      { name: 'RSS <= 150 MiB per node', ok: maxRss <= 150, detail: `largest ${maxRss} MiB` },
      { name: 'restart < 1 s (spawn to serving)', ok: maxRestart < 1000, detail: `slowest ${maxRestart} ms` },
      {
        name: 'SET throughput with snapshots >= 95% of without',
        ok: medianRatio >= 0.95,
        detail: `median ratio ${medianRatio} (${ratios.join(', ')})`,
      },
    ];
    return {
      settings: {
        sets: settings.sets,
        keys: settings.keys,
        valueBytes: settings.valueBytes,
        checkpoints: settings.checkpoints,
        turns: settings.turns,
        turnSeconds: settings.turnSeconds,
      },
      checkpoints,
      longestSnapshotPauseMs,
      restart,
      throughput: {
        withSnapshots: withSnapshots.map((v) => round(v, 0)),
        withoutSnapshots: withoutSnapshots.map((v) => round(v, 0)),
        ratios,
        medianRatio,
      },
      targets,
    };
  } finally {
    await group?.stop();
    await off?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(offDir, { recursive: true, force: true });
  }
}

function formatResult(result: SnapshotGrowthResult): string {
  const lines = ['sets     node              role      folder MiB  wal MiB  snap MiB  rss MiB  snap index'];
  for (const checkpoint of result.checkpoints) {
    for (const n of checkpoint.nodes) {
      lines.push(
        `${String(checkpoint.sets).padEnd(8)} ${n.node.padEnd(17)} ${n.role.padEnd(9)} ${String(n.folderMiB).padStart(10)}  ${String(n.walMiB).padStart(7)}  ${String(n.snapshotMiB).padStart(8)}  ${String(n.rssMiB).padStart(7)}  ${n.snapshotIndex}`,
      );
    }
  }
  lines.push(`longest snapshot pause: ${result.longestSnapshotPauseMs} ms`);
  for (const r of result.restart)
    lines.push(`restart ${r.node}: ${r.servingMs} ms to serve, ${r.caughtUpMs} ms to catch up`);
  lines.push(
    `SET/s with snapshots ${result.throughput.withSnapshots.join(', ')}; without ${result.throughput.withoutSnapshots.join(', ')}; median ratio ${result.throughput.medianRatio}`,
  );
  for (const t of result.targets) lines.push(`${t.ok ? 'PASS' : 'FAIL'} ${t.name}: ${t.detail}`);
  return lines.join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const value = (name: string, fallback: number): number => positiveOption(argv, name, fallback);
  const sets = value('--sets', 1_000_000);
  const result = await measureSnapshotGrowth({
    sets,
    keys: value('--keys', 1000),
    valueBytes: value('--value-bytes', 100),
    checkpoints: [0.1, 0.5, 1].map((share) => Math.round(sets * share)),
    turns: value('--turns', 6),
    turnSeconds: value('--turn-seconds', 8),
    log: (line) => console.error(line),
  });
  emitResult(argv, result, formatResult(result));
  return 0;
}

runAsScript(import.meta.url, main);
