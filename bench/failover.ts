// Failover: SIGKILL the leader, then time until the first SET succeeds. The SET goes to a surviving
// node over a connection opened before the kill, and is sent again at once whenever it fails
// (a -TRYAGAIN after the node's own request timeout, or a dropped connection). The killed node is
// restarted from its data dir and must catch up before the next try, so every try starts from a
// healthy group of three.
import { RespClient, RespClientError } from '../src/main/net/resp-client';
import { median } from './latency-recorder';
import type { NodeGroup } from './node-group';
import { delay } from './processes';

export interface FailoverResult {
  readonly tries: number;
  /** Kill to first successful SET, in ms, per try. */
  readonly timesMs: readonly number[];
  readonly medianMs: number;
  readonly maxMs: number;
  /** Tries that never saw a successful SET within the limit. */
  readonly failures: readonly string[];
}

const HOST = '127.0.0.1';
/** A try that has not recovered by then counts as a failure, not as a time. */
const TRY_LIMIT_MS = 20_000;

async function connectTo(group: NodeGroup, id: string): Promise<RespClient> {
  return RespClient.connect(HOST, group.portOf(id), { connectTimeoutMs: 2000, commandTimeoutMs: TRY_LIMIT_MS });
}

/** Sends SETs to `survivor` until one is acknowledged; returns the ms from `startedAt`, or null. */
async function firstSuccessfulSet(
  group: NodeGroup,
  survivor: string,
  client: RespClient,
  key: string,
  startedAt: number,
): Promise<number | null> {
  let current = client;
  while (performance.now() - startedAt < TRY_LIMIT_MS) {
    try {
      const reply = await current.command('SET', key, 'failover');
      if (reply.type === 'simple' && reply.value === 'OK') return performance.now() - startedAt;
    } catch (error) {
      if (!(error instanceof RespClientError)) throw error;
      current.close();
      current = await connectTo(group, survivor).catch(() => current);
    }
    await delay(1);
  }
  return null;
}

export async function measureFailover(
  group: NodeGroup,
  tries: number,
  log: (line: string) => void,
): Promise<FailoverResult> {
  const timesMs: number[] = [];
  const failures: string[] = [];
  for (let attempt = 1; attempt <= tries; attempt++) {
    const leader = await group.waitForLeader(30_000);
    const survivor = group.ids.find((id) => id !== leader)!;
    const client = await connectTo(group, survivor);
    // One SET before the kill: the survivor's route to the leader is warm, as in steady service.
    await client.command('SET', `failover:warm:${attempt}`, 'x');
    const startedAt = performance.now();
    const crashed = group.crash(leader);
    const ms = await firstSuccessfulSet(group, survivor, client, `failover:${attempt}`, startedAt);
    client.close();
    await crashed;
    if (ms === null) failures.push(`try ${attempt}: no SET succeeded within ${TRY_LIMIT_MS} ms`);
    else timesMs.push(ms);
    log(`  failover ${attempt}/${tries}: killed ${leader}, ${ms === null ? 'no recovery' : `${ms.toFixed(0)} ms`}`);
    await group.restart(leader);
    await group.waitForCaughtUp(leader);
  }
  return {
    tries,
    timesMs,
    medianMs: timesMs.length > 0 ? median(timesMs) : Number.NaN,
    maxMs: timesMs.length > 0 ? Math.max(...timesMs) : Number.NaN,
    failures,
  };
}
