import { describe, expect, it } from 'vitest';
import { medianOf, parseCellRun } from './compare-stats';

const line = (fields: Record<string, unknown>) =>
  JSON.stringify({
    opsPerSec: 12000,
    p50Ms: 4.5,
    errors: 0,
    cpuMicrosPerOp: { leader: '32 + 20', '127.0.0.1:1': '18 + 6', client: '9 + 8' },
    ...fields,
  });

describe('parseCellRun', () => {
  it('sums user and system microseconds over every process', () => {
    expect(parseCellRun(line({}))).toEqual({ opsPerSec: 12000, p50Ms: 4.5, cpuMicrosPerOp: 93 });
  });

  it('refuses a run with errors, a malformed CPU figure, or output that is not JSON', () => {
    expect(parseCellRun(line({ errors: 3 }))).toBeNull();
    expect(parseCellRun(line({ cpuMicrosPerOp: { leader: '32' } }))).toBeNull();
    expect(parseCellRun(line({ cpuMicrosPerOp: { leader: 'a + 1' } }))).toBeNull();
    expect(parseCellRun('Error: no leader')).toBeNull();
  });
});

describe('medianOf', () => {
  it('takes the middle value, or the mean of the middle two, whatever the order', () => {
    expect(medianOf([5, 1, 3])).toBe(3);
    expect(medianOf([4, 1, 3, 10])).toBe(3.5);
    expect(medianOf([])).toBeNull();
  });
});
