// What the request router needs from the Raft node it runs beside: propose a command and learn its
// result once applied, read the state machine linearizably, and know who leads. NodeHost implements it.
import type { NodeId } from '../../shared/raft/types';
import type { ApplyResult, KvStateMachine } from './state-machine';

/** The node is not the leader; `leader` is the best hint it has. Retrying elsewhere is safe. */
export class NotLeaderError extends Error {
  override readonly name = 'NotLeaderError';
  constructor(readonly leader: NodeId | null) {
    super(leader ? `not the leader; the leader is ${leader}` : 'no leader is known');
  }
}

/**
 * The proposal was overwritten by another leader's entry at its index, so it was never applied:
 * retrying is safe. (A proposal whose fate is unknown is reported by the timeout, not by this.)
 */
export class ProposalDroppedError extends Error {
  override readonly name = 'ProposalDroppedError';
}

/** The node stopped (killed or shut down) while the request waited. */
export class NodeStoppedError extends Error {
  override readonly name = 'NodeStoppedError';
}

export interface LocalGroup {
  readonly nodeId: NodeId;
  readonly group: number;
  /** False once the node was killed, stopped or failed: requests waiting on it give up at once. */
  readonly alive: boolean;
  /** Resolves with the state machine's result for the command once it is committed and applied here. */
  propose(command: Uint8Array): Promise<ApplyResult>;
  /** Runs `read` against the state machine once a ReadIndex confirms it is up to date. Works on followers. */
  read<T>(read: (machine: KvStateMachine) => T): Promise<T>;
  /** The leader this node believes in, or null. */
  leader(): NodeId | null;
  isLeader(): boolean;
  /** Resolves when the node next learns something about leadership (or after `ms` of host time). */
  waitForLeaderChange(ms: number): Promise<void>;
}
