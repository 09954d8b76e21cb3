import { defineConfig } from 'vitest/config';

// Unit, paper, scenario, simulation and integration suites. Playwright owns e2e/.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts', 'scripts/**/*.test.ts'],
    exclude: ['node_modules', 'out', 'e2e'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Tests that spawn `raftlab` run the bundle (out/cli/cli.js): built here, once per run.
    globalSetup: ['test/build-cli.global-setup.ts'],
  },
});
