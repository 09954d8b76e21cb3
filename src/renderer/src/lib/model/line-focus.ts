// What a narration line is about, for its "why" button: the nodes it names and the log indexes it
// cites. Read back from the sentence itself, so every line the Narrator writes has its focus
// without a second account to keep in step: nodes by the one name the feed uses for them, indexes
// from "index 6", "entry 6" and "entries 5–6".
import type { NodeId } from '../../../../shared/api';
import type { NameOf } from './node-names';

export interface LineFocus {
  readonly nodes: readonly NodeId[];
  /** The log indexes the line cites, inclusive; empty when it cites none. */
  readonly indexes: readonly { readonly from: number; readonly to: number }[];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function focusOfLine(text: string, ids: readonly NodeId[], name: NameOf): LineFocus {
  // A whole name: not the tail of a longer id (":5001" of "127.0.0.1:5001") nor part of a number.
  const nodes = ids.filter((id) => new RegExp(`(^|[^\\w.:])${escapeRegExp(name(id))}(?!\\w)`).test(text));
  const indexes: { from: number; to: number }[] = [];
  for (const match of text.matchAll(/\b(?:index|entry|entries)\s+(\d+)(?:[–-](\d+))?/g)) {
    const from = Number(match[1]);
    indexes.push({ from, to: match[2] === undefined ? from : Number(match[2]) });
  }
  return { nodes, indexes };
}

/** Whether a focus covers a log cell of a node. */
export function focusCovers(focus: LineFocus | null, node: NodeId, index: number): boolean {
  if (!focus?.nodes.includes(node)) return false;
  return focus.indexes.some((range) => index >= range.from && index <= range.to);
}
