// The state machine's snapshots: a capture is exactly the table at its index however many writes
// land while it is being read, the live table is never disturbed, and restore rebuilds the same table.
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../shared/random';
import { encodeCommand } from './command';
import { KvStateMachine, SNAPSHOT_SLICE_BYTES, VALUE_BY_REFERENCE_MIN_BYTES } from './state-machine';
import { TableBodyError } from './table-codec';

const text = (s: string) => Buffer.from(s, 'latin1');
const noWait = () => Promise.resolve();

/** Applies random SETs and DELs over `keys` keys, some values large, from `machine.appliedIndex + 1`. */
function applyRandom(machine: KvStateMachine, random: SeededRandom, count: number, keys = 300): void {
  for (let i = 0; i < count; i++) {
    const index = machine.appliedIndex + 1;
    const key = text(`key-${random.nextInt(keys)}`);
    const roll = random.nextInt(10);
    const command =
      roll < 2
        ? { type: 'del' as const, keys: [key, text(`key-${random.nextInt(keys)}`)] }
        : {
            type: 'set' as const,
            key,
            value:
              roll === 9
                ? Buffer.alloc(VALUE_BY_REFERENCE_MIN_BYTES + random.nextInt(100), index & 0xff)
                : text(`v${index}-${'x'.repeat(random.nextInt(40))}`),
          };
    machine.apply({ index, term: 1, type: 'normal', data: encodeCommand(command) });
  }
}

/** Everything a reader can see of the table, in a comparable form. */
function contents(machine: KvStateMachine): Map<string, string> {
  const out = new Map<string, string>();
  for (const key of machine.keys(1_000_000)) out.set(key.toString(), Buffer.from(machine.get(key)!).toString('hex'));
  return out;
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

async function* replay(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

describe('KvStateMachine snapshots', () => {
  it('restore of a snapshot gives the same table, sizes and applied index', async () => {
    const machine = new KvStateMachine();
    applyRandom(machine, new SeededRandom(5), 3000);
    const capture = machine.beginSnapshot(noWait);
    const body = await collect(capture.chunks);
    const restored = new KvStateMachine();
    await restored.restore(capture.index, replay(body));
    expect(restored.appliedIndex).toBe(3000);
    expect(contents(restored)).toEqual(contents(machine));
    expect(restored.size).toBe(machine.size);
    expect(restored.bytes).toBe(machine.bytes);
  });

  it('a capture is exactly the table at its index while writes land between its slices', async () => {
    const random = new SeededRandom(11);
    const machine = new KvStateMachine();
    // A reference that never snapshots, fed the same entries: what the live table must equal.
    const reference = new KvStateMachine();
    const feed = (count: number) => {
      const seed = random.nextInt(1_000_000);
      applyRandom(machine, new SeededRandom(seed), count, 2000);
      applyRandom(reference, new SeededRandom(seed), count, 2000);
    };
    feed(20_000);
    const atCapture = contents(reference);
    const capture = machine.beginSnapshot(noWait);
    expect(capture.index).toBe(20_000);
    const body: Uint8Array[] = [];
    const iterator = capture.chunks[Symbol.asyncIterator]();
    let slices = 0;
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      body.push(next.value);
      slices++;
      // 20 000 entries over 2000 keys is a few slices: a capture that keeps going sees later writes.
      if (slices > 200) throw new Error('the capture never ends: it sees writes made after it began');
      // Between slices the loop goes on: overwrites, deletes and new keys.
      feed(500);
      expect(contents(machine)).toEqual(contents(reference));
    }
    expect(slices).toBeGreaterThan(3);
    expect(machine.snapshotInProgress).toBe(false);
    expect(contents(machine)).toEqual(contents(reference));
    expect(machine.size).toBe(reference.size);
    expect(machine.bytes).toBe(reference.bytes);

    const restored = new KvStateMachine();
    await restored.restore(capture.index, replay(body));
    expect(contents(restored)).toEqual(atCapture);
  });

  it('slices stay bounded: none is much more than SNAPSHOT_SLICE_BYTES', async () => {
    const machine = new KvStateMachine();
    applyRandom(machine, new SeededRandom(3), 5000, 5000);
    const body = await collect(machine.beginSnapshot(noWait).chunks);
    const largest = Math.max(...body.map((chunk) => chunk.byteLength));
    expect(largest).toBeLessThan(SNAPSHOT_SLICE_BYTES + VALUE_BY_REFERENCE_MIN_BYTES + 1024);
  });

  it('an abandoned capture (the file write failed) leaves the live table whole, and another may start', async () => {
    const machine = new KvStateMachine();
    const reference = new KvStateMachine();
    applyRandom(machine, new SeededRandom(8), 4000, 3000);
    applyRandom(reference, new SeededRandom(8), 4000, 3000);
    const iterator = machine.beginSnapshot(noWait).chunks[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.next();
    applyRandom(machine, new SeededRandom(9), 300, 3000);
    applyRandom(reference, new SeededRandom(9), 300, 3000);
    await iterator.return?.();
    expect(machine.snapshotInProgress).toBe(false);
    expect(contents(machine)).toEqual(contents(reference));
    expect(() => machine.beginSnapshot(noWait)).not.toThrow();
  });

  it('one capture at a time', () => {
    const machine = new KvStateMachine();
    machine.beginSnapshot(noWait);
    expect(() => machine.beginSnapshot(noWait)).toThrow(/already being taken/);
  });

  it('a body that does not parse is refused and the table stays as it was', async () => {
    const machine = new KvStateMachine();
    applyRandom(machine, new SeededRandom(1), 100);
    const before = contents(machine);
    const good = Buffer.concat(await collect(new KvStateMachine().beginSnapshot(noWait).chunks));
    const cases: [string, Uint8Array[]][] = [
      ['bad magic', [Buffer.from('XXXX\x01')]],
      ['a record cut short', [Buffer.concat([good, Buffer.from([5, 0, 0, 0, 97])])]],
      ['empty', []],
    ];
    for (const [what, body] of cases) {
      await expect(machine.restore(999, replay(body)), what).rejects.toBeInstanceOf(TableBodyError);
      expect(machine.appliedIndex, what).toBe(100);
      expect(contents(machine), what).toEqual(before);
    }
  });

  it('an error from the reader (a CRC mismatch at the end) leaves the table as it was', async () => {
    const machine = new KvStateMachine();
    applyRandom(machine, new SeededRandom(2), 100);
    const before = contents(machine);
    const source = new KvStateMachine();
    applyRandom(source, new SeededRandom(3), 100);
    const body = await collect(source.beginSnapshot(noWait).chunks);
    async function* corrupt() {
      yield* body;
      throw new Error('snapshot: body checksum mismatch in x.snap');
    }
    await expect(machine.restore(100, corrupt())).rejects.toThrow(/checksum mismatch/);
    expect(contents(machine)).toEqual(before);
  });
});
