// What the nemesis does to a cluster, whichever way it runs: six nodes in one `raftlab cluster`
// process (faults through its control API), or six `raftlab node` processes (faults by signals).
import type { ChildExit } from './child';

export const ALL_FAULTS = [
  'kill-leader',
  'kill-two-of-group',
  'isolate-leader',
  'split',
  'one-way-cut',
  'latency-loss',
  'pause',
  'reshard',
] as const;

export type FaultKind = (typeof ALL_FAULTS)[number];

export interface Crash extends ChildExit {
  /** Milliseconds since the run started. */
  readonly atMs: number;
}

export interface ClusterTarget {
  readonly mode: 'host' | 'processes';
  readonly partitions: readonly (readonly string[])[];
  /** The faults this mode can apply; the rest are skipped, and the report says so. */
  readonly faults: readonly FaultKind[];
  start(): Promise<void>;
  /** Each group's leader, or null where none is known now. */
  leaders(): Promise<(string | null)[]>;
  kill(id: string): Promise<void>;
  /** Cut every link between the sides (host mode only). */
  partition(sides: readonly (readonly string[])[]): Promise<void>;
  /** Cut the link from `a` to `b` only (host mode only). */
  cutOneWay(a: string, b: string): Promise<void>;
  setNetwork(latencyMs: readonly [number, number], dropRate: number): Promise<void>;
  /** Host mode: the cluster's clock (timers and messages) stops; process mode: SIGSTOP to `ids`. */
  pause(ids: readonly string[]): Promise<void>;
  /** Undo every fault: restart the dead, resume the paused, heal every link, no added latency or loss. */
  healAll(): Promise<void>;
  /** Host mode: add a group (when the ring has its bootstrap two) or remove one; keys move while clients run. */
  reshard?(random: { nextInt(n: number): number }): Promise<string>;
  /** Host mode: resolves once no key move is under way (or the time is up). */
  settle?(timeoutMs: number): Promise<void>;
  /** Processes that exited without being told to, so far. */
  crashes(): readonly Crash[];
  stop(): Promise<void>;
}
