// Replies a client can make large, kept as small as Redis keeps them, on a real node over TCP: an
// unknown command's name echoed only in part, INFO of an unknown section empty, and a DEL or
// EXISTS of too many keys told what the limit is, not that a value is too large.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RespClient } from '../../src/main/net/resp-client';
import { connect, startCluster, type TestCluster, text, waitForLeaders } from './support/cluster';

let cluster: TestCluster;
let client: RespClient;

beforeAll(async () => {
  cluster = await startCluster(1, 1);
  const state = await waitForLeaders(cluster.host);
  client = await connect(state.groups[0]!.leader!);
});
afterAll(async () => {
  client.close();
  await cluster.close();
});

describe('small replies', () => {
  it('an unknown command is echoed in at most 128 bytes of its name, however long the name', async () => {
    const name = `X${'y'.repeat(999_999)}`;
    const reply = await client.command(name, 'arg');
    expect(reply.type).toBe('error');
    expect(text(reply)).toBe(`ERR unknown command '${name.slice(0, 128)}'`);
    expect(text(await client.command('NOSUCH'))).toBe("ERR unknown command 'NOSUCH'");
  });

  it('INFO of an unknown section answers an empty bulk string; raft, all and no section answer the fields', async () => {
    expect(await client.command('INFO', 'bogus')).toEqual({ type: 'bulk', value: expect.any(Uint8Array) });
    expect(text(await client.command('INFO', 'bogus'))).toBe('');
    for (const args of [[], ['raft'], ['RAFT'], ['all'], ['bogus', 'raft']]) {
      expect(text(await client.command('INFO', ...args)), args.join(' ')).toMatch(
        /^# Raft\r\n(.*\r\n)*role:leader\r\n/,
      );
    }
  });

  it.each(['DEL', 'EXISTS'])(
    '%s of too many keys says what the limit is, and the connection goes on',
    async (command) => {
      const keys = Array.from({ length: 70_000 }, (_, i) => `key${i}`);
      const reply = text(await client.command(command, ...keys));
      expect(reply).not.toContain('value too large');
      expect(reply).toMatch(/^ERR too many arguments: 70001 arguments exceed the 4194304 bytes one command may hold/);
      expect(text(await client.command(command, 'key1'))).toBe('0');
    },
  );
});
