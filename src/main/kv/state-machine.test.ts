import { describe, expect, it } from 'vitest';
import type { Entry } from '../../shared/raft/types';
import { SeededRandom } from '../../shared/random';
import { type Command, encodeCommand } from './command';
import {
  ApplyOrderError,
  type ApplyResult,
  KvStateMachine,
  MAX_KEYS_LISTED,
  VALUE_BY_REFERENCE_MIN_BYTES,
} from './state-machine';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

/** Feeds commands as consecutive entries, the way committed entries reach the host. */
class Log {
  readonly machine = new KvStateMachine();
  private index = 0;

  entry(data: Uint8Array, type: Entry['type'] = 'normal'): ApplyResult {
    return this.machine.apply({ index: ++this.index, term: 1, type, data });
  }

  run(command: Command): ApplyResult {
    return this.entry(encodeCommand(command));
  }

  set(key: string | Uint8Array, value: string | Uint8Array): ApplyResult {
    const bytes = (x: string | Uint8Array) => (typeof x === 'string' ? text(x) : x);
    return this.run({ type: 'set', key: bytes(key), value: bytes(value) });
  }

  del(...keys: string[]): ApplyResult {
    return this.run({ type: 'del', keys: keys.map(text) });
  }
}

describe('KvStateMachine applies committed commands in log order', () => {
  it('answers SET with ok and makes the value readable', () => {
    const log = new Log();
    expect(log.set('color', 'blue')).toEqual({ index: 1, type: 'set' });
    expect(str(log.machine.get('color'))).toBe('blue');
    expect(log.machine.appliedIndex).toBe(1);
  });

  it('overwrites a value on a second SET', () => {
    const log = new Log();
    log.set('color', 'blue');
    log.set('color', 'green');
    expect(str(log.machine.get('color'))).toBe('green');
    expect(log.machine.size).toBe(1);
  });

  it('answers DEL with the number of keys it removed', () => {
    const log = new Log();
    log.set('a', '1');
    log.set('b', '2');
    expect(log.del('a', 'missing', 'b', 'a')).toEqual({ index: 3, type: 'del', removed: 2 });
    expect(log.machine.get('a')).toBeNull();
    expect(log.machine.size).toBe(0);
    expect(log.del('a')).toEqual({ index: 4, type: 'del', removed: 0 });
  });

  it('lets a no-op entry advance appliedIndex and change nothing else', () => {
    const log = new Log();
    log.set('k', 'v');
    expect(log.entry(new Uint8Array(0), 'noop')).toEqual({ index: 2, type: 'noop' });
    expect(log.machine.appliedIndex).toBe(2);
    expect(log.machine.size).toBe(1);
  });

  it('skips an undecodable command deterministically, reports it, and goes on', () => {
    const log = new Log();
    log.set('k', 'v');
    const result = log.entry(new Uint8Array([0x58, 1, 2, 3]));
    expect(result).toEqual({ index: 2, type: 'invalid', error: 'unknown opcode 0x58' });
    expect(log.machine.appliedIndex).toBe(2);
    expect(log.machine.skippedCommands).toBe(1);
    expect(str(log.machine.get('k'))).toBe('v');
    expect(log.set('k', 'w')).toEqual({ index: 3, type: 'set' });
  });

  it('refuses an entry out of order, since that is a bug in the host', () => {
    const machine = new KvStateMachine();
    const data = encodeCommand({ type: 'set', key: text('k'), value: text('v') });
    expect(() => machine.apply({ index: 2, term: 1, type: 'normal', data })).toThrow(ApplyOrderError);
    machine.apply({ index: 1, term: 1, type: 'normal', data });
    expect(() => machine.apply({ index: 1, term: 1, type: 'normal', data })).toThrow(
      'entry 1 applied after entry 1; expected 2',
    );
    expect(machine.appliedIndex).toBe(1);
  });

  it('brings two replicas fed the same entries to the same state and the same results', () => {
    const random = new SeededRandom(17);
    const a = new Log();
    const b = new Log();
    const keys = ['a', 'b', 'c', 'd', 'e'];
    for (let i = 0; i < 2000; i++) {
      const choice = random.nextInt(10);
      const data =
        choice < 6
          ? encodeCommand({ type: 'set', key: text(keys[random.nextInt(5)]!), value: text(String(i)) })
          : choice < 9
            ? encodeCommand({ type: 'del', keys: [text(keys[random.nextInt(5)]!), text(keys[random.nextInt(5)]!)] })
            : new Uint8Array([random.nextInt(256)]);
      expect(a.entry(data)).toEqual(b.entry(data));
    }
    expect(a.machine.keys().map(str)).toEqual(b.machine.keys().map(str));
    for (const key of keys) expect(str(a.machine.get(key))).toBe(str(b.machine.get(key)));
    expect(a.machine.bytes).toBe(b.machine.bytes);
  });
});

