// Snapshots of a state machine that serves part of the ring (resharding): the snapshot holds the
// group's ring state as of the captured index, a restored replica serves by it (not by its own
// bootstrap ring), and the ring commands' imports and drops during a capture leave the capture exact.
import { describe, expect, it } from 'vitest';
import { HashRing } from '../../shared/ring';
import { encodeCommand } from './command';
import { encodeRingCommand, type RingConfig } from './ring-command';
import { RingState } from './ring-state';
import { KvStateMachine } from './state-machine';

const text = (s: string) => Buffer.from(s, 'latin1');
const noWait = () => Promise.resolve();
const TWO: RingConfig = {
  version: 1,
  groups: [
    { id: 0, members: ['127.0.0.1:5001'] },
    { id: 1, members: ['127.0.0.1:5002'] },
  ],
};
const THREE: RingConfig = { version: 2, groups: [...TWO.groups, { id: 2, members: ['127.0.0.1:5003'] }] };

/** Keys that group 0 serves under TWO: some stay under THREE, some leave for group 2. */
const ownKeys = Array.from({ length: 400 }, (_, i) => `k${i}`).filter((k) => new HashRing([0, 1]).groupOf(k) === 0);
const leaving = ownKeys.filter((k) => new HashRing([0, 1, 2]).groupOf(k) === 2);

function set(machine: KvStateMachine, key: string, value: string): void {
  const index = machine.appliedIndex + 1;
  machine.apply({
    index,
    term: 1,
    type: 'normal',
    data: encodeCommand({ type: 'set', key: text(key), value: text(value) }),
  });
}

function ring(machine: KvStateMachine, command: Parameters<typeof encodeRingCommand>[0]): void {
  machine.apply({ index: machine.appliedIndex + 1, term: 1, type: 'normal', data: encodeRingCommand(command) });
}

async function snapshotOf(machine: KvStateMachine): Promise<{ index: number; body: Uint8Array[] }> {
  const capture = machine.beginSnapshot(noWait);
  const body: Uint8Array[] = [];
  for await (const chunk of capture.chunks) body.push(chunk);
  return { index: capture.index, body };
}

async function* replay(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

describe('snapshots of a group serving part of the ring', () => {
  it('carry the ring state: a restored replica refuses writes to keys its group has handed over', async () => {
    const machine = new KvStateMachine(new RingState(0, TWO));
    for (const key of ownKeys) set(machine, key, `v-${key}`);
    ring(machine, { type: 'freeze', next: THREE });
    ring(machine, { type: 'adopt', ring: THREE });
    expect(leaving.length).toBeGreaterThan(0);
    const { index, body } = await snapshotOf(machine);

    const adopted: number[] = [];
    const restored = new KvStateMachine(new RingState(0, TWO, (config) => adopted.push(config.version)));
    await restored.restore(index, replay(body));
    expect(restored.ring?.version).toBe(2);
    expect(adopted).toEqual([2]);
    const key = leaving[0]!;
    const next = restored.appliedIndex + 1;
    const result = restored.apply({
      index: next,
      term: 1,
      type: 'normal',
      data: encodeCommand({ type: 'set', key: text(key), value: text('late') }),
    });
    expect(result.type).toBe('moved');
    expect(restored.get(key)).toBeNull();
  });

  it('taken during a freeze, restores the freeze: writes to leaving keys stay refused', async () => {
    const machine = new KvStateMachine(new RingState(0, TWO));
    for (const key of ownKeys) set(machine, key, 'v');
    ring(machine, { type: 'freeze', next: THREE });
    const { index, body } = await snapshotOf(machine);
    const restored = new KvStateMachine(new RingState(0, TWO));
    await restored.restore(index, replay(body));
    expect(restored.ring?.pending?.version).toBe(2);
    const result = restored.apply({
      index: index + 1,
      term: 1,
      type: 'normal',
      data: encodeCommand({ type: 'set', key: text(leaving[0]!), value: text('x') }),
    });
    expect(result.type).toBe('moved');
  });

  it('stay exact while a handover drops keys during the capture', async () => {
    const machine = new KvStateMachine(new RingState(0, TWO));
    for (const key of ownKeys) set(machine, key, `v-${key}`);
    ring(machine, { type: 'freeze', next: THREE });
    const before = new Map(ownKeys.map((k) => [k, `v-${k}`]));
    const capture = machine.beginSnapshot(noWait);
    // While the capture has not been read: the handover drops the leaving keys.
    ring(machine, { type: 'adopt', ring: THREE });
    for (const key of leaving) expect(machine.get(key)).toBeNull();
    const body: Uint8Array[] = [];
    for await (const chunk of capture.chunks) body.push(chunk);
    // The live table is the adopted one; the capture is the table before the handover.
    for (const key of leaving) expect(machine.get(key)).toBeNull();
    expect(machine.size).toBe(ownKeys.length - leaving.length);
    const restored = new KvStateMachine(new RingState(0, TWO));
    await restored.restore(capture.index, replay(body));
    expect(restored.size).toBe(before.size);
    for (const [key, value] of before) expect(Buffer.from(restored.get(key)!).toString()).toBe(value);
    expect(restored.ring?.version).toBe(1);
  });
});
