// The cluster the desktop app shows: the seed README's five nodes, at a classroom speed.
//
// The classroom speed: timescale 10 with 15-40 ms of added latency per message. Elections then take
// 1.5-3 s, heartbeats come every 0.5 s, and each message is in flight for 150-400 ms of real time,
// long enough to follow with the eye, short enough that an election finishes before attention
// drifts. Loopback TCP alone would deliver every message in well under a millisecond: without the
// added latency nobody could see a message fly. The headless `raftlab cluster` stays at real time.
import { DEFAULT_PARTITIONS, type Partitions } from '../shared/config';
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
}): ClusterHost {
  return new ClusterHost({
    partitions: options.partitions ?? DEFAULT_PARTITIONS,
    dataDir: options.dataDir,
    inMemory: false,
    timing: timingOf(DEFAULT_RUN_OPTIONS),
    timescale: CLASSROOM_TIMESCALE,
    network: { latencyMs: CLASSROOM_LATENCY_MS, dropRate: 0 },
    preVote: DEFAULT_RUN_OPTIONS.preVote,
    checkQuorum: DEFAULT_RUN_OPTIONS.checkQuorum,
    maxValueBytes: DEFAULT_RUN_OPTIONS.maxValueBytes,
    requestTimeoutMs: DEFAULT_RUN_OPTIONS.requestTimeoutMs,
    ...(options.log ? { log: options.log } : {}),
  });
}
