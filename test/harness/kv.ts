// The simulated state machine: the applied entries in order, plus a tiny key-value map fed by
// `set` commands. Anything else a test proposes is applied as an opaque command.
import type { Entry } from '../../src/shared/raft/types';

export interface SetCommand {
  readonly op: 'set';
  readonly key: string;
  readonly value: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeText(text: string): Uint8Array {
  return encoder.encode(text);
}

export function decodeText(data: Uint8Array): string {
  return decoder.decode(data);
}

/** `set <key> <value>`: keys and values are single words in the simulation. */
export function encodeSet(key: string, value: string): Uint8Array {
  return encodeText(`set ${key} ${value}`);
}

// Every node applies the very same Uint8Array objects (the simulated network passes references),
// and restarts apply them again: decode each one once.
const decoded = new WeakMap<Uint8Array, SetCommand | null>();

export function decodeSet(data: Uint8Array): SetCommand | null {
  const cached = decoded.get(data);
  if (cached !== undefined) return cached;
  const parts = decodeText(data).split(' ');
  const command: SetCommand | null =
    parts.length === 3 && parts[0] === 'set' ? { op: 'set', key: parts[1]!, value: parts[2]! } : null;
  decoded.set(data, command);
  return command;
}

export interface StoredValue {
  readonly value: string;
  /** The log index of the write that stored it. */
  readonly index: number;
}

export class KvStateMachine {
  private readonly log: Entry[] = [];
  private readonly map = new Map<string, StoredValue>();

  get appliedIndex(): number {
    return this.log.length;
  }

  /** Every entry applied so far, index i at position i - 1. */
  get applied(): readonly Entry[] {
    return this.log;
  }

  get(key: string): StoredValue | undefined {
    return this.map.get(key);
  }

  /** A copy as of now: what a snapshot of this state machine holds (the applied entries too, for checks). */
  clone(): KvStateMachine {
    const copy = new KvStateMachine();
    copy.log.push(...this.log);
    for (const [key, value] of this.map) copy.map.set(key, value);
    return copy;
  }

  apply(entry: Entry): void {
    if (entry.index !== this.log.length + 1) {
      throw new Error(`state machine: asked to apply ${entry.index} after ${this.log.length}`);
    }
    this.log.push(entry);
    const command = entry.type === 'normal' ? decodeSet(entry.data) : null;
    if (command !== null) this.map.set(command.key, { value: command.value, index: entry.index });
  }
}
