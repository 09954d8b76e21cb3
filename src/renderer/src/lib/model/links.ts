// The links of a group and which way each is cut. The host lists cut links as {a, b, oneWay}; a
// pair may be cut both ways by one entry, or one way by each of two entries.
import type { LinkView, NodeId } from '../../../../shared/api';

export interface LinkCut {
  /** Messages from a to b are cut. */
  readonly aToB: boolean;
  readonly bToA: boolean;
}

/** Every unordered pair of members, in member order: the links drawn inside a group. */
export function linkPairs(members: readonly NodeId[]): [NodeId, NodeId][] {
  const pairs: [NodeId, NodeId][] = [];
  for (let i = 0; i < members.length; i++) {
    for (let j = i + 1; j < members.length; j++) pairs.push([members[i] ?? '', members[j] ?? '']);
  }
  return pairs;
}

export function cutBetween(links: readonly LinkView[], a: NodeId, b: NodeId): LinkCut {
  let aToB = false;
  let bToA = false;
  for (const link of links) {
    if (link.a === a && link.b === b) {
      aToB = true;
      if (!link.oneWay) bToA = true;
    } else if (link.a === b && link.b === a) {
      bToA = true;
      if (!link.oneWay) aToB = true;
    }
  }
  return { aToB, bToA };
}

export type CutDescription = 'none' | 'both' | 'a-to-b' | 'b-to-a';

export function describeCut(cut: LinkCut): CutDescription {
  if (cut.aToB && cut.bToA) return 'both';
  if (cut.aToB) return 'a-to-b';
  if (cut.bToA) return 'b-to-a';
  return 'none';
}

/** Whether a message from `from` to `to` would be cut. */
export function isCut(links: readonly LinkView[], from: NodeId, to: NodeId): boolean {
  return cutBetween(links, from, to).aToB;
}

/** The two sides of a partition: the chosen nodes, and every other node. Null when either side would be empty. */
export function partitionSides(all: readonly NodeId[], sideA: ReadonlySet<NodeId>): [NodeId[], NodeId[]] | null {
  const a = all.filter((id) => sideA.has(id));
  const b = all.filter((id) => !sideA.has(id));
  return a.length > 0 && b.length > 0 ? [a, b] : null;
}
