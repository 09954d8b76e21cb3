// What a node says about itself through `INFO raft`, for tests that run nodes as processes and
// can only ask them over their client port.
import type { RespClient } from '../../../src/main/net/resp-client';
import { connect, text } from './cluster';

/** The node's INFO fields, or null while it does not answer. */
export async function raftInfo(id: string): Promise<Record<string, string> | null> {
  let client: RespClient | null = null;
  try {
    client = await connect(id);
    const reply = text(await client.command('INFO', 'raft')) ?? '';
    return Object.fromEntries(
      reply
        .split(/\r?\n/)
        .filter((line) => line.includes(':'))
        .map((line) => line.split(/:(.*)/s).slice(0, 2) as [string, string]),
    );
  } catch {
    return null;
  } finally {
    client?.close();
  }
}

/** The first of `ids` that says it leads, or null. */
export async function leaderAmong(ids: readonly string[]): Promise<string | null> {
  for (const id of ids) {
    if ((await raftInfo(id))?.role === 'leader') return id;
  }
  return null;
}
