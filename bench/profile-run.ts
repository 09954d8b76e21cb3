// One load cell against a fresh 3-node group, for profiling and quick before/after checks:
//   npx tsx bench/profile-run.ts [--op SET|GET] [--clients N] [--pipeline N] [--seconds S]
//                                [--profile DIR] [--via leader|follower] [--node-flags "FLAGS"] [--print-pids]
// With --profile the node processes run under --cpu-prof and write their profiles to DIR when
// they stop; summarize them with `npx tsx bench/profile-summary.ts DIR`.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type LoadOp, runLoad } from './load-client';
import { NodeGroup } from './node-group';
import { cpuTimes } from './proc-stats';

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
const extraFlags = option('node-flags', '')
  .split(' ')
  .filter((flag) => flag !== '');
const nodeFlags = [...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', resolve(profileDir)] : []), ...extraFlags];
const group = await NodeGroup.start({ dataDir, nodeFlags });
if (process.argv.includes('--print-pids')) {
  console.error(`pids: ${group.ids.map((id) => `${id}=${group.pidOf(id)}`).join(' ')}`);
}
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
  // CPU seconds of each node and of this process (the load client) over the run: where the work goes.
  const cpuBefore = group.ids.map((id) => cpuTimes(group.pidOf(id)));
  const clientBefore = process.cpuUsage();
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
  const client = process.cpuUsage(clientBefore);
  const microsPerOp = (seconds: number) => Math.round((seconds * 1e6) / Math.max(1, result.ops));
  // User + system microseconds per operation.
  const cpuMicrosPerOp: Record<string, string> = {};
  for (const [i, id] of group.ids.entries()) {
    const before = cpuBefore[i];
    const after = cpuTimes(group.pidOf(id));
    if (!before || !after) continue;
    cpuMicrosPerOp[id === leader ? 'leader' : id] =
      `${microsPerOp(after.userSeconds - before.userSeconds)} + ${microsPerOp(after.systemSeconds - before.systemSeconds)}`;
  }
  cpuMicrosPerOp.client = `${microsPerOp(client.user / 1e6)} + ${microsPerOp(client.system / 1e6)}`;
  console.log(JSON.stringify({ via: target === leader ? 'leader' : 'follower', ...result, cpuMicrosPerOp }));
} finally {
  await group.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
