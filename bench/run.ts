// `npm run bench`: RaftLab next to redis-server, on this machine, in one run (issue 6).
//
//   npm run bench                  the full run (under ten minutes)
//   npm run bench -- --quick       under a minute
//   npm run bench -- --quick --smoke   the quickest run through every measurement, for CI
//   npm run bench -- --json FILE   write the JSON there instead of stdout
//   npm run bench -- --profile DIR node processes write --cpu-prof profiles to DIR
//
// Progress and the table go to stderr; the JSON object goes to stdout (or FILE). Exit 0 when every
// measurement ran, whatever the figures; 1 when one failed; 2 for bad arguments.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_RUN_OPTIONS } from '../src/main/cli/options';
import { measureClusterCosts } from './cluster-costs';
import { measureEventStreamCost } from './event-stream-cost';
import { measureFailover } from './failover';
import { formatJoinGrowth, measureJoinGrowth } from './join-growth';
import type { LoadResult } from './load-client';
import { NodeGroup } from './node-group';
import { freePorts } from './processes';
import { findRedisServer, REDIS_INSTALL_HINT, RedisServer, redisVersion } from './redis-server';
import { type BenchResults, compareCells, evaluateTargets, formatTable } from './report';
import { measureSnapshotGrowth } from './snapshot-growth';
import { formatSnapshotThroughput, measureSnapshotThroughput } from './snapshot-throughput';
import { type MatrixSettings, measureMatrices, type NamedTarget } from './throughput';

const SECTIONS = [
  'throughput',
  'redis',
  'failover',
  'cluster',
  'events',
  'snapshots',
  'join',
  'snapshot-throughput',
] as const;
type Section = (typeof SECTIONS)[number];
/**
 * Long cases (minutes each) that run only when named with --only: 1M SETs for issue 12's numbers, a
 * 4th node joining a group of 100k keys, and SET throughput with snapshots on and off by turns.
 */
const LONG_SECTIONS: readonly Section[] = ['snapshots', 'join', 'snapshot-throughput'];

const USAGE = `usage: npm run bench -- [--quick] [--smoke] [--json FILE] [--profile DIR] [--only LIST] [--keep]

Starts a 3-node group as three 'raftlab node' processes (fsync on) and a redis-server with
appendfsync always, runs the same load client against both, and reports SET/GET throughput and
latency, failover time, the idle CPU and memory of a 3x3 cluster, and the cost of a subscribed
event view, with the targets of issue 6.

  --quick         under a minute: short cells, 3 failovers, a 3 s idle window right after
                  start (the full run lets the cluster settle for 30 s first)
  --smoke         the quickest run through every measurement (tiny counts, figures meaningless)
  --json FILE     write the JSON object to FILE instead of stdout
  --profile DIR   run the node and cluster processes with --cpu-prof, profiles in DIR
  --only LIST     comma-separated subset of: ${SECTIONS.join(', ')}
                  (snapshots, 1M SETs with snapshots and compaction, join, a node joining a
                  group of 100k keys, and snapshot-throughput, redis-benchmark SETs with
                  snapshots on and off by turns, run only when named here)
  --keep          keep the temp data dirs
  -h, --help      this text`;

interface Plan {
  readonly mode: 'full' | 'quick' | 'smoke';
  readonly matrix: MatrixSettings;
  readonly failoverTries: number;
  readonly settleSeconds: number;
  readonly idleSeconds: number;
  readonly clusterWrites: number;
  readonly eventRounds: number;
  readonly eventRoundMs: number;
}

const KEY_SPACE = 10_000;
const VALUE_BYTES = 100;

function planFor(quick: boolean, smoke: boolean): Plan {
  const matrix = {
    ops: ['SET', 'GET'],
    clients: [1, 16, 64],
    pipelines: [1, 16],
    keySpace: KEY_SPACE,
    valueBytes: VALUE_BYTES,
  } as const;
  if (smoke) {
    return {
      mode: 'smoke',
      matrix: { ...matrix, keySpace: 500, warmupMs: 0, durationMs: 150 },
      failoverTries: 1,
      settleSeconds: 0.2,
      idleSeconds: 0.5,
      clusterWrites: 500,
      eventRounds: 1,
      eventRoundMs: 200,
    };
  }
  if (quick) {
    return {
      mode: 'quick',
      matrix: { ...matrix, warmupMs: 150, durationMs: 600 },
      failoverTries: 3,
      settleSeconds: 1.5,
      idleSeconds: 3,
      clusterWrites: 10_000,
      eventRounds: 1,
      eventRoundMs: 1000,
    };
  }
  return {
    mode: 'full',
    matrix: { ...matrix, warmupMs: 1000, durationMs: 4000 },
    failoverTries: 20,
    // An idle cluster is one that has been idle: code run only by heartbeats takes this long to be
    // compiled (measured: 6% of a core 2 s after start, 2.1% after 45 s).
    settleSeconds: 30,
    idleSeconds: 10,
    clusterWrites: 100_000,
    // Alternating rounds, each side's median: other work on the machine hits both sides alike.
    eventRounds: 5,
    eventRoundMs: 2000,
  };
}

