// Clients that keep writing while a test breaks things. Each remembers only the keys it got `+OK`
// for: those are the acknowledged writes that must survive. A write answered with an error or cut
// off by a dying node has an unknown outcome and is not counted.
import { RespClient } from '../../../src/main/net/resp-client';
import { text } from './cluster';
import { valueFor } from './observe';
import { portOf } from './ports';

export interface Writers {
  /** Keys acknowledged so far, across all writers. */
  readonly acknowledged: readonly string[];
  /** Writes that got an error reply or lost their connection. */
  readonly failed: number;
  /** Stops every writer after its current command; resolves with the acknowledged keys. */
  stop(): Promise<string[]>;
}

/**
 * One writer per entry of `via`, each sending SETs of `${prefix}-${writer}-${n}` in a loop. A writer
 * whose node stops answering moves on to the next node of `nodes`.
 */
export function startWriters(via: readonly string[], nodes: readonly string[], prefix: string): Writers {
  const acknowledged: string[] = [];
  let failed = 0;
  let running = true;
  const loops = via.map(async (first, writer) => {
    let target = nodes.indexOf(first);
    let client: RespClient | null = null;
    for (let n = 0; running; n++) {
      const key = `${prefix}-${writer}-${n}`;
      try {
        client ??= await RespClient.connect('127.0.0.1', portOf(nodes[target]!), { commandTimeoutMs: 15_000 });
        const reply = await client.command('SET', key, valueFor(key));
        if (text(reply) === 'OK') acknowledged.push(key);
        else failed++;
      } catch {
        failed++;
        client?.close();
        client = null;
        target = (target + 1) % nodes.length;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    client?.close();
  });
  return {
    acknowledged,
    get failed() {
      return failed;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      return [...acknowledged];
    },
  };
}
