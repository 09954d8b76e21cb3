// `npm run mutants`: applies each mutation of mutations.ts to a scratch copy and runs the fast
// suites there until one fails. Prints mutation -> the suite that killed it, or SURVIVED, and exits
// non-zero if any mutation survives, is stale or does not even load. See args.ts for the options.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, selectMutations, USAGE, UsageError } from './args';
import { applyMutation, checkMutationList, type Mutation, simSeeds } from './mutation';
import { MUTATIONS } from './mutations';
import { describeOutcome, formatTable, isPass, type MutationResult, type Outcome } from './report';
import { makeScratchCopy, readIfPresent, removeScratchCopy, writeMutated } from './scratch';
import { runSuite, stopRunningSuites } from './suite-run';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** The fast suites: paper, core unit, scenario and simulator tests. Integration tests are too slow. */
const FAST_TEST_DIRS = ['test/raft', 'test/scenarios', 'test/sim'];
/** Outside --quick, a mutation that survives everything else meets this many simulated seeds. */
const FALLBACK_SIM = 'sim:2000';
/** Generous: only a hung run should reach these on a busy 2-core machine. */
const VITEST_TIMEOUT_MS = 10 * 60_000;
const SIM_TIMEOUT_MS = 20 * 60_000;

let currentScratch: string | null = null;

