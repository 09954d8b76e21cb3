// Which log indices the strips of one group show. Every strip of a group uses the same window,
// so entry i of every node sits in the same column and differences between logs line up. The
// host sends only each log's tail; the window is the newest `maxColumns` indices of their union.
import type { FollowerProgressView, LogEntryView, NodeView } from '../../../../shared/api';

export interface LogWindow {
  /** First and last index shown; empty when `lastIndex < firstIndex`. */
  readonly firstIndex: number;
  readonly lastIndex: number;
}

export interface LogCell {
  readonly index: number;
  readonly term: number;
  readonly command: string;
  readonly committed: boolean;
}

/**
 * What a node says about its compacted prefix (issue 12): the snapshot's last index and term, and the
 * first index its log still holds. Optional here so that a view without them draws no block.
 */
export interface CompactionView {
  readonly snapshotIndex?: number;
  readonly snapshotTerm?: number;
  readonly firstLogIndex?: number;
}

type LogHolder = Pick<NodeView, 'log' | 'lastLogIndex' | 'commitIndex'> & CompactionView;

/** The last index the node's log no longer holds (0: none). */
function compactedThrough(node: CompactionView): number {
  return Math.max(0, (node.firstLogIndex ?? 1) - 1);
}

export function columnCount(window: LogWindow): number {
  return Math.max(0, window.lastIndex - window.firstIndex + 1);
}

export function logWindow(nodes: readonly (Pick<NodeView, 'log'> & CompactionView)[], maxColumns: number): LogWindow {
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const node of nodes) {
    const head = node.log[0];
    const tail = node.log.at(-1);
    if (head) first = Math.min(first, head.index);
    if (tail) last = Math.max(last, tail.index);
  }
  if (last === 0) return { firstIndex: 1, lastIndex: 0 };
  return { firstIndex: Math.max(first, last - Math.max(1, maxColumns) + 1), lastIndex: last };
}

/**
 * One slot per column of the window: the node's entry at that index, or null where it has none (or it
 * was not sent, or it is compacted into the snapshot block).
 */
export function stripCells(node: LogHolder, window: LogWindow): (LogCell | null)[] {
  const cells: (LogCell | null)[] = new Array(columnCount(window)).fill(null);
  const firstHeld = compactedThrough(node) + 1;
  for (const entry of node.log) {
    if (entry.index < firstHeld) continue;
    const column = entry.index - window.firstIndex;
    if (column >= 0 && column < cells.length) cells[column] = toCell(entry, node.commitIndex);
  }
  return cells;
}

function toCell(entry: LogEntryView, commitIndex: number): LogCell {
  return { index: entry.index, term: entry.term, command: entry.command, committed: entry.index <= commitIndex };
}

export interface ProgressMarkers {
  /** Columns of the leader's matchIndex and nextIndex for this follower; null when outside the window. */
  readonly matchColumn: number | null;
  readonly nextColumn: number | null;
  readonly match: number;
  readonly next: number;
}

/**
 * The leader's view of a follower, placed on the follower's strip. nextIndex may point one past the
 * newest entry, so the window counts one extra column for it.
 */
export function progressMarkers(progress: FollowerProgressView | undefined, window: LogWindow): ProgressMarkers | null {
  if (!progress) return null;
  const column = (index: number, allowOnePast: boolean): number | null => {
    const value = index - window.firstIndex;
    const limit = columnCount(window) + (allowOnePast ? 1 : 0);
    return value >= 0 && value < limit ? value : null;
  };
  return {
    match: progress.match,
    next: progress.next,
    matchColumn: progress.match > 0 ? column(progress.match, false) : null,
    nextColumn: column(progress.next, true),
  };
}

export interface SnapshotBlock {
  /** The snapshot's last included index and term (null: not known), what the block is labelled with. */
  readonly index: number;
  readonly term: number | null;
  /** The last index the log no longer holds. */
  readonly compactedThrough: number;
}

/**
 * A node's compacted prefix (every index before the first its log still holds), drawn as one block
 * in a slot before the strip's columns, labelled with the snapshot's last index/term; null when the
 * node has compacted nothing. A slot rather than columns: the prefix is usually thousands of
 * indices left of the tail the strip shows.
 */
export function snapshotBlock(node: CompactionView): SnapshotBlock | null {
  const gone = compactedThrough(node);
  if (gone === 0) return null;
  return { index: node.snapshotIndex ?? gone, term: node.snapshotTerm ?? null, compactedThrough: gone };
}

/** Whether a group's strips need the snapshot slot: some node of it has compacted its log. */
export function needsSnapshotSlot(nodes: readonly CompactionView[]): boolean {
  return nodes.some((node) => compactedThrough(node) > 0);
}
