// What one simulated run looks like, drawn from its seed: group size, Raft settings, how rough
// the network may get. Any field can be pinned by the caller; the rest follow from the seed.
import { SeededRandom } from '../../src/shared/random';

export interface SimOptions {
  /** 3, 5 or (sometimes) 7 nodes. */
  readonly clusterSize: number;
  /** Actions in the fault phase; about half of them are ticks. */
  readonly steps: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly electionTicksMin: number;
  readonly electionTicksMax: number;
  readonly heartbeatTicks: number;
  readonly maxEntriesPerMessage: number;
  readonly maxInflightMessages: number;
  readonly maxBytesPerMessage: number;
  /** Upper bounds for the network weather the fault phase may choose. */
  readonly maxDropRate: number;
  readonly maxDuplicateRate: number;
  readonly maxDelayTicks: number;
  /** Each save (fsync) takes 0..this many ticks, while the node keeps receiving messages. */
  readonly saveDelayTicksMax: number;
  /** Scales the odds of every fault (not of ticks and client requests): calm, normal or stormy runs. */
  readonly faultIntensity: number;
  /** Before the liveness phase, crash and restart every node, not only the ones that are down. */
  readonly fullRestart: boolean;
  /** Each node snapshots and compacts every this many applied entries; 0 never (issue 12). */
  readonly snapshotEntries: number;
  /** Entries a leader keeps in memory before its snapshot point for slow followers. */
  readonly snapshotCatchUpEntries: number;
  /** The fault phase also adds learners, promotes them and removes members, the leader included. */
  readonly membershipChanges: boolean;
}

export const DEFAULT_STEPS = 2000;

function pick<T>(random: SeededRandom, choices: readonly T[]): T {
  return choices[random.nextInt(choices.length)]!;
}

export function optionsForSeed(seed: number, pinned: Partial<SimOptions> = {}): SimOptions {
  const random = new SeededRandom(seed).fork(1);
  const roll = random.next();
  const clusterSize = roll < 0.45 ? 3 : roll < 0.87 ? 5 : 7;
  const electionTicksMin = 8 + random.nextInt(8);
  return {
    clusterSize,
    steps: DEFAULT_STEPS,
    preVote: random.chance(0.5),
    checkQuorum: random.chance(0.5),
    electionTicksMin,
    electionTicksMax: 2 * electionTicksMin,
    heartbeatTicks: 1 + random.nextInt(3),
    maxEntriesPerMessage: pick(random, [1, 3, 64]),
    maxInflightMessages: pick(random, [1, 4, 64]),
    maxBytesPerMessage: pick(random, [1 << 20, 100]),
    maxDropRate: 0.05 + 0.3 * random.next(),
    maxDuplicateRate: 0.15 * random.next(),
    maxDelayTicks: 1 + random.nextInt(6),
    faultIntensity: pick(random, [0.5, 1, 3]),
    saveDelayTicksMax: pick(random, [0, 0, 1, 3]),
    fullRestart: random.chance(0.3),
    // Drawn from their own stream, so the options above stay what they were for every seed.
    ...issue12Options(new SeededRandom(seed).fork(3)),
    ...pinned,
  };
}

function issue12Options(random: SeededRandom) {
  return {
    snapshotEntries: pick(random, [0, 5, 20, 20, 50]),
    snapshotCatchUpEntries: pick(random, [0, 3, 10]),
    membershipChanges: random.chance(0.6),
  };
}
