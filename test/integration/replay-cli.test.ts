// `raftlab replay` as a person runs it: --help, a bad file refused with its reason and exit 2, and a
// real recording (taken from a running cluster) served read-only to the dashboard's API.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterState } from '../../src/shared/api';
import { parseRecording } from '../../src/shared/recording';
import { startCluster, waitFor, waitForLeaders } from './support/cluster';
import { httpCall } from './support/http';
import { runRaftlab, spawnRaftlab } from './support/processes';

let folder: string;
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'raftlab-replay-'));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('raftlab replay: arguments and bad files', () => {
  it('--help prints its usage and exits 0', async () => {
    const run = await runRaftlab(['replay', '--help']);
    expect(run.code).toBe(0);
    expect(run.output).toMatch(/Usage:\s+raftlab replay <file>/);
  }, 30_000);

  it.each([
    ['no file at all', [], /missing <file>/],
    ['a file that does not exist', ['/nonexistent/recording.jsonl'], /cannot read the recording .*no such file/],
    ['a file that is not a recording', ['NOT_A_RECORDING'], /is not a RaftLab recording: line 1 is not JSON/],
    ['a recording with no keyframe', ['HEADER_ONLY'], /is not a RaftLab recording: .*no keyframe/],
  ])(
    '%s: a clear error and exit 2',
    async (_name, args, message) => {
      const files: Record<string, string> = {
        NOT_A_RECORDING: 'hello, I am a shopping list\n',
        HEADER_ONLY: '{"raftlab":"recording","version":1,"startedAt":"","config":{}}\n',
      };
      const resolved = args.map((arg) => {
        const content = files[arg];
        if (content === undefined) return arg;
        const path = join(folder, `${arg}.jsonl`);
        writeFileSync(path, content);
        return path;
      });
      const run = await runRaftlab(['replay', ...resolved]);
      expect(run.code).toBe(2);
      expect(run.output).toMatch(message);
    },
    30_000,
  );
});

describe('raftlab replay: a real recording', () => {
  it('serves the recorded session read-only: its state, its recording, and a refusal for every change', async () => {
    const cluster = await startCluster(1, 3, { inMemory: true });
    let text: string;
    try {
      await waitForLeaders(cluster.host, 20_000);
      expect((await cluster.host.kv({ op: 'SET', key: 'color', value: 'blue' })).ok).toBe(true);
      text = await cluster.host.recording();
    } finally {
      await cluster.close();
    }
    const recording = parseRecording(text);
    expect(recording.events.some((event) => event.type === 'apply')).toBe(true);
    const file = join(folder, 'session.jsonl');
    writeFileSync(file, text);

    const replay = spawnRaftlab(['replay', file, '--serve', '127.0.0.1:0', '--token', 'replay-test-token']);
    try {
      const url = await waitFor('the dashboard line', () => /^dashboard: (\S+)$/m.exec(replay.output())?.[1], 20_000);
      const base = new URL(url).origin;
      const bearer = 'replay-test-token';

      const state = await httpCall(base, 'GET', '/api/state', { bearer });
      expect(state.status).toBe(200);
      const view = state.json as ClusterState;
      expect(view.replay).toEqual({ file: 'session.jsonl' });
      expect(view.nodes.map((node) => node.id).sort()).toEqual([...cluster.partitions[0]!].sort());
      expect(view.nodes.some((node) => node.log.some((entry) => entry.command.includes('color')))).toBe(true);

      const served = await httpCall(base, 'GET', '/api/recording', { bearer });
      expect(served.text).toBe(text);

      const kill = await httpCall(base, 'POST', `/api/nodes/${encodeURIComponent(view.nodes[0]!.id)}/kill`, {
        bearer,
      });
      expect(kill.status).toBe(409);
      expect(kill.json).toEqual({ error: expect.stringMatching(/recorded session .*nothing in it can be changed/) });
      const write = await httpCall(base, 'POST', '/api/kv', { bearer, body: { op: 'SET', key: 'k', value: 'v' } });
      expect(write.status).toBe(409);
    } finally {
      replay.child.kill('SIGTERM');
    }
    expect(await replay.exited).toBe(0);
  }, 90_000);
});
