// The observable history of a simulated cluster: what the harness saw each node do, event by
// event, plus a snapshot of every node at the end of each step. The safety checkers judge only
// this record, so a hand-made history can prove that a checker fails when it should.
import type { Entry, HardState, Message, NodeId, Role } from '../../src/shared/raft/types';

export type DropReason = 'loss' | 'cut' | 'down';

export type HistoryEvent =
  | { readonly kind: 'deliver'; readonly tick: number; readonly message: Message }
  | { readonly kind: 'drop'; readonly tick: number; readonly message: Message; readonly reason: DropReason }
  | { readonly kind: 'duplicate'; readonly tick: number; readonly message: Message }
  /** A node's role or term changed (observed after every input to its core). */
  | {
      readonly kind: 'role';
      readonly tick: number;
      readonly node: NodeId;
      readonly role: Role;
      readonly term: number;
      readonly leader: NodeId | null;
    }
  /** A Ready's persist step reached the disk; `entries` overwrite the log from entries[0].index. */
  | {
      readonly kind: 'persist';
      readonly tick: number;
      readonly node: NodeId;
      /** The node's role and term when it persisted, to judge whether a leader rewrote its log. */
      readonly role: Role;
      readonly term: number;
      readonly hardState: HardState | null;
      readonly entries: readonly Entry[];
    }
  /**
   * The node's log in memory is now its disk up to `from - 1`, then `entries`: what it received or
   * proposed and has not made durable yet (its save is in flight, or not begun). `from` is Infinity
   * when the memory log is the disk's. A node votes, leads and commits with its memory log, so the
   * checkers judge it by that log; only disks count towards durability.
   */
  | {
      readonly kind: 'memory';
      readonly tick: number;
      readonly node: NodeId;
      readonly from: number;
      readonly entries: readonly Entry[];
      /**
       * Set when the core took an InstallSnapshot its disk has not installed yet: its memory log
       * is the committed prefix up to here, then `entries` from `from` (= snapshot + 1) on.
       */
      readonly snapshot?: number;
    }
  | { readonly kind: 'apply'; readonly tick: number; readonly node: NodeId; readonly entry: Entry }
  /**
   * compact: the node took a snapshot at `index` and its disk dropped the log up to it. install: it
   * installed one received from the leader (its log is now the committed prefix up to `index`, its
   * state machine at `index`). restore: it restarted from its disk's snapshot.
   */
  | {
      readonly kind: 'snapshot';
      readonly tick: number;
      readonly node: NodeId;
      readonly phase: 'compact' | 'install' | 'restore';
      readonly index: number;
      readonly term: number;
    }
  /** `torn`: the node died in the middle of a Ready, after sending but before persisting. */
  | { readonly kind: 'crash'; readonly tick: number; readonly node: NodeId; readonly torn: boolean }
  | { readonly kind: 'restart'; readonly tick: number; readonly node: NodeId }
  | {
      readonly kind: 'propose';
      readonly tick: number;
      readonly node: NodeId;
      readonly index: number;
      readonly term: number;
      readonly commands: readonly string[];
    }
  /** The node that took a KV write applied it at the index it was proposed at: the client hears OK. */
  | {
      readonly kind: 'write-ack';
      readonly tick: number;
      readonly node: NodeId;
      readonly key: string;
      readonly value: string;
      readonly index: number;
    }
  | {
      readonly kind: 'read-start';
      readonly tick: number;
      readonly node: NodeId;
      readonly readId: number;
      readonly key: string;
    }
  /** `index` is the log index of the write whose value the read returned, 0 for a missing key. */
  | {
      readonly kind: 'read-done';
      readonly tick: number;
      readonly node: NodeId;
      readonly readId: number;
      readonly key: string;
      readonly value: string | null;
      readonly index: number;
    }
  | { readonly kind: 'read-failed'; readonly tick: number; readonly node: NodeId; readonly readId: number }
  /** A fault or repair the harness applied: partition, cut, heal, network weather, transfer. */
  | { readonly kind: 'fault'; readonly tick: number; readonly fault: string; readonly detail: string };

export type HistoryEventKind = HistoryEvent['kind'];

/** A HistoryEvent before the cluster stamps its tick (distributes Omit over the union). */
export type UnstampedEvent = HistoryEvent extends infer E ? (E extends HistoryEvent ? Omit<E, 'tick'> : never) : never;

export interface NodeSnapshot {
  readonly id: NodeId;
  readonly alive: boolean;
  /** The fields below describe the running core; for a crashed node they hold its last known values. */
  readonly role: Role;
  readonly term: number;
  readonly leader: NodeId | null;
  readonly commit: number;
  /** The host's state machine, not the core's bookkeeping. */
  readonly applied: number;
  readonly lastIndex: number;
  readonly lastTerm: number;
  /** A slow save is under way: the core may hold entries (and a commit) its disk does not have yet. */
  readonly savePending: boolean;
  /** What the disk holds; once no save is pending the core's log must equal it. */
  readonly diskLastIndex: number;
  readonly diskLastTerm: number;
}

export interface StepSnapshot {
  readonly tick: number;
  readonly nodes: readonly NodeSnapshot[];
}

export interface HistoryObserver {
  onEvent(event: HistoryEvent): void;
  afterStep(snapshot: StepSnapshot): void;
}
