// The settings a node or a whole cluster runs with, and their defaults (CONTRACTS.md §2). The
// parser fills them from the command line; the usage text quotes the same defaults, so the help
// can never disagree with the behaviour.

import { DEFAULT_TOKENS_PER_GROUP } from '../../shared/ring';

export interface ElectionTimeoutMs {
  readonly min: number;
  readonly max: number;
}

export interface RunOptions {
  /** One folder per node under this one. */
  readonly dataDir: string;
  /** Keep nothing on disk: a restart starts from an empty log. */
  readonly inMemory: boolean;
  /** Each election timeout is drawn from [min, max) (Raft paper §5.2). */
  readonly electionTimeoutMs: ElectionTimeoutMs;
  readonly heartbeatMs: number;
  /** Every timer and every added network delay is multiplied by this. */
  readonly timescale: number;
  /** A SET with a larger value gets `-ERR value too large`. */
  readonly maxValueBytes: number;
  /** A client request with no answer by then gets `-TRYAGAIN`. */
  readonly requestTimeoutMs: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  /** Print only errors and the lines other programs read (such as `dashboard: URL`). */
  readonly quiet: boolean;
  /** A client idle this long is closed; 0: never, as Redis's `timeout 0` (see usage.ts for why). */
  readonly idleTimeoutSeconds: number;
  /** More client connections than this are refused; peers never count. */
  readonly maxClients: number;
  /** --secret-file: where the cluster secret is; null means RAFTLAB_SECRET or the data folder's cluster.secret. */
  readonly secretFile: string | null;
  /** --insecure: no secret; any process that reaches the ports may speak Raft. */
  readonly insecure: boolean;
  /** --snapshot-entries: a snapshot after this many applied entries; the log before it is dropped. */
  readonly snapshotEntries: number;
  /** --ring-tokens: the ring's tokens per group; every node of a cluster must use the same. */
  readonly ringTokensPerGroup: number;
}

export const DEFAULT_RUN_OPTIONS: RunOptions = {
  dataDir: './raftlab-data',
  inMemory: false,
  electionTimeoutMs: { min: 150, max: 300 },
  heartbeatMs: 50,
  timescale: 1,
  maxValueBytes: 1024 * 1024,
  requestTimeoutMs: 5000,
  preVote: true,
  checkQuorum: true,
  quiet: false,
  idleTimeoutSeconds: 0,
  maxClients: 10_000,
  snapshotEntries: 10_000,
  secretFile: null,
  insecure: false,
  ringTokensPerGroup: DEFAULT_TOKENS_PER_GROUP,
};

/** setTimeout's ceiling (2^31 - 1 ms), in whole seconds: about 24 days. */
export const MAX_IDLE_TIMEOUT_SECONDS = 2_147_483;

/** Redis's own limit for one bulk string; beyond it a value would not fit a RESP reply anyway. */
export const MAX_VALUE_BYTES_LIMIT = 512 * 1024 * 1024;

/** Where `--serve PORT` binds when no host is given: this machine only (CONTRACTS.md §4). */
export const DEFAULT_SERVE_HOST = '127.0.0.1';

/** Where `raftlab client PORT` connects when no host is given. */
export const DEFAULT_CLIENT_HOST = '127.0.0.1';
