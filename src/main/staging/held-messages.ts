// What the message inspector shows of a held message, and which held messages a step lets go.
// Pure: the cluster host hands in what its transports hold.
import type { Message } from '../../shared/raft/types';
import type { HeldMessageView } from '../../shared/staging-api';

export interface HeldMessage {
  readonly id: number;
  readonly message: Message;
}

/** Entries are listed as `index/term`, at most this many, so one huge App stays readable. */
const ENTRIES_SHOWN = 8;

export function heldMessageView({ id, message }: HeldMessage): HeldMessageView {
  const fields: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(message)) {
    if (name === 'type' || name === 'from' || name === 'to' || name === 'term') continue;
    if (name === 'entries' && Array.isArray(value)) {
      const entries = value as readonly { index: number; term: number }[];
      fields.entries = entries.length;
      if (entries.length > 0) {
        const shown = entries.slice(0, ENTRIES_SHOWN).map((entry) => `${entry.index}/${entry.term}`);
        fields.entryTerms = shown.join(' ') + (entries.length > ENTRIES_SHOWN ? ' …' : '');
      }
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      fields[name] = value;
    }
  }
  return { id, kind: message.type, from: message.from, to: message.to, term: message.term, fields };
}

/** Held messages in the one order stepping uses: by id, which is the order they were sent. */
export function inStepOrder<T extends { readonly id: number }>(held: readonly T[]): T[] {
  return [...held].sort((a, b) => a.id - b.id);
}

/**
 * The ids of the next `count` messages to deliver. Because ids grow in send order and each link
 * keeps its own messages in send order, the globally oldest are always the oldest of their link,
 * so every link can let them go from its head.
 */
export function nextToStep(held: readonly { readonly id: number }[], count: number): number[] {
  return inStepOrder(held)
    .slice(0, Math.max(0, count))
    .map((message) => message.id);
}
