// `INFO` of one node as a field map, or null when it does not answer (down, starting, or stopping).
import { RespClient } from '../src/main/net/resp-client';

export type InfoFields = ReadonlyMap<string, string>;

export async function nodeInfo(host: string, port: number, timeoutMs = 1000): Promise<InfoFields | null> {
  let client: RespClient | null = null;
  try {
    client = await RespClient.connect(host, port, { connectTimeoutMs: timeoutMs, commandTimeoutMs: timeoutMs });
    const reply = await client.command('INFO');
    if (reply.type !== 'bulk' || reply.value === null) return null;
    const fields = new Map<string, string>();
    for (const line of Buffer.from(reply.value).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
    }
    return fields;
  } catch {
    return null;
  } finally {
    client?.close();
  }
}

export function infoNumber(fields: InfoFields, name: string): number {
  return Number(fields.get(name) ?? Number.NaN);
}
