// Summarizes V8 .cpuprofile files (from `npm run bench -- --profile DIR`): the functions with the
// most self time, and the heaviest inclusive frames of our own code.
//   npx tsx bench/profile-summary.ts DIR_OR_FILE... [--top N] [--callers FUNCTION] [--skip-ms MS]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './processes';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
    readonly columnNumber: number;
  };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber, columnNumber } = node.callFrame;
  const file = url.startsWith('file://') ? relative(REPO_ROOT, new URL(url).pathname) : url || '(native)';
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}:${columnNumber + 1}`;
}

function summarize(path: string, top: number): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<number, number>();
  let atUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    const deltaUs = profile.timeDeltas[i] ?? 0;
    atUs += deltaUs;
    if (atUs < skipMs * 1000) continue;
    selfUs.set(id, (selfUs.get(id) ?? 0) + deltaUs);
  }
  const totalUs = profile.endTime - profile.startTime - Math.min(skipMs * 1000, atUs);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const name = frameName(node);
    if (node.callFrame.functionName === '(idle)') idleUs += us;
    self.set(name, (self.get(name) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = frameName(byId.get(at)!);
      if (seen.has(frame)) continue;
      seen.add(frame);
      inclusive.set(frame, (inclusive.get(frame) ?? 0) + us);
    }
  }
  const busyUs = totalUs - idleUs;
  const lines = [
    `${relative(process.cwd(), path)}: ${(totalUs / 1e6).toFixed(1)} s, busy ${((busyUs / totalUs) * 100).toFixed(0)}%`,
  ];
  const list = (title: string, map: Map<string, number>, filter: (name: string) => boolean) => {
    lines.push(`  ${title} (% of busy time)`);
    const sorted = [...map].filter(([name]) => filter(name)).sort((a, b) => b[1] - a[1]);
    for (const [name, us] of sorted.slice(0, top)) {
      lines.push(`    ${((us / busyUs) * 100).toFixed(1).padStart(5)}%  ${name}`);
    }
  };
  list('self', self, (name) => !name.startsWith('(idle)'));
  if (callersOf !== null) {
    // Self time of the matching frames, split by the chain of the three frames above them.
    const chains = new Map<string, number>();
    for (const [id, us] of selfUs) {
      if (!frameName(byId.get(id)!).startsWith(callersOf)) continue;
      const chain: string[] = [];
      for (let at = parent.get(id); at !== undefined && chain.length < 3; at = parent.get(at)) {
        chain.push(frameName(byId.get(at)!).split(' ')[0]!);
      }
      const key = chain.join(' < ');
      chains.set(key, (chains.get(key) ?? 0) + us);
    }
    list(`callers of ${callersOf}`, chains, () => true);
  }
  list('inclusive, our code', inclusive, (name) => name.includes(' src/') || name.includes(' bench/'));
  return lines.join('\n');
}

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 25;
const skipAt = args.indexOf('--skip-ms');
const skipMs = skipAt >= 0 ? Number(args.splice(skipAt, 2)[1]) : 0;
const callersAt = args.indexOf('--callers');
const callersOf = callersAt >= 0 ? (args.splice(callersAt, 2)[1] ?? null) : null;
const files = args.flatMap((arg) =>
  statSync(arg).isDirectory()
    ? readdirSync(arg)
        .filter((name) => name.endsWith('.cpuprofile'))
        .map((name) => join(arg, name))
    : [arg],
);
if (files.length === 0) {
  console.error('usage: npx tsx bench/profile-summary.ts DIR_OR_FILE... [--top N]');
  process.exit(2);
}
for (const file of files) console.log(`${summarize(file, top)}\n`);
