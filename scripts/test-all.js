#!/usr/bin/env node
// `npm test`: every suite, then one summary line over all of them. Vitest runs the unit, paper,
// scenario, simulation and integration layers; Playwright runs the browser and desktop specs.
// Each runner writes a JSON report that this script counts, so the closing line
// `N passed, N failed, N skipped` covers every test of every suite.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildFiles, rebuildReason } from './staleness.js';

const reports = join(process.cwd(), 'test-results', 'reports');
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });
const only = process.argv.slice(2); // e.g. `npm test -- unit` or `npm test -- e2e`

const suites = [
  {
    name: 'vitest',
    alias: 'unit',
    command: [
      'npx',
      'vitest',
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile=${join(reports, 'vitest.json')}`,
    ],
    count: () => countVitest(join(reports, 'vitest.json')),
  },
  {
    name: 'playwright',
    alias: 'e2e',
    // playwright.config.ts writes its JSON report to test-results/reports/playwright.json.
    command: ['npx', 'playwright', 'test'],
    count: () => countPlaywright(join(reports, 'playwright.json')),
  },
];

let passed = 0;
let failed = 0;
let skipped = 0;

// The browser specs serve out/renderer and the CLI tests run out/cli: build first when out/ is
// missing (a fresh clone) or older than the sources. A failed build is one failure, not a silent
// run against old output.
const stale = rebuildReason(buildFiles(process.cwd()));
if (stale !== null) {
  console.log(`\n=== build: npm run build (${stale})`);
  if (spawnSync('npm', ['run', 'build'], { stdio: 'inherit' }).status !== 0) {
    console.log('build: failed; counted as one failure');
    failed += 1;
  }
}

for (const suite of suites) {
  if (only.length > 0 && !only.includes(suite.name) && !only.includes(suite.alias)) continue;
  console.log(`\n=== ${suite.name}: ${suite.command.join(' ')}`);
  const run = spawnSync(suite.command[0], suite.command.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, ...suite.env },
  });
  const counts = suite.count();
  if (counts === null) {
    console.log(`${suite.name}: no report was written (exit ${run.status}); counted as one failure`);
    failed += 1;
    continue;
  }
  // A runner that exits non-zero with no failed test (a crash, a timeout in a hook) still failed.
  if (run.status !== 0 && counts.failed === 0) counts.failed = 1;
  console.log(`${suite.name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  passed += counts.passed;
  failed += counts.failed;
  skipped += counts.skipped;
}

console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);

function readJson(path) {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

function countVitest(path) {
  const report = readJson(path);
  if (!report) return null;
  return {
    passed: report.numPassedTests ?? 0,
    // Files that fail to load hold tests that never ran: count each as a failure.
    failed: (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0) - countFailedSuitesWithFailedTests(report),
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
  };
}

function countFailedSuitesWithFailedTests(report) {
  return (report.testResults ?? []).filter(
    (file) => file.status === 'failed' && (file.assertionResults ?? []).some((t) => t.status === 'failed'),
  ).length;
}

function countPlaywright(path) {
  const report = readJson(path);
  if (!report) return null;
  const stats = report.stats ?? {};
  return {
    passed: (stats.expected ?? 0) + (stats.flaky ?? 0),
    failed: (stats.unexpected ?? 0) + (report.errors?.length ?? 0),
    skipped: stats.skipped ?? 0,
  };
}
