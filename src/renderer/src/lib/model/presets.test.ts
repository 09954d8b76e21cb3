import { describe, expect, it } from 'vitest';
import { presetPartitions } from '../../../../shared/config';
import { presetOf } from './presets';

describe('the preset a running configuration is', () => {
  it('names each preset by its partitions', () => {
    expect(presetOf(presetPartitions('readme'))).toBe('readme');
    expect(presetOf(presetPartitions('sharded'))).toBe('sharded');
  });

  it('is none for any other configuration, or none yet', () => {
    expect(presetOf([['127.0.0.1:5001', '127.0.0.1:5002']])).toBeNull();
    expect(presetOf(presetPartitions('readme').map((group) => [...group].reverse()))).toBeNull();
    expect(presetOf(undefined)).toBeNull();
  });
});
