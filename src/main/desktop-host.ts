// The cluster the desktop app shows: the seed README's five nodes, at a classroom speed.
//
// The classroom speed: timescale 10 with 15-40 ms of added latency per message. Elections then take
// 1.5-3 s, heartbeats come every 0.5 s, and each message is in flight for 150-400 ms of real time,
// long enough to follow with the eye, short enough that an election finishes before attention
// drifts. Loopback TCP alone would deliver every message in well under a millisecond: without the
// added latency nobody could see a message fly. The headless `raftlab cluster` stays at real time.
import { isAbsolute, join } from 'node:path';
import { DEFAULT_PARTITIONS, type Partitions } from '../shared/config';
import { CLASSROOM_TOKENS_PER_GROUP } from '../shared/ring-tokens';
import { DEFAULT_RUN_OPTIONS } from './cli/options';
import { timingOf } from './cli/timing';
import { ClusterHost } from './host/cluster-host';

export const CLASSROOM_TIMESCALE = 10;
export const CLASSROOM_LATENCY_MS: readonly [number, number] = [15, 40];

/**
 * The nodes' cluster secret is ClusterHost's default: made once per configuration in the data
 * folder (`<dataDir>/<config id>/cluster.secret`, mode 0600), so the app's nodes authenticate one
 * another and no other process on the machine can speak Raft to them.
 */
export function createDesktopHost(options: {
  dataDir: string;
  partitions?: Partitions;
  log?: (line: string) => void;
  /** `npm start -- --paused` (RAFTLAB_PAUSED=1): the clock starts paused, for staging a lesson. */
  paused?: boolean;
}): ClusterHost {
  return new ClusterHost({
    partitions: options.partitions ?? DEFAULT_PARTITIONS,
    // A ring a class can read, each arc a real token (ring-tokens.ts); its own config id and folder.
    ringTokensPerGroup: CLASSROOM_TOKENS_PER_GROUP,
    dataDir: options.dataDir,
    inMemory: false,
    timing: timingOf(DEFAULT_RUN_OPTIONS),
    timescale: CLASSROOM_TIMESCALE,
    network: { latencyMs: CLASSROOM_LATENCY_MS, dropRate: 0 },
    preVote: DEFAULT_RUN_OPTIONS.preVote,
    checkQuorum: DEFAULT_RUN_OPTIONS.checkQuorum,
    maxValueBytes: DEFAULT_RUN_OPTIONS.maxValueBytes,
    requestTimeoutMs: DEFAULT_RUN_OPTIONS.requestTimeoutMs,
    ...(options.paused ? { paused: true } : {}),
    ...(options.log ? { log: options.log } : {}),
    lessons: true,
  });
}

/**
 * Where `npm start`'s browser fallback keeps the cluster, which has no Electron `userData` folder
 * to use: the platform's per-user data folder, so the cluster outlives the checkout it was started
 * from and leaves nothing in the working directory. A relative XDG_DATA_HOME is ignored, as the
 * XDG specification asks.
 */
export function perUserDataDir(
  env: Readonly<Record<string, string | undefined>>,
  platform: string,
  home: string,
): string {
  let base: string;
  if (platform === 'win32') base = env.APPDATA ?? join(home, 'AppData', 'Roaming');
  else if (platform === 'darwin') base = join(home, 'Library', 'Application Support');
  else base = env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : join(home, '.local', 'share');
  return join(base, 'raftlab', 'cluster-data');
}
