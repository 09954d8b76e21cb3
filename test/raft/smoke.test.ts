import { describe, expect, it } from 'vitest';
import { bytes, Cluster } from './helpers';

describe('a three-node cluster', () => {
  it('elects a leader and replicates proposals to every node', () => {
    const c = new Cluster(['n1', 'n2', 'n3']);
    c.elect('n1');
    const r = c.node('n1').propose([bytes('a'), bytes('b')]);
    expect(r).toMatchObject({ ok: true, firstIndex: 2 });
    c.run();
    c.tick(2);
    for (const id of ['n1', 'n2', 'n3']) expect(c.appliedTexts(id)).toEqual(['a', 'b']);
  });
});
