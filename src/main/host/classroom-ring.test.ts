// The ring a view draws is the ring that routes: a cluster host with the classroom's few tokens per
// group reports them in its state, and every key a node serves lands in the group that ring names
// (never in the group the default ring would have named).
import { afterEach, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster, waitForLeaders } from '../../../test/integration/support/cluster';
import { HashRing } from '../../shared/ring';
import { CLASSROOM_TOKENS_PER_GROUP } from '../../shared/ring-tokens';

let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe('ClusterHost with a classroom ring', () => {
  it('shows the ring it routes by, and routes every key by it', async () => {
    cluster = await startCluster(3, 1, { inMemory: true, ringTokensPerGroup: CLASSROOM_TOKENS_PER_GROUP });
    const state = await waitForLeaders(cluster.host, 20_000);
    expect(state.ring.tokensPerGroup).toBe(CLASSROOM_TOKENS_PER_GROUP);
    expect(state.ring.tokens).toHaveLength(3 * CLASSROOM_TOKENS_PER_GROUP);
    const shown = new HashRing(3, { tokensPerGroup: state.ring.tokensPerGroup });
    expect(shown.tokens).toEqual(state.ring.tokens);
    const fine = new HashRing(3);
    const keys = Array.from({ length: 24 }, (_, i) => `key-${i}`);
    let disagreements = 0;
    for (const key of keys) {
      // Through group 0's node, whatever group the key belongs to: it routes (and forwards) by its ring.
      const result = await cluster.host.kv({ op: 'SET', key, value: 'v', via: state.partitions[0]![0]! });
      expect(result.ok, result.error ?? '').toBe(true);
      expect(result.group, key).toBe(shown.groupOf(key));
      if (fine.groupOf(key) !== shown.groupOf(key)) disagreements++;
    }
    // The test can tell the two rings apart: some of its keys go elsewhere on the default ring.
    expect(disagreements).toBeGreaterThan(0);
  }, 40_000);
});
