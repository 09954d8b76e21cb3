// One load cell against a fresh 3-node group, for profiling and quick before/after checks:
//   npx tsx bench/profile-run.ts [--op SET|GET] [--clients N] [--pipeline N] [--seconds S]
//                                [--profile DIR] [--via leader|follower]
// With --profile the node processes run under --cpu-prof and write their profiles to DIR when
// they stop; summarize them with `npx tsx bench/profile-summary.ts DIR`.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type LoadOp, runLoad } from './load-client';
import { NodeGroup } from './node-group';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const op = option('op', 'SET').toUpperCase() as LoadOp;
const connections = Number(option('clients', '64'));
const pipeline = Number(option('pipeline', '1'));
const seconds = Number(option('seconds', '5'));
const profileDir = option('profile', '');
const via = option('via', 'leader');

const dataDir = mkdtempSync(join(tmpdir(), 'raftlab-profile-'));
if (profileDir) mkdirSync(profileDir, { recursive: true });
const group = await NodeGroup.start({
  dataDir,
  ...(profileDir ? { nodeFlags: ['--cpu-prof', '--cpu-prof-dir', resolve(profileDir)] } : {}),
});
try {
  const leader = await group.waitForLeader();
  const target = via === 'leader' ? leader : group.ids.find((id) => id !== leader)!;
  const port = group.portOf(target);
  if (op === 'GET') {
    await runLoad({
      op: 'SET',
      targets: [{ host: '127.0.0.1', port }],
      connections: 16,
      pipeline: 16,
      keySpace: 10_000,
      valueBytes: 100,
      totalOps: 10_000,
    });
  }
  const result = await runLoad({
    op,
    targets: [{ host: '127.0.0.1', port }],
    connections,
    pipeline,
    keySpace: 10_000,
    valueBytes: 100,
    warmupMs: 1000,
    durationMs: seconds * 1000,
  });
  console.log(JSON.stringify({ via: target === leader ? 'leader' : 'follower', ...result }));
} finally {
  await group.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
