// `raftlab node` is fail-stop (issue 10, item 1): a node whose core hits a broken invariant exits 1
// saying why, as it does for a full disk, instead of logging one line and carrying on. The test
// plays the node's two peers with forged frames: it grants the node's pre-vote and vote, so that
// the node leads, then sends it an App from a second leader of the same term.
import { afterAll, describe, expect, it } from 'vitest';
import type { Message } from '../../src/shared/raft/types';
import { connect, text } from './support/cluster';
import { FORGE_SECRET_TEXT, sendForgedFrames } from './support/forge';
import { freePartitions, portOf } from './support/ports';
import { type RaftlabProcess, spawnRaftlab } from './support/processes';

let run: RaftlabProcess | null = null;

afterAll(() => {
  run?.child.kill('SIGKILL');
});

/** The node's INFO fields, or null while it does not answer. */
async function info(id: string): Promise<Map<string, string> | null> {
  try {
    const client = await connect(id);
    try {
      const lines = (text(await client.command('INFO')) ?? '').split('\r\n');
      return new Map(
        lines.filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]),
      );
    } finally {
      client.close();
    }
  } catch {
    return null;
  }
}

describe('raftlab node: fail-stop', () => {
  it('a broken invariant (two leaders in one term) makes the process exit 1 with the reason', async () => {
    const partitions = await freePartitions(1, 3);
    const [self, peer] = partitions[0]! as [string, string, string];
    run = spawnRaftlab(
      [
        'node',
        '127.0.0.1',
        String(portOf(self)),
        JSON.stringify(partitions),
        '--in-memory',
        // Slow elections leave the forged answers time to arrive within each round.
        '--election-timeout',
        '1500-3000',
      ],
      { env: { ...process.env, RAFTLAB_SECRET: FORGE_SECRET_TEXT } },
    );
    const deadline = Date.now() + 30_000;
    let forgedApp = false;
    while (!forgedApp && Date.now() < deadline) {
      const fields = await info(self);
      const role = fields?.get('role');
      const term = Number(fields?.get('term') ?? 0);
      let answer: Message | null = null;
      if (role === 'precandidate')
        answer = { type: 'PreVoteResp', from: peer, to: self, term: term + 1, reject: false };
      else if (role === 'candidate') answer = { type: 'VoteResp', from: peer, to: self, term, reject: false };
      else if (role === 'leader') {
        answer = { type: 'App', from: peer, to: self, term, prevLogIndex: 0, prevLogTerm: 0, commit: 0, entries: [] };
        forgedApp = true;
      }
      if (answer !== null) await sendForgedFrames(partitions, peer, self, [answer]);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(forgedApp, `the node never led: ${run.output()}`).toBe(true);

    const code = await Promise.race([
      run.exited,
      new Promise((resolve) => setTimeout(() => resolve('still running'), 15_000)),
    ]);
    expect(code, run.output()).toBe(1);
    expect(run.output()).toMatch(/exiting: broken invariant: raft: two leaders in term \d+/);
  }, 60_000);
});