async function main(argv: readonly string[]): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  let selected: Mutation[];
  try {
    args = parseArgs(argv);
    if (args === 'help') {
      console.log(USAGE);
      return 0;
    }
    selected = selectMutations(MUTATIONS, args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  const problems = checkMutationList(MUTATIONS);
  if (problems.length > 0) {
    console.error(`mutations.ts has problems:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    return 1;
  }
  if (args.list) {
    console.log(formatList(MUTATIONS));
    return 0;
  }

  // Every mutation is checked against the code, selected or not: a refactor that moved the code
  // fails even a --quick or --only run, so it cannot silently disable a mutation.
  const stale: MutationResult[] = [];
  const mutated = new Map<string, string>();
  for (const m of MUTATIONS) {
    const applied = applyMutation(readIfPresent(join(REPO_ROOT, m.file)), m);
    if (applied.ok) mutated.set(m.name, applied.text);
    else stale.push(result(m, { kind: 'stale', problem: applied.problem }, 0));
  }
  const toRun = selected
    .filter((m) => mutated.has(m.name))
    .map((m) => (args.suites.length > 0 ? { ...m, killedBy: args.suites } : m));
  const fallback = args.quick || args.suites.length > 0 ? [] : [...fastTestFiles(), FALLBACK_SIM];

  if (args.baseline && toRun.length > 0) {
    const broken = await baseline(toRun, fallback, args.verbose);
    if (broken !== null) {
      console.error(
        `\nbaseline: ${broken}\nthe suites must pass on the unmutated code before a mutation can be judged`,
      );
      return 1;
    }
  }

  const results: MutationResult[] = [];
  for (const [i, m] of toRun.entries()) {
    const started = performance.now();
    const outcome = await runMutation(m, mutated.get(m.name)!, fallback, args.verbose);
    const r = result(m, outcome, (performance.now() - started) / 1000);
    results.push(r);
    console.log(`[${i + 1}/${toRun.length}] ${m.name}: ${describeOutcome(outcome)} (${r.seconds.toFixed(1)} s)`);
  }
  const all = [...stale, ...results];
  console.log(`\n${formatTable(all)}`);
  return all.every((r) => isPass(r.outcome)) ? 0 : 1;
}

function result(m: Mutation, outcome: Outcome, seconds: number): MutationResult {
  return { name: m.name, outcome, seconds, ...(m.knownGap === undefined ? {} : { knownGap: m.knownGap }) };
}

/** Listed suites one by one, fastest first, then (outside --quick) every other fast suite. */
async function runMutation(m: Mutation, text: string, fallback: readonly string[], verbose: boolean): Promise<Outcome> {
  const scratch = makeScratchCopy(REPO_ROOT);
  currentScratch = scratch;
  try {
    writeMutated(scratch, m.file, text);
    // Each group is one process; `label` is how a survivor's note names what it passed.
    const groups: { suites: string[]; label: string }[] = m.killedBy.map((suite) => ({
      suites: [suite],
      label: suite,
    }));
    const rest = fallback.filter((suite) => !m.killedBy.includes(suite));
    const restFiles = rest.filter((suite) => simSeeds(suite) === null);
    if (restFiles.length > 0) groups.push({ suites: restFiles, label: 'every other fast test file' });
    for (const suite of rest.filter((s) => simSeeds(s) !== null)) groups.push({ suites: [suite], label: suite });
    const suitesRun: string[] = [];
    for (const group of groups) {
      if (verbose) console.log(`--- ${m.name}: ${group.suites.join(' ')}`);
      const outcome = await runSuite({
        cwd: scratch,
        suites: group.suites,
        timeoutMs: timeoutFor(group.suites),
        verbose,
      });
      if (outcome.kind === 'failed') {
        return {
          kind: 'killed',
          suite: outcome.file,
          detail: outcome.detail,
          listed: m.killedBy.includes(outcome.file),
        };
      }
      if (outcome.kind === 'broken') return { kind: 'invalid', suite: group.suites.join(' '), detail: outcome.detail };
      suitesRun.push(group.label);
    }
    return { kind: 'survived', suitesRun };
  } finally {
    removeScratchCopy(scratch);
    currentScratch = null;
  }
}

/**
 * The suites must pass on the unmutated code, or every mutation would look killed. One vitest run
 * for all the files, one simulator run for the most seeds any mutation asks for. Null when green.
 */
async function baseline(
  mutations: readonly Mutation[],
  fallback: readonly string[],
  verbose: boolean,
): Promise<string | null> {
  const suites = new Set([...mutations.flatMap((m) => m.killedBy), ...fallback]);
  const files = [...suites].filter((s) => simSeeds(s) === null);
  const seeds = Math.max(0, ...[...suites].map((s) => simSeeds(s) ?? 0));
  const groups = [files, ...(seeds > 0 ? [[`sim:${seeds}`]] : [])].filter((g) => g.length > 0);
  const started = performance.now();
  const scratch = makeScratchCopy(REPO_ROOT);
  currentScratch = scratch;
  try {
    for (const group of groups) {
      const outcome = await runSuite({ cwd: scratch, suites: group, timeoutMs: timeoutFor(group), verbose });
      if (outcome.kind === 'failed') return `${outcome.file} fails: ${outcome.detail}`;
      if (outcome.kind === 'broken') return `${group.join(' ')} did not run: ${outcome.detail}`;
    }
  } finally {
    removeScratchCopy(scratch);
    currentScratch = null;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`baseline: ${files.length} test files and ${seeds} simulated seeds pass unmutated (${seconds} s)`);
  return null;
}

function timeoutFor(suites: readonly string[]): number {
  return suites.some((s) => simSeeds(s) !== null) ? SIM_TIMEOUT_MS : VITEST_TIMEOUT_MS;
}

function fastTestFiles(): string[] {
  return FAST_TEST_DIRS.flatMap((dir) =>
    readdirSync(join(REPO_ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.test.ts'))
      .map((file) => `${dir}/${file}`),
  ).sort();
}

function formatList(mutations: readonly Mutation[]): string {
  return mutations
    .map((m) =>
      [
        `${m.name}${m.quick ? '  [quick]' : ''}`,
        `  breaks:    ${m.breaks}`,
        `  where:     ${m.file}`,
        `  killed by: ${m.killedBy.join(', ')}`,
        ...(m.knownGap === undefined ? [] : [`  known gap: ${m.knownGap}`]),
      ].join('\n'),
    )
    .join('\n\n');
}

process.on('SIGINT', () => {
  stopRunningSuites();
  if (currentScratch !== null) removeScratchCopy(currentScratch);
  process.exit(130);
});

process.exitCode = await main(process.argv.slice(2));