describe('KvStateMachine reads of large values', () => {
  it('hands out a large value itself, every GET the same bytes, and keeps no view of the entry', () => {
    const log = new Log();
    const value = new Uint8Array(VALUE_BY_REFERENCE_MIN_BYTES).fill(7);
    const entry = encodeCommand({ type: 'set', key: text('big'), value });
    log.entry(entry);
    entry.fill(0); // the log's buffer is reused or dropped: the stored value must not change with it
    const first = log.machine.get('big')!;
    expect(Buffer.from(first).equals(value)).toBe(true);
    expect(log.machine.get('big')).toBe(first);
    expect(log.machine.bytes).toBe('big'.length + value.length);
    // A small value is a copy each time: a caller may keep it without pinning the table.
    log.set('small', 'v');
    expect(log.machine.get('small')).not.toBe(log.machine.get('small'));
  });
});

describe('KvStateMachine keys are binary-safe', () => {
  it('keeps keys apart that differ only in bytes no text encoding would show', () => {
    const log = new Log();
    const zero = new Uint8Array([0]);
    const zeroZero = new Uint8Array([0, 0]);
    const high = new Uint8Array([0xff, 0xfe]);
    log.set(zero, '1');
    log.set(zeroZero, '2');
    log.set(high, '3');
    log.set(new Uint8Array(0), 'empty');
    expect(str(log.machine.get(zero))).toBe('1');
    expect(str(log.machine.get(zeroZero))).toBe('2');
    expect(str(log.machine.get(high))).toBe('3');
    expect(str(log.machine.get(''))).toBe('empty');
    expect(log.machine.size).toBe(4);
  });

  it('finds a key given as a string by its UTF-8 bytes', () => {
    const log = new Log();
    log.set(text('café'), 'x');
    expect(log.machine.exists('café')).toBe(true);
    expect(log.machine.exists('cafe')).toBe(false);
  });

  it('stores values with every byte value unchanged, and a read returns a copy the caller may change', () => {
    const log = new Log();
    const every = Uint8Array.from({ length: 512 }, (_, i) => (i * 7) % 256);
    log.set(text('k'), every);
    const first = log.machine.get('k')!;
    expect([...first]).toEqual([...every]);
    first.fill(0);
    expect([...log.machine.get('k')!]).toEqual([...every]);
  });

  it('handles a key longer than one String.fromCharCode chunk', () => {
    const log = new Log();
    const big = Uint8Array.from({ length: 200_000 }, (_, i) => i % 251);
    log.set(big, 'v');
    const other = big.slice();
    other[150_000] = 0;
    expect(str(log.machine.get(big.slice()))).toBe('v');
    expect(log.machine.get(other)).toBeNull();
    expect(Array.from(log.machine.keys()[0]!)).toEqual(Array.from(big));
  });

  it('stores a copy of the value, not a view of the entry', () => {
    const log = new Log();
    const data = encodeCommand({ type: 'set', key: text('k'), value: text('before') });
    log.entry(data);
    data.fill(0x7a);
    expect(str(log.machine.get('k'))).toBe('before');
  });
});

describe('KvStateMachine reads and views', () => {
  it('counts EXISTS over several keys, a repeated key each time', () => {
    const log = new Log();
    log.set('a', '1');
    log.set('b', '2');
    expect(log.machine.countExisting(['a', 'b', 'c', 'a'])).toBe(3);
    expect(log.machine.exists('c')).toBe(false);
  });

  it('lists keys oldest first and never more than asked, nor than the cap', () => {
    const log = new Log();
    for (let i = 0; i < 12; i++) log.set(`key${i}`, 'v');
    expect(log.machine.keys(3).map(str)).toEqual(['key0', 'key1', 'key2']);
    expect(log.machine.keys()).toHaveLength(12);
    expect(log.machine.keys(-5)).toEqual([]);
    expect(log.machine.keys(Number.POSITIVE_INFINITY)).toHaveLength(12);
    expect(MAX_KEYS_LISTED).toBeGreaterThan(0);
  });

  it('keeps a count of the bytes held through sets, overwrites and deletes', () => {
    const log = new Log();
    log.set('ab', '1234');
    expect(log.machine.bytes).toBe(6);
    log.set('ab', '12');
    expect(log.machine.bytes).toBe(4);
    log.set('c', '');
    expect(log.machine.bytes).toBe(5);
    log.del('ab', 'zz');
    expect(log.machine.bytes).toBe(1);
  });
});
