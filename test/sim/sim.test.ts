// The simulator over many seeds: every safety property checked after every step, and recovery
// within the liveness bound once the faults stop. A failure names its seed and how to re-run it.
import { describe, expect, it } from 'vitest';
import { ACTIONS, addMix, type FaultMix } from './fault-mix';
import { simulate } from './simulate';

const SEEDS = 300;
const BATCH = 50;

describe('simulation: safety under drops, delays, reorders, duplicates, partitions and crashes; liveness once healed', () => {
  let mix: FaultMix | null = null;

  for (let first = 1; first <= SEEDS; first += BATCH) {
    const last = Math.min(SEEDS, first + BATCH - 1);
    it(`seeds ${first}..${last} keep every invariant and recover within the bound`, () => {
      for (let seed = first; seed <= last; seed++) {
        const result = simulate(seed);
        expect(result.commitIndex, `seed ${seed} committed nothing`).toBeGreaterThan(0);
        mix = addMix(mix, result.mix);
      }
      // Generous: a busy 2-core machine runs a batch in about 5 s; this only stops a hung run.
    }, 120_000);
  }

  it('the seeds exercised every kind of fault and client action', () => {
    expect(mix).not.toBeNull();
    const total = mix!;
    for (const action of ACTIONS) expect(total.actions[action], action).toBeGreaterThan(0);
    expect(total.messagesLost).toBeGreaterThan(0);
    expect(total.messagesCut).toBeGreaterThan(0);
    expect(total.messagesToDeadNodes).toBeGreaterThan(0);
    expect(total.messagesDuplicated).toBeGreaterThan(0);
    expect(total.messagesDelayed).toBeGreaterThan(0);
    expect(total.messagesReordered).toBeGreaterThan(0);
    expect(total.writesAcknowledged).toBeGreaterThan(0);
    expect(total.readsCompleted).toBeGreaterThan(0);
    // Issue 12: snapshots, InstallSnapshot, restarts from a snapshot and committed membership changes.
    expect(total.snapshotsTaken).toBeGreaterThan(0);
    expect(total.snapshotsInstalled).toBeGreaterThan(0);
    expect(total.restartsFromSnapshot).toBeGreaterThan(0);
    expect(total.membershipChangesCommitted).toBeGreaterThan(0);
  });
});

describe('simulation regressions: seeds that once failed', () => {
  // 101245 and 148018 elected a leader holding committed entries that its save in flight had not yet
  // made durable; the checkers read only disks and cried Leader Completeness. The model now knows each
  // node's unsaved entries (checkers.test.ts has the exact history). Since the simulator drives the
  // production Ready loop these seeds take other paths; they stay here as seeds a run must pass.
  for (const seed of [101245, 148018]) {
    it(`seed ${seed} keeps every invariant and recovers within the bound`, () => {
      expect(simulate(seed).commitIndex).toBeGreaterThan(0);
    });
  }
});

describe('simulation replay', () => {
  it('the same seed replays the same run, event for event', () => {
    const lines = (seed: number) => {
      const trace: string[] = [];
      const result = simulate(seed, { steps: 400, verbose: (line) => trace.push(line) });
      return { result, trace };
    };
    const first = lines(7);
    const again = lines(7);
    expect(again.trace).toEqual(first.trace);
    expect(again.result).toEqual(first.result);
    expect(lines(8).trace).not.toEqual(first.trace);
  });

  it('pinned options override what the seed would choose', () => {
    const result = simulate(3, { clusterSize: 7, steps: 200, preVote: true, checkQuorum: false });
    expect(result.options).toMatchObject({ clusterSize: 7, steps: 200, preVote: true, checkQuorum: false });
  });
});
