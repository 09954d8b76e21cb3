// The mutation runner's own logic: stale detection, list checks, argument parsing, reading a suite's
// verdict and the table. Running mutations needs real suites; that is `npm run mutants` itself.
import { existsSync, lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs, selectMutations, UsageError } from './args';
import { applyMutation, checkMutationList, countOccurrences, type Mutation } from './mutation';
import { MUTATIONS } from './mutations';
import { formatTable, type MutationResult } from './report';
import { makeScratchCopy, removeScratchCopy } from './scratch';
import { readSimOutput, readVitestReport } from './suite-run';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

function mutation(overrides: Partial<Mutation> = {}): Mutation {
  return {
    name: 'sample',
    breaks: 'a rule',
    file: 'src/shared/raft/leader.ts',
    original: 'return a;',
    replacement: 'return b;',
    killedBy: ['test/raft/paper.test.ts'],
    quick: true,
    ...overrides,
  };
}

describe('applying a mutation', () => {
  it('replaces the one occurrence of the original text and nothing else', () => {
    const applied = applyMutation('x();\nreturn a;\ny();\n', mutation());
    expect(applied).toEqual({ ok: true, text: 'x();\nreturn b;\ny();\n' });
  });

  it('calls a mutation whose original text no longer occurs stale, so a refactor cannot disable it silently', () => {
    const applied = applyMutation('return c;\n', mutation());
    expect(applied.ok).toBe(false);
    expect(!applied.ok && applied.problem).toMatch(/^stale: .*no longer occurs in src\/shared\/raft\/leader\.ts/);
  });

  it('calls a mutation of a deleted file stale', () => {
    const applied = applyMutation(null, mutation());
    expect(!applied.ok && applied.problem).toMatch(/^stale: src\/shared\/raft\/leader\.ts no longer exists/);
  });

  it('refuses an original text that occurs more than once, saying how often', () => {
    const applied = applyMutation('return a;\nreturn a;\n', mutation());
    expect(!applied.ok && applied.problem).toMatch(/^ambiguous: .*occurs 2 times/);
  });

  it('counts occurrences without overlapping, and an empty needle never matches', () => {
    expect(countOccurrences('aaaa', 'aa')).toBe(2);
    expect(countOccurrences('abc', '')).toBe(0);
  });

  it('every checked-in mutation names exactly one place in the current code', () => {
    for (const m of MUTATIONS) {
      const applied = applyMutation(readFileSync(join(REPO_ROOT, m.file), 'utf8'), m);
      expect(applied.ok ? 'ok' : applied.problem, m.name).toBe('ok');
    }
  });
});

describe('checking the mutation list', () => {
  it('the checked-in list has no problems', () => {
    expect(checkMutationList(MUTATIONS)).toEqual([]);
  });

  it('reports duplicate names, no-op replacements, files outside the copy, and unknown suites', () => {
    const problems = checkMutationList([
      mutation(),
      mutation({ replacement: 'return a;' }),
      mutation({ name: 'elsewhere', file: 'bench/run.ts' }),
      mutation({ name: 'no-suite', killedBy: [] }),
      mutation({ name: 'bad-suite', killedBy: ['sim:0', 'test/raft/paper.ts'] }),
      mutation({ name: 'Bad Name' }),
    ]);
    expect(problems).toEqual([
      'sample: the name is used twice',
      'sample: the replacement equals the original',
      'elsewhere: bench/run.ts is outside the copied folders (src, test)',
      'no-suite: names no suite that should kill it',
      "bad-suite: 'sim:0' is neither a *.test.ts path nor sim:N",
      "bad-suite: 'test/raft/paper.ts' is neither a *.test.ts path nor sim:N",
      'Bad Name: a name is kebab-case',
    ]);
  });
});

describe('the command line', () => {
  it('parses every option', () => {
    expect(parseArgs([])).toEqual({ quick: false, only: [], suites: [], list: false, verbose: false, baseline: true });
    expect(
      parseArgs([
        '--quick',
        '--only',
        'a',
        '--only',
        'b',
        '--suite',
        'sim:3000',
        '--verbose',
        '--no-baseline',
        '--list',
      ]),
    ).toEqual({
      quick: true,
      only: ['a', 'b'],
      suites: ['sim:3000'],
      list: true,
      verbose: true,
      baseline: false,
    });
    expect(parseArgs(['--help'])).toBe('help');
  });

  it('refuses unknown arguments and --only without a name', () => {
    expect(() => parseArgs(['--fast'])).toThrow(UsageError);
    expect(() => parseArgs(['--only'])).toThrow(/--only needs a mutation name/);
    expect(() => parseArgs(['--only', '--quick'])).toThrow(/--only needs a mutation name/);
    expect(() => parseArgs(['--suite', 'paper'])).toThrow('--suite needs a *.test.ts path or sim:N, got paper');
  });

  it('selects all, the quick ones, or the named ones; an unknown name lists the known ones', () => {
    const all = [mutation({ name: 'a', quick: true }), mutation({ name: 'b', quick: false })];
    const args = parseArgs([]) as Exclude<ReturnType<typeof parseArgs>, 'help'>;
    expect(selectMutations(all, args).map((m) => m.name)).toEqual(['a', 'b']);
    expect(selectMutations(all, { ...args, quick: true }).map((m) => m.name)).toEqual(['a']);
    expect(selectMutations(all, { ...args, quick: true, only: ['b'] }).map((m) => m.name)).toEqual(['b']);
    expect(() => selectMutations(all, { ...args, only: ['c'] })).toThrow(
      "no mutation named 'c'; --list shows them: a, b",
    );
  });
});

