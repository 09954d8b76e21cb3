// The staging tools of issue 15 on a live cluster: step held messages while paused, drop one by
// hand, align or spread election timers, and the per-peer facts the node table shows (vote
// tallies, last contact). ClusterHost owns one and forwards the StagingApi calls to it.
import { ApiError, type NodeView } from '../../shared/api';
import type { Message, NodeId, RaftCore } from '../../shared/raft/types';
import type { HeldMessageView, StepResult } from '../../shared/staging-api';
import { alignElectionTimers, spreadElectionTimers, voteTally } from './election-timers';
import { heldMessageView, inStepOrder, nextToStep } from './held-messages';

/** What the tools need of a running node. */
export interface StagedNode {
  readonly nodeId: NodeId;
  readonly group: number;
  heldMessages(): { readonly id: number; readonly message: Message }[];
  raftCore(): RaftCore | null;
  recallDelayed(): void;
}

/** What the tools need of the link-fault table. */
export interface StagedFaults {
  readonly paused: boolean;
  stepHeld(ids: readonly number[]): void;
  dropHeld(id: number): void;
  isDoomed(id: number): boolean;
}

export interface StagingHost {
  liveNodes(): Iterable<StagedNode>;
  faults(): StagedFaults;
  /** Host time in ms. */
  now(): number;
}

export class StagingTools {
  /** to → from → host ms of the last message from `from` delivered to `to`. */
  private readonly contacts = new Map<NodeId, Map<NodeId, number>>();

  constructor(private readonly host: StagingHost) {}

  /** Held messages in step order, without those already dropped by hand. */
  held(): HeldMessageView[] {
    const faults = this.host.faults();
    const all = [...this.host.liveNodes()].flatMap((node) => node.heldMessages());
    return inStepOrder(all.filter((held) => !faults.isDoomed(held.id))).map(heldMessageView);
  }

  step(count: number): StepResult {
    const faults = this.host.faults();
    if (!faults.paused) throw new ApiError(409, 'stepping needs the clock paused; pause it first');
    const ids = nextToStep(this.held(), count);
    faults.stepHeld(ids);
    return { delivered: ids.length };
  }

  dropMessage(id: number): void {
    const faults = this.host.faults();
    if (!this.held().some((held) => held.id === id)) {
      throw new ApiError(404, `message ${id} is not held (only a paused cluster holds messages)`);
    }
    faults.dropHeld(id);
  }

  /** Pause just began: messages waiting out their delay are held too, so they can be stepped. */
  onPaused(): void {
    for (const node of this.host.liveNodes()) node.recallDelayed();
  }

  alignTimers(): number {
    return alignElectionTimers(this.timerTargets());
  }

  spreadTimers(): number {
    return spreadElectionTimers(this.timerTargets());
  }

  noteDelivered(from: NodeId, to: NodeId, atMs: number): void {
    let byPeer = this.contacts.get(to);
    if (!byPeer) {
      byPeer = new Map();
      this.contacts.set(to, byPeer);
    }
    byPeer.set(from, atMs);
  }

  /** Adds the node table's facts to a live node's view. */
  decorate(view: NodeView, node: StagedNode | undefined): NodeView {
    const core = node?.raftCore() ?? null;
    const votes = core ? voteTally(core) : undefined;
    const contacts = this.contacts.get(view.id);
    const now = this.host.now();
    return {
      ...view,
      ...(votes ? { votes } : {}),
      ...(contacts
        ? {
            contactAgoMs: Object.fromEntries(
              [...contacts].map(([peer, at]) => [peer, Math.max(0, Math.round(now - at))]),
            ),
          }
        : {}),
    };
  }

  private timerTargets(): { group: number; core: RaftCore }[] {
    const targets: { group: number; core: RaftCore }[] = [];
    for (const node of this.host.liveNodes()) {
      const core = node.raftCore();
      if (core) targets.push({ group: node.group, core });
    }
    return targets;
  }
}
