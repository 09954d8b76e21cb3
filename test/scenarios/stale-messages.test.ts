// Old news: AppendEntries that arrive newest first, twice, or long after the fact never shorten a
// follower's log (Figure 2, receiver rule 3 deletes only entries that conflict).
import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/shared/raft/types';
import { appliedCommands, checkedCluster } from './support';

const appTo = (id: string) => (m: Message) => m.type === 'App' && m.to === id;
const between = (a: string, b: string) => (m: Message) => (m.from === a && m.to === b) || (m.from === b && m.to === a);

describe('stale and repeated messages', () => {
  it('AppendEntries delivered newest first, twice, or long after the fact never shorten the follower log', () => {
    // Five nodes, so that the leader and n2 alone cannot commit: n2's entries stay uncommitted,
    // which is when a careless follower would let a stale message cut them off.
    const { cluster } = checkedCluster({ size: 5, seed: 71, autoDeliver: false, tuning: { maxInflightMessages: 8 } });
    cluster.campaign('n1');
    cluster.deliverAll();
    const base = cluster.node('n2').disk.lastIndex;
    for (const command of ['a', 'b', 'c']) cluster.propose('n1', [command]);
    // Three Apps to n2 are on the wire, one entry each. Keep the oldest to replay later.
    const [oldest] = cluster.network.pending(appTo('n2'));
    expect(cluster.network.pending(appTo('n2')).length).toBe(3);
    expect(cluster.network.duplicatePending(appTo('n2'))).toBe(3);

    // Newest first, each twice: the later ones fail the log check until their predecessors land.
    cluster.deliver(appTo('n2'), 'newest-first');
    expect(cluster.node('n2').disk.lastIndex).toBe(base + 1);
    cluster.deliverAll(between('n1', 'n2'));
    expect(cluster.node('n2').status()).toMatchObject({ lastIndex: base + 3, commit: base });

    // The App that carried 'a' arrives once more: it matches, so it must not cut off b and c.
    cluster.network.send(oldest!.message, cluster.now);
    expect(cluster.deliver((m) => m === oldest!.message)).toBe(1);
    expect(cluster.node('n2').status().lastIndex).toBe(base + 3);
    expect(cluster.node('n2').disk.lastIndex).toBe(base + 3);

    cluster.deliverAll();
    cluster.tick();
    cluster.deliverAll();
    for (const id of cluster.ids) expect(appliedCommands(cluster, id)).toEqual(['a', 'b', 'c']);
  });
});
