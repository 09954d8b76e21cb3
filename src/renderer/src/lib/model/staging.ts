// Pure helpers for the staging components: the per-peer table of a node, a candidate's vote
// tally, and how a held message reads in the inspector.
import type { NodeId, NodeView } from '../../../../shared/api';
import type { HeldMessageView } from '../../../../shared/staging-api';

export interface PeerRow {
  readonly peer: NodeId;
  /** Leader only: the next index it will send that peer, and the highest index known to match. */
  readonly next: number | null;
  readonly match: number | null;
  /** Candidate only: 'granted', 'refused' or 'no answer yet'. */
  readonly vote: string | null;
  /** e.g. "120 ms ago", or "never". */
  readonly contact: string;
}

export function peerRows(node: NodeView, members: readonly NodeId[]): PeerRow[] {
  return members
    .filter((peer) => peer !== node.id)
    .map((peer) => {
      const progress = node.progress[peer];
      const vote = node.votes?.[peer];
      const ago = node.contactAgoMs?.[peer];
      return {
        peer,
        next: progress?.next ?? null,
        match: progress?.match ?? null,
        vote: node.votes === undefined ? null : vote === undefined ? 'no answer yet' : vote ? 'granted' : 'refused',
        contact: ago === undefined ? 'never' : `${formatAgo(ago)} ago`,
      };
    });
}

function formatAgo(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** "2/5": the (pre-)votes a candidate holds, out of its group's size; null for other roles. */
export function voteTally(node: NodeView, groupSize: number): string | null {
  if (node.votes === undefined) return null;
  const granted = Object.values(node.votes).filter(Boolean).length;
  return `${granted}/${groupSize}`;
}

/** One line per field, in a stable order, for the message inspector. */
export function messageFieldLines(message: HeldMessageView): string[] {
  return [
    `${message.kind} #${message.id}`,
    `from ${message.from} to ${message.to}, term ${message.term}`,
    ...Object.keys(message.fields)
      .sort()
      .map((name) => `${name}: ${String(message.fields[name])}`),
  ];
}
