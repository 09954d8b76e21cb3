// Roles are data: each role is one table of behaviour, and becoming a role swaps the table. Nothing
// else in the core asks which role it is in.
import type { Raft } from './raft';
import type { ConfChange, Message, NodeId, ProposeResult, Role } from './types';

export interface RoleBehaviour {
  readonly role: Role;
  tick(raft: Raft): void;
  /** Times out now (campaign() or TimeoutNow): a leader has nothing to time out. */
  campaign(raft: Raft, transfer: boolean): void;
  /** A message whose term the common rules have already reconciled with ours. */
  step(raft: Raft, message: Message): void;
  propose(raft: Raft, commands: readonly Uint8Array[]): ProposeResult;
  proposeConfChange(raft: Raft, change: ConfChange): ProposeResult;
  /** The host's snapshot transfer to `to` ended (leader only). */
  reportSnapshot(raft: Raft, to: NodeId, ok: boolean): void;
  /** A committed config entry just changed the membership. */
  membershipChanged(raft: Raft): void;
  readIndex(raft: Raft, context: number): boolean;
  transferLeadership(raft: Raft, to: NodeId | undefined): boolean;
  /** Work deferred to the next ready() so that it is batched; `hasPending` says whether there is any. */
  flush(raft: Raft): void;
  hasPending(raft: Raft): boolean;
  /** The host confirmed more of our log durable. */
  persisted(raft: Raft): void;
}
