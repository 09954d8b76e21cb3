// The hooks a safety checker may implement. The monitor calls them in history order, with the
// model updated as each hook's comment says; a checker throws InvariantViolation to fail.
import type { Entry, NodeId } from '../../../src/shared/raft/types';
import type { HistoryEvent, StepSnapshot } from '../../harness/history';
import type { ClusterModel, LogWrite } from './model';

export type ClientEvent = Extract<HistoryEvent, { kind: 'write-ack' | 'read-start' | 'read-done' | 'read-failed' }>;

export interface Checker {
  /** Before the model takes in the write: `model` still shows the old log. */
  beforeLogWrite?(write: LogWrite, model: ClusterModel): void;
  /** After the model took in the write. */
  afterLogWrite?(write: LogWrite, model: ClusterModel): void;
  /** A node has just become leader of `term`. */
  onLeader?(node: NodeId, term: number, model: ClusterModel): void;
  /** `entry` is the first entry known committed at its index; `observedInTerm` bounds its commit term from above. */
  onCommitted?(entry: Entry, observedInTerm: number, model: ClusterModel): void;
  onApply?(node: NodeId, entry: Entry, model: ClusterModel): void;
  onCrashOrRestart?(node: NodeId, model: ClusterModel): void;
  /** The node's state machine now stands at `index` from a snapshot (installed or restored at a restart). */
  onSnapshotState?(node: NodeId, index: number, model: ClusterModel): void;
  onClient?(event: ClientEvent, model: ClusterModel): void;
  afterStep?(snapshot: StepSnapshot, model: ClusterModel): void;
}
