// Issue 12's throughput target, measured with redis-benchmark (not our own load client): SET
// throughput of a 3-node group of `raftlab node` processes with snapshots on (the default
// --snapshot-entries) against a second such group with them effectively off (--snapshot-entries
// 10^12), in alternating turns in one run, so that drift in the machine's load falls on both alike.
// Reports each pair and the median of the per-pair ratios; the target is with >= 95% of without.
//
//   npx tsx bench/snapshot-throughput.ts [--pairs P] [--sets N] [--keys K] [--json FILE]
//   npm run bench -- --only snapshot-throughput     the same, from the main benchmark
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { infoNumber, nodeInfo } from './info';
import { NodeGroup } from './node-group';
import { emitResult, positiveOption, runAsScript } from './script-cli';

const HOST = '127.0.0.1';
const SNAPSHOTS_OFF = String(1e12);

export interface SnapshotThroughputSettings {
  /** Turn pairs: each one run of each group, the order alternating. */
  readonly pairs: number;
  /** SETs per redis-benchmark run. */
  readonly sets: number;
  readonly keys: number;
  readonly clients: number;
  readonly pipeline: number;
  readonly valueBytes: number;
  readonly log: (line: string) => void;
}

export interface SnapshotThroughputResult {
  readonly settings: Omit<SnapshotThroughputSettings, 'log'>;
  readonly withSnapshots: number[];
  readonly withoutSnapshots: number[];
  /** Per pair: with / without. */
  readonly ratios: number[];
  readonly medianRatio: number;
  /** Snapshots the leader of each group took during the run: proof that one side took them and the other did not. */
  readonly snapshotsTaken: { readonly with: number; readonly without: number };
  readonly ok: boolean;
}

const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Where redis-benchmark is, or an error that says how to get it. */
export function findRedisBenchmark(): string {
  const found = spawnSync('which', ['redis-benchmark'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') {
    throw new Error('redis-benchmark is not installed (Debian: apt-get install redis-tools)');
  }
  return path;
}

/** One redis-benchmark SET run against `port`; its requests per second, from the CSV line. */
function redisBenchmarkSet(binary: string, port: number, settings: SnapshotThroughputSettings): Promise<number> {
  const args = ['-h', HOST, '-p', String(port), '-t', 'set', '-n', String(settings.sets)];
  args.push('-c', String(settings.clients), '-P', String(settings.pipeline), '-r', String(settings.keys));
  args.push('-d', String(settings.valueBytes), '--csv');
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text));
    child.once('error', reject);
    child.once('exit', (code) => {
      // e.g. "SET","41407.87","0.552",...: the test's name, then requests per second.
      const line = out.split('\n').find((l) => l.startsWith('"SET"'));
      const rps = line === undefined ? Number.NaN : Number(line.split(',')[1]?.replaceAll('"', ''));
      if (code !== 0 || !Number.isFinite(rps) || rps <= 0) {
        reject(new Error(`redis-benchmark exited ${code} without a SET rate:\n${out}\n${err}`));
      } else resolve(rps);
    });
  });
}

async function leaderPort(group: NodeGroup): Promise<number> {
  return group.portOf(await group.waitForLeader());
}

async function snapshotsTakenBy(group: NodeGroup): Promise<number> {
  const info = await nodeInfo(HOST, await leaderPort(group), 2000);
  return info ? infoNumber(info, 'snapshots_taken') : Number.NaN;
}

export async function measureSnapshotThroughput(
  settings: SnapshotThroughputSettings,
): Promise<SnapshotThroughputResult> {
  const { log } = settings;
  const binary = findRedisBenchmark();
  const onDir = mkdtempSync(join(tmpdir(), 'raftlab-bench-snapon-'));
  const offDir = mkdtempSync(join(tmpdir(), 'raftlab-bench-snapoff-'));
  let on: NodeGroup | null = null;
  let off: NodeGroup | null = null;
  try {
    on = await NodeGroup.start({ dataDir: onDir });
    off = await NodeGroup.start({ dataDir: offDir, nodeArgs: ['--snapshot-entries', SNAPSHOTS_OFF] });
    log(
      `snapshot-throughput: two 3-node groups up; ${settings.pairs} pairs of ${settings.sets} SETs over ${settings.keys} keys`,
    );
    const withSnapshots: number[] = [];
    const withoutSnapshots: number[] = [];
    const timed = async (group: NodeGroup) => redisBenchmarkSet(binary, await leaderPort(group), settings);
    // One uncounted run each first: the first pair measured JIT warm-up of whichever side went first.
    await timed(on);
    await timed(off);
    for (let pair = 0; pair < settings.pairs; pair++) {
      if (pair % 2 === 0) {
        withSnapshots.push(await timed(on));
        withoutSnapshots.push(await timed(off));
      } else {
        withoutSnapshots.push(await timed(off));
        withSnapshots.push(await timed(on));
      }
      log(
        `snapshot-throughput: pair ${pair + 1}: with ${round(withSnapshots.at(-1)!)}/s, without ${round(withoutSnapshots.at(-1)!)}/s`,
      );
    }
    const ratios = withSnapshots.map((value, i) => round(value / withoutSnapshots[i]!, 3));
    const medianRatio = round(median(ratios), 3);
    return {
      settings: {
        pairs: settings.pairs,
        sets: settings.sets,
        keys: settings.keys,
        clients: settings.clients,
        pipeline: settings.pipeline,
        valueBytes: settings.valueBytes,
      },
      withSnapshots: withSnapshots.map((v) => round(v)),
      withoutSnapshots: withoutSnapshots.map((v) => round(v)),
      ratios,
      medianRatio,
      snapshotsTaken: { with: await snapshotsTakenBy(on), without: await snapshotsTakenBy(off) },
      ok: medianRatio >= 0.95,
    };
  } finally {
    await on?.stop();
    await off?.stop();
    rmSync(onDir, { recursive: true, force: true });
    rmSync(offDir, { recursive: true, force: true });
  }
}

export function formatSnapshotThroughput(result: SnapshotThroughputResult): string {
  const lines = ['pair  with snapshots SET/s  without SET/s  ratio'];
  for (const [i, ratio] of result.ratios.entries()) {
    lines.push(
      `${String(i + 1).padEnd(5)} ${String(result.withSnapshots[i]).padStart(20)}  ${String(result.withoutSnapshots[i]).padStart(12)}  ${ratio}`,
    );
  }
  lines.push(
    `median ratio ${result.medianRatio}; snapshots taken by the leaders: with ${result.snapshotsTaken.with}, without ${result.snapshotsTaken.without}`,
  );
  lines.push(`${result.ok ? 'PASS' : 'FAIL'} SET throughput with snapshots >= 95% of without`);
  return lines.join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const value = (name: string, fallback: number): number => positiveOption(argv, name, fallback);
  const result = await measureSnapshotThroughput({
    pairs: value('--pairs', 6),
    sets: value('--sets', 100_000),
    keys: value('--keys', 1000),
    clients: value('--clients', 16),
    pipeline: value('--pipeline', 16),
    valueBytes: value('--value-bytes', 100),
    log: (line) => console.error(line),
  });
  emitResult(argv, result, formatSnapshotThroughput(result));
  return 0;
}

runAsScript(import.meta.url, main);