describe("reading a suite's verdict", () => {
  const cwd = '/tmp/raftlab-mutant-x';
  const report = (testResults: unknown[]) => JSON.stringify({ testResults });

  it('a failed test is a kill, named by its file relative to the copy and its first message line', () => {
    const outcome = readVitestReport(
      1,
      report([
        { name: `${cwd}/test/raft/log.test.ts`, status: 'passed', assertionResults: [{ status: 'passed' }] },
        {
          name: `${cwd}/test/raft/paper.test.ts`,
          status: 'failed',
          assertionResults: [
            { status: 'passed', fullName: 'fine' },
            {
              status: 'failed',
              fullName: '§5.4 Figure 8',
              failureMessages: ['\nAssertionError: expected 2 to be 1\n  at x'],
            },
          ],
        },
      ]),
      cwd,
      '',
    );
    expect(outcome).toEqual({
      kind: 'failed',
      file: 'test/raft/paper.test.ts',
      detail: '§5.4 Figure 8: AssertionError: expected 2 to be 1',
    });
  });

  it('a file that failed to load, with no failed test, is broken: the mutation did not compile', () => {
    const outcome = readVitestReport(
      1,
      report([
        {
          name: `${cwd}/test/raft/paper.test.ts`,
          status: 'failed',
          message: 'SyntaxError: Unexpected token',
          assertionResults: [],
        },
      ]),
      cwd,
      '',
    );
    expect(outcome).toEqual({ kind: 'broken', detail: 'test/raft/paper.test.ts: SyntaxError: Unexpected token' });
  });

  it('a missing report, or a failing exit with nothing failed, is broken; exit 0 with all passed is a pass', () => {
    expect(readVitestReport(1, null, cwd, 'boom').kind).toBe('broken');
    expect(readVitestReport(1, report([]), cwd, '').kind).toBe('broken');
    expect(readVitestReport(0, report([{ name: `${cwd}/a.test.ts`, status: 'passed' }]), cwd, '')).toEqual({
      kind: 'passed',
    });
  });

  it('the simulator: a seed failure is a kill with its one-line summary; a crash is broken', () => {
    const output = [
      'Simulation failed: seed 12',
      '  Election Safety: two leaders',
      'Simulation failed: seed 12: Election Safety: two leaders in term 3',
      '',
      'FAILED at seed 12 after 11 passing seeds',
    ].join('\n');
    expect(readSimOutput(1, output, 'sim:1000')).toEqual({
      kind: 'failed',
      file: 'sim:1000',
      detail: 'seed 12: Election Safety: two leaders in term 3',
    });
    expect(readSimOutput(0, 'all 1000 seeds passed', 'sim:1000')).toEqual({ kind: 'passed' });
    expect(readSimOutput(1, 'SyntaxError: x', 'sim:1000').kind).toBe('broken');
  });
});

describe('the table', () => {
  it('lines up mutation, result and time, explains each row, and counts the kills', () => {
    const results: MutationResult[] = [
      {
        name: 'figure8-rule-removed',
        outcome: {
          kind: 'killed',
          suite: 'test/raft/paper.test.ts',
          detail: 'Figure 8: expected 2 to be 1',
          listed: true,
        },
        seconds: 2.04,
      },
      {
        name: 'host-acks',
        outcome: { kind: 'survived', suitesRun: ['sim:1000'] },
        seconds: 61.2,
        knownGap: 'NodeHost is not simulated',
      },
      { name: 'moved', outcome: { kind: 'stale', problem: 'stale: gone' }, seconds: 0 },
      {
        name: 'elsewhere',
        outcome: { kind: 'killed', suite: 'test/sim/sim.test.ts', detail: 'seed 3', listed: false },
        seconds: 9,
      },
    ];
    expect(formatTable(results)).toBe(
      [
        'mutation              result                                         time',
        '--------------------  -------------------------------------------  ------',
        'figure8-rule-removed  killed by test/raft/paper.test.ts             2.0 s',
        'host-acks             SURVIVED                                     61.2 s',
        'moved                 STALE                                             -',
        'elsewhere             killed by test/sim/sim.test.ts (not listed)   9.0 s',
        '',
        'figure8-rule-removed: Figure 8: expected 2 to be 1',
        'host-acks: passed sim:1000',
        '           known gap: NodeHost is not simulated',
        'moved: stale: gone',
        'elsewhere: seed 3',
        '',
        '2 of 4 killed',
      ].join('\n'),
    );
  });
});

describe('the scratch copy', () => {
  it('copies src/ and test/, links node_modules, and removing it leaves node_modules alone', () => {
    const scratch = makeScratchCopy(REPO_ROOT);
    try {
      expect(readFileSync(join(scratch, 'src/shared/raft/leader.ts'), 'utf8')).toBe(
        readFileSync(join(REPO_ROOT, 'src/shared/raft/leader.ts'), 'utf8'),
      );
      expect(existsSync(join(scratch, 'vitest.config.ts'))).toBe(true);
      expect(lstatSync(join(scratch, 'node_modules')).isSymbolicLink()).toBe(true);
      writeFileSync(join(scratch, 'src/shared/raft/leader.ts'), 'mutated');
      expect(readFileSync(join(REPO_ROOT, 'src/shared/raft/leader.ts'), 'utf8')).not.toBe('mutated');
    } finally {
      removeScratchCopy(scratch);
    }
    expect(existsSync(scratch)).toBe(false);
    expect(existsSync(join(REPO_ROOT, 'node_modules', 'vitest', 'package.json'))).toBe(true);
  });
});
