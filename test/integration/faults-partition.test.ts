// A 5-node group split 2|3 on real TCP: only the side with a majority commits, the other side's
// writes time out with -TRYAGAIN, and healing brings back one leader and one log.
import { afterEach, describe, expect, it } from 'vitest';
import { connect, startCluster, type TestCluster, text, waitForLeaders } from './support/cluster';
import { leaderOf, membersOf, nodeOf, valueFor, waitForLeaderAmong, waitForOneLog, writeKeys } from './support/observe';

const REQUEST_TIMEOUT_MS = 1500;

let cluster: TestCluster | null = null;
afterEach(async () => {
  await cluster?.close();
  cluster = null;
});

describe.each([
  { where: 'the leader is on the minority side', leaderInMinority: true },
  { where: 'the leader is on the majority side', leaderInMinority: false },
])('a 2|3 partition when $where', ({ leaderInMinority }) => {
  it('fails the minority writes with -TRYAGAIN, commits the majority writes, and converges on one log after heal', async () => {
    cluster = await startCluster(1, 5, { requestTimeoutMs: REQUEST_TIMEOUT_MS });
    const { host } = cluster;
    const before = await waitForLeaders(host);
    const oldLeader = leaderOf(before)!.id;
    const followers = membersOf(before)
      .map((n) => n.id)
      .filter((id) => id !== oldLeader);
    const minority = leaderInMinority ? [oldLeader, followers[0]!] : [followers[0]!, followers[1]!];
    const majority = membersOf(before)
      .map((n) => n.id)
      .filter((id) => !minority.includes(id));

    const warmup = await connect(oldLeader);
    expect(await writeKeys(warmup, 'before', 5)).toHaveLength(5);
    warmup.close();

    await host.partition([minority, majority]);
    const newLeader = await waitForLeaderAmong(host, majority);
    if (!leaderInMinority) expect(newLeader.id).toBe(oldLeader);

    const minorityClients = await Promise.all(minority.map((id) => connect(id)));
    const majorityClients = await Promise.all(majority.map((id) => connect(id)));
    const refused = await Promise.all(
      minorityClients.map((client, i) => client.command('SET', `minority-${i}`, 'lost')),
    );
    for (const reply of refused) expect(text(reply)).toMatch(/^TRYAGAIN/);

    const written: string[] = [];
    for (const [i, client] of majorityClients.entries()) {
      written.push(...(await writeKeys(client, `majority-${i}`, 4)));
    }
    expect(written).toHaveLength(4 * majority.length);

    const during = await host.state();
    const majorityCommit = nodeOf(during, newLeader.id).commitIndex;
    for (const id of minority) expect(nodeOf(during, id).commitIndex).toBeLessThan(majorityCommit);
    if (!leaderInMinority) {
      // PreVote: two nodes cannot win a pre-vote of five, so their terms never rise.
      for (const id of minority) expect(nodeOf(during, id).term).toBe(nodeOf(before, id).term);
    }

    await host.heal();
    const healed = await waitForOneLog(host);
    const leaders = membersOf(healed).filter((n) => n.role === 'leader');
    expect(leaders).toHaveLength(1);
    const reference = nodeOf(healed, newLeader.id);
    expect(reference.lastLogIndex).toBeGreaterThanOrEqual(majorityCommit);
    for (const id of minority) {
      const node = nodeOf(healed, id);
      expect([node.lastLogIndex, node.commitIndex]).toEqual([reference.lastLogIndex, reference.commitIndex]);
      expect(node.log.slice(-10)).toEqual(reference.log.slice(-10));
    }

    for (const client of minorityClients) {
      for (const key of [...written, 'before-0', 'before-4']) {
        expect(text(await client.command('GET', key))).toBe(valueFor(key));
      }
      // Written only on the minority side: never committed, so overwritten by the majority's log.
      for (let i = 0; i < minority.length; i++) expect(text(await client.command('GET', `minority-${i}`))).toBeNull();
    }
    for (const client of [...minorityClients, ...majorityClients]) client.close();
  });
});
