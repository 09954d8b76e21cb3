// Old build against new, by turns: the only comparison this machine's drift allows (the speed
// issue's notes: one build measured ten minutes apart moved by 10-50%).
//   git worktree add --detach /tmp/old <commit> && ln -s "$PWD/node_modules" /tmp/old/node_modules
//   npx tsx bench/compare-builds.ts --old /tmp/old [--cells "SET 64,SET 1,GET 64"] [--rounds 3]
//                                   [--seconds 4] [--idle-rounds 3] [--settle 30] [--idle-seconds 15]
// Each round runs every cell on one build and then on the other (profile-run.ts, a fresh group
// each time), the side going first alternating by round. CPU microseconds per operation, summed
// over the three nodes and the load client, are the figure to judge by: far less sensitive to
// other work on the machine than ops/s. The idle 3x3 figure runs both builds' clusters side by
// side in the same window, so both see the same neighbours.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type CellRun, type CompareRow, medianOf, parseCellRun } from './compare-stats';
import { cpuSeconds } from './proc-stats';
import { delay, freePorts, REPO_ROOT, trackChild } from './processes';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const oldDir = option('old', '');
if (oldDir === '' || process.argv.includes('--help')) {
  console.error('usage: npx tsx bench/compare-builds.ts --old DIR [--cells "SET 64,GET 64"] [--rounds N] ...');
  process.exit(oldDir === '' ? 2 : 0);
}
const sides = { old: resolve(oldDir), new: REPO_ROOT } as const;
type Side = keyof typeof sides;
const cells = option('cells', 'SET 64,SET 1,GET 64')
  .split(',')
  .map((cell) => cell.trim().split(/\s+/))
  .filter((cell) => cell.length === 2) as [string, string][];
const rounds = Number(option('rounds', '3'));
const seconds = option('seconds', '4');
const idleRounds = Number(option('idle-rounds', '3'));
const settleSeconds = Number(option('settle', '30'));
const idleSeconds = Number(option('idle-seconds', '15'));

function bundle(side: Side): void {
  const run = spawnSync(process.execPath, [join(sides[side], 'scripts', 'build-cli.js')], { stdio: 'ignore' });
  if (run.status !== 0) throw new Error(`bundling the ${side} CLI failed`);
}

function runCell(side: Side, op: string, clients: string): CellRun | null {
  const run = spawnSync(
    'npx',
    ['tsx', 'bench/profile-run.ts', '--op', op, '--clients', clients, '--seconds', seconds],
    { cwd: sides[side], encoding: 'utf8', timeout: 300_000 },
  );
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  return parseCellRun(line);
}

/** Both builds' idle 3x3 clusters at once; CPU over the same window as % of one core. */
async function idlePair(): Promise<Record<Side, number | null>> {
  const started = await Promise.all(
    (Object.keys(sides) as Side[]).map(async (side) => {
      const ports = await freePorts(9);
      const partitions = [0, 1, 2].map((g) => ports.slice(g * 3, g * 3 + 3).map((port) => `127.0.0.1:${port}`));
      const dataDir = mkdtempSync(join(tmpdir(), `raftlab-compare-${side}-`));
      const args = [join(sides[side], 'out', 'cli', 'cli.js'), 'cluster', '--partitions', JSON.stringify(partitions)];
      const child = spawn(process.execPath, [...args, '--data-dir', dataDir], { stdio: 'ignore' });
      trackChild(child);
      return { side, child, dataDir };
    }),
  );
  await delay(settleSeconds * 1000);
  const before = started.map(({ child }) => cpuSeconds(child.pid ?? -1));
  const t0 = performance.now();
  await delay(idleSeconds * 1000);
  const wall = (performance.now() - t0) / 1000;
  const result = { old: null, new: null } as Record<Side, number | null>;
  for (const [i, { side, child, dataDir }] of started.entries()) {
    const after = cpuSeconds(child.pid ?? -1);
    const b = before[i];
    result[side] = after === null || b === null || b === undefined ? null : ((after - b) / wall) * 100;
    child.kill();
    await new Promise((done) => child.once('exit', done));
    rmSync(dataDir, { recursive: true, force: true });
  }
  return result;
}

bundle('old');
bundle('new');
const rows: CompareRow[] = [];
for (const [op, clients] of cells) {
  const runs: Record<Side, CellRun[]> = { old: [], new: [] };
  for (let round = 0; round < rounds; round++) {
    const order: Side[] = round % 2 === 0 ? ['old', 'new'] : ['new', 'old'];
    for (const side of order) {
      const run = runCell(side, op!, clients!);
      if (run !== null) runs[side].push(run);
      console.error(`${op} ${clients} round ${round + 1} ${side}: ${run === null ? 'failed' : JSON.stringify(run)}`);
    }
  }
  for (const side of ['old', 'new'] as const) {
    rows.push({
      cell: `${op} ${clients}`,
      side,
      runs: runs[side].length,
      cpuMicrosPerOp: medianOf(runs[side].map((run) => run.cpuMicrosPerOp)),
      opsPerSec: medianOf(runs[side].map((run) => run.opsPerSec)),
      p50Ms: medianOf(runs[side].map((run) => run.p50Ms)),
    });
  }
}
const idle: Record<Side, number[]> = { old: [], new: [] };
for (let round = 0; round < idleRounds; round++) {
  const pair = await idlePair();
  console.error(`idle round ${round + 1}: ${JSON.stringify(pair)}`);
  for (const side of ['old', 'new'] as const) if (pair[side] !== null) idle[side].push(pair[side]!);
}
console.table(rows);
if (idleRounds > 0) {
  console.log(`idle 3x3, % of a core (median of ${idleRounds}): old ${medianOf(idle.old)}, new ${medianOf(idle.new)}`);
}
