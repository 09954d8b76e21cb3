// The replicated ownership of keys (ring-state.ts) as the state machine applies it: the rules that
// make a move safe whatever a router believes.
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../shared/raft/types';
import { HashRing } from '../../shared/ring';
import { encodeCommand } from './command';
import { decodeRingCommand, encodeRingCommand, type RingCommand, type RingConfig } from './ring-command';
import { EMPTY_RING, RingState } from './ring-state';
import { KvStateMachine } from './state-machine';

const V1: RingConfig = { version: 1, groups: [0, 1].map((id) => ({ id, members: [`127.0.0.1:${5001 + id}`] })) };
const V2: RingConfig = { version: 2, groups: [...V1.groups, { id: 2, members: ['127.0.0.1:5003'] }] };
const ring1 = new HashRing([0, 1]);
const ring2 = new HashRing([0, 1, 2]);
const bytes = (text: string) => Buffer.from(text);

/** Keys owned by group 0 under v1 that move to group 2 under v2, and ones that stay. */
function keysOf(count: number): { moving: string[]; staying: string[] } {
  const moving: string[] = [];
  const staying: string[] = [];
  for (let i = 0; moving.length < count || staying.length < count; i++) {
    const key = `k${i}`;
    if (ring1.groupOf(key) !== 0) continue;
    (ring2.groupOf(key) === 2 ? moving : staying).push(key);
  }
  return { moving: moving.slice(0, count), staying: staying.slice(0, count) };
}

class Replica {
  readonly machine: KvStateMachine;
  private index = 0;
  constructor(group: number, initial: RingConfig) {
    this.machine = new KvStateMachine(new RingState(group, initial));
  }
  apply(data: Uint8Array) {
    const entry: Entry = { index: ++this.index, term: 1, type: 'normal', data };
    return this.machine.apply(entry);
  }
  set(key: string, value: string) {
    return this.apply(encodeCommand({ type: 'set', key: bytes(key), value: bytes(value) }));
  }
  ring(command: RingCommand) {
    return this.apply(encodeRingCommand(command));
  }
  value(key: string): string | null {
    const v = this.machine.get(key);
    return v === null ? null : Buffer.from(v).toString();
  }
}

describe('ring commands: the wire form', () => {
  it('freeze, adopt and import read back as written', () => {
    for (const command of [
      { type: 'freeze', next: V2 },
      { type: 'adopt', ring: V2 },
      {
        type: 'import',
        version: 2,
        pairs: [
          [bytes('a'), bytes('1')],
          [bytes(''), bytes('')],
        ],
      },
    ] as RingCommand[]) {
      const decoded = decodeRingCommand(encodeRingCommand(command));
      expect(JSON.stringify(decoded, (_k, v) => (v instanceof Uint8Array ? [...v] : v))).toEqual(
        JSON.stringify(command, (_k, v) => (v instanceof Uint8Array ? [...v] : v)),
      );
    }
  });

  it('a garbled ring entry is skipped as invalid on every replica, changing nothing', () => {
    const replica = new Replica(0, V1);
    const garbled = encodeRingCommand({ type: 'import', version: 2, pairs: [[bytes('a'), bytes('1')]] }).subarray(
      0,
      12,
    );
    expect(replica.apply(garbled).type).toBe('invalid');
    expect(replica.apply(Buffer.from('R{not json')).type).toBe('invalid');
    expect(replica.machine.size).toBe(0);
    expect(replica.machine.ring!.version).toBe(1);
  });
});

describe('ring state: one group serves each key at every index', () => {
  it('a group refuses a write to a key it does not own, and applies nothing', () => {
    const { moving } = keysOf(1);
    const other = new Replica(1, V1);
    expect(other.set(moving[0]!, 'x').type).toBe('moved');
    expect(other.machine.size).toBe(0);
  });

  it('after FREEZE the leaving keys take no writes but still read; the staying keys take writes', () => {
    const { moving, staying } = keysOf(3);
    const source = new Replica(0, V1);
    for (const key of [...moving, ...staying]) expect(source.set(key, 'old').type).toBe('set');
    expect(source.ring({ type: 'freeze', next: V2 }).type).toBe('ring');
    for (const key of moving) {
      expect(source.set(key, 'new').type).toBe('moved');
      expect(source.value(key)).toBe('old');
      expect(source.machine.ring!.serves(bytes(key))).toBe(true);
    }
    for (const key of staying) expect(source.set(key, 'new').type).toBe('set');
  });

  it('ADOPT hands the leaving keys over: the source drops them and serves them no more', () => {
    const { moving, staying } = keysOf(3);
    const source = new Replica(0, V1);
    for (const key of [...moving, ...staying]) source.set(key, 'v');
    source.ring({ type: 'freeze', next: V2 });
    source.ring({ type: 'adopt', ring: V2 });
    expect(source.machine.size).toBe(staying.length);
    for (const key of moving) expect(source.machine.ring!.serves(bytes(key))).toBe(false);
    expect(source.machine.ring!.version).toBe(2);
  });

  it('a new group serves nothing until it adopts; imports before that become its keys', () => {
    const { moving } = keysOf(3);
    const target = new Replica(2, EMPTY_RING);
    expect(target.set(moving[0]!, 'early').type).toBe('moved');
    target.ring({ type: 'import', version: 2, pairs: moving.map((k) => [bytes(k), bytes(`copy of ${k}`)]) });
    expect(target.machine.ring!.serves(bytes(moving[0]!))).toBe(false);
    target.ring({ type: 'adopt', ring: V2 });
    for (const key of moving) {
      expect(target.machine.ring!.serves(bytes(key))).toBe(true);
      expect(target.value(key)).toBe(`copy of ${key}`);
    }
    expect(target.set(moving[0]!, 'after').type).toBe('set');
  });

  it('a late IMPORT (a retried batch committed after the adopt) cannot undo a newer write', () => {
    const { moving } = keysOf(1);
    const target = new Replica(2, EMPTY_RING);
    const batch: RingCommand = { type: 'import', version: 2, pairs: [[bytes(moving[0]!), bytes('copied')]] };
    target.ring(batch);
    target.ring({ type: 'adopt', ring: V2 });
    target.set(moving[0]!, 'newer');
    const late = target.ring(batch);
    expect(late).toMatchObject({ type: 'ring', applied: false });
    expect(target.value(moving[0]!)).toBe('newer');
  });

  it('a repeated FREEZE or ADOPT (a step done again) changes nothing', () => {
    const source = new Replica(0, V1);
    source.ring({ type: 'freeze', next: V2 });
    source.ring({ type: 'adopt', ring: V2 });
    expect(source.ring({ type: 'freeze', next: V2 })).toMatchObject({ applied: false });
    expect(source.ring({ type: 'adopt', ring: V2 })).toMatchObject({ applied: false });
    expect(source.machine.ring!.pending).toBeNull();
  });

  it('serialise() and restore() carry the ownership and a pending freeze (the snapshot seam)', () => {
    const { moving } = keysOf(1);
    const source = new Replica(0, V1);
    source.ring({ type: 'freeze', next: V2 });
    const copy = new RingState(0, EMPTY_RING);
    copy.restore(source.machine.ring!.serialise());
    expect(copy.version).toBe(1);
    expect(copy.acceptsWrite(bytes(moving[0]!))).toBe(false);
    expect(copy.serves(bytes(moving[0]!))).toBe(true);
  });
});