interface Args {
  readonly quick: boolean;
  readonly smoke: boolean;
  readonly json: string | null;
  readonly profileDir: string | null;
  readonly only: ReadonlySet<Section>;
  readonly keep: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Args | 'help' {
  let quick = false;
  let smoke = false;
  let keep = false;
  let json: string | null = null;
  let profileDir: string | null = null;
  let only = new Set<Section>(SECTIONS.filter((section) => !LONG_SECTIONS.includes(section)));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    switch (arg) {
      case '-h':
      case '--help':
        return 'help';
      case '--quick':
        quick = true;
        break;
      case '--smoke':
        smoke = true;
        break;
      case '--keep':
        keep = true;
        break;
      case '--json':
        json = value();
        break;
      case '--profile':
        profileDir = value();
        break;
      case '--only': {
        const names = value().split(',');
        for (const name of names) {
          if (!(SECTIONS as readonly string[]).includes(name)) throw new UsageError(`unknown section '${name}'`);
        }
        only = new Set(names as Section[]);
        break;
      }
      default:
        throw new UsageError(`unknown argument '${arg}'`);
    }
  }
  return { quick, smoke, json, profileDir, only, keep };
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(args: Args): Promise<number> {
  const plan = planFor(args.quick, args.smoke);
  const startedAt = new Date();
  // Other work on the machine moves every figure; the load average says how much there was.
  const loadAverageAtStart = loadavg();
  const began = performance.now();
  const root = mkdtempSync(join(tmpdir(), 'raftlab-bench-'));
  const nodeFlags = args.profileDir ? ['--cpu-prof', '--cpu-prof-dir', resolve(args.profileDir)] : undefined;
  if (args.profileDir) mkdirSync(args.profileDir, { recursive: true });
  const failures: { section: Section; error: string }[] = [];
  const attempt = async <T>(section: Section, work: () => Promise<T>): Promise<T | null> => {
    if (!args.only.has(section)) return null;
    try {
      return await work();
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      failures.push({ section, error: message });
      log(`${section}: FAILED: ${message}`);
      return null;
    }
  };
  const withFlags = nodeFlags ? { nodeFlags } : {};

  log(`raftlab bench (${plan.mode}): ${cpus().length} cores, node ${process.version}, data in ${root}`);
  let raftlab: LoadResult[] | null = null;
  let redis: LoadResult[] | null = null;
  let redisInfo: { binary: string; version: string | null } | null = null;
  let failover: BenchResults['failover'] = null;
  let group: NodeGroup | null = null;
  let leader: string | null = null;
  let redisServer: RedisServer | null = null;
  try {
    if (args.only.has('throughput') || args.only.has('failover')) {
      const section: Section = args.only.has('throughput') ? 'throughput' : 'failover';
      group = await attempt(section, async () => {
        const started = await NodeGroup.start({ dataDir: join(root, 'group'), ...withFlags });
        try {
          leader = await started.waitForLeader();
        } catch (error) {
          await started.stop();
          throw error;
        }
        log(`3-node group up on ${started.ids.join(', ')}; leader ${leader}`);
        return started;
      });
    }
    redisServer = await attempt('redis', async () => {
      const binary = findRedisServer();
      if (binary === null) {
        log(REDIS_INSTALL_HINT);
        return null;
      }
      redisInfo = { binary, version: redisVersion(binary) };
      const dir = join(root, 'redis');
      mkdirSync(dir);
      const [port] = await freePorts(1);
      const server = await RedisServer.start(binary, port!, dir);
      log(`redis-server ${redisInfo.version ?? ''} (appendonly yes, appendfsync always) on port ${port}`);
      return server;
    });

    // Each cell against our leader, then against redis, before the next cell (see throughput.ts).
    const targets: NamedTarget[] = [];
    if (group !== null && leader !== null && args.only.has('throughput')) {
      targets.push({ name: 'raftlab', target: { host: '127.0.0.1', port: group.portOf(leader) } });
    }
    if (redisServer !== null) targets.push({ name: 'redis', target: { host: '127.0.0.1', port: redisServer.port } });
    if (targets.length > 0) {
      const section: Section = targets[0]!.name === 'raftlab' ? 'throughput' : 'redis';
      const matrices = await attempt(section, async () => {
        log(`SET/GET matrix, each cell on ${targets.map((t) => t.name).join(' then ')}:`);
        return measureMatrices(targets, plan.matrix, log);
      });
      for (const [i, { name }] of targets.entries()) {
        const cells = matrices?.[i] ?? null;
        if (name === 'raftlab') raftlab = cells;
        else redis = cells;
      }
    }
    await redisServer?.stop();
    redisServer = null;

    if (group !== null) {
      const measured = group;
      failover = await attempt('failover', async () => {
        log(`failover, ${plan.failoverTries} tries:`);
        return measureFailover(measured, plan.failoverTries, log);
      });
    }
  } finally {
    await redisServer?.stop();
    await group?.stop();
  }

  const clusterCosts = await attempt('cluster', async () => {
    log(`3x3 cluster: idle ${plan.idleSeconds} s, then ${plan.clusterWrites} writes`);
    return measureClusterCosts({
      dataDir: join(root, 'cluster'),
      settleSeconds: plan.settleSeconds,
      idleSeconds: plan.idleSeconds,
      writes: plan.clusterWrites,
      valueBytes: VALUE_BYTES,
      ...withFlags,
    });
  });

  const eventStream = await attempt('events', async () => {
    log(`event stream cost: ${plan.eventRounds} round(s) each way of ${plan.eventRoundMs} ms`);
    return measureEventStreamCost({
      dataDir: join(root, 'events'),
      rounds: plan.eventRounds,
      roundMs: plan.eventRoundMs,
      warmupMs: Math.min(500, plan.matrix.warmupMs),
      connections: 64,
      keySpace: plan.matrix.keySpace,
      valueBytes: VALUE_BYTES,
      ...withFlags,
    });
  });

  const snapshots = await attempt('snapshots', () =>
    measureSnapshotGrowth({
      sets: args.smoke ? 20_000 : 1_000_000,
      keys: 1000,
      valueBytes: VALUE_BYTES,
      checkpoints: args.smoke ? [2_000, 10_000, 20_000] : [100_000, 500_000, 1_000_000],
      turns: args.smoke ? 2 : 6,
      turnSeconds: args.smoke ? 2 : 8,
      log,
    }),
  );

  const joinGrowth = await attempt('join', async () => {
    const result = await measureJoinGrowth({
      keys: args.smoke ? 2_000 : 100_000,
      runs: args.smoke ? 1 : 3,
      valueBytes: VALUE_BYTES,
      log,
    });
    log(formatJoinGrowth(result));
    return result;
  });

  const snapshotThroughput = await attempt('snapshot-throughput', async () => {
    const result = await measureSnapshotThroughput({
      pairs: args.smoke ? 1 : 7,
      sets: args.smoke ? 5_000 : 200_000,
      keys: 1000,
      clients: 16,
      pipeline: 16,
      valueBytes: VALUE_BYTES,
      log,
    });
    log(formatSnapshotThroughput(result));
    return result;
  });

  const results: BenchResults = {
    raftlab,
    redis,
    failover,
    clusterCosts,
    eventStream,
    electionTimeoutMaxMs: DEFAULT_RUN_OPTIONS.electionTimeoutMs.max,
  };
  const report = {
    bench: 'raftlab',
    mode: plan.mode,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    seconds: (performance.now() - began) / 1000,
    machine: {
      cores: cpus().length,
      cpuModel: cpus()[0]?.model ?? null,
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      loadAverageAtStart,
      loadAverageAtEnd: loadavg(),
      redis: redisInfo,
    },
    settings: {
      ...plan,
      electionTimeoutMs: DEFAULT_RUN_OPTIONS.electionTimeoutMs,
      heartbeatMs: DEFAULT_RUN_OPTIONS.heartbeatMs,
      profileDir: args.profileDir,
    },
    throughput: { raftlab, redis, ratios: compareCells(results) },
    failover,
    clusterCosts,
    eventStream,
    snapshots,
    joinGrowth,
    snapshotThroughput,
    targets: evaluateTargets(results),
    failures,
  };

  log('');
  log(formatTable(results));
  const load = (values: number[]) => values.map((value) => value.toFixed(1)).join(' ');
  log(
    `\n${plan.mode} run took ${report.seconds.toFixed(1)} s; load average ${load(loadAverageAtStart)} at the start, ` +
      `${load(report.machine.loadAverageAtEnd)} at the end` +
      (args.smoke ? ' (smoke: figures are not meaningful)' : ''),
  );
  const json = JSON.stringify(report, null, 2);
  if (args.json) writeFileSync(args.json, `${json}\n`);
  else process.stdout.write(`${json}\n`);
  if (!args.keep) rmSync(root, { recursive: true, force: true });
  return failures.length > 0 ? 1 : 0;
}

let parsed: Args | 'help';
try {
  parsed = parseArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`bench: ${error.message}\n\n${USAGE}`);
  process.exit(2);
}
if (parsed === 'help') {
  console.log(USAGE);
} else {
  main(parsed).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
}
