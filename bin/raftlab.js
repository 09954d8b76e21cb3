#!/usr/bin/env node
// The `raftlab` command: runs the bundled CLI, plain JavaScript that `npm run build` writes to
// out/cli/cli.js (scripts/build-cli.js). From a checkout, `npm run raftlab -- ARGS` runs the
// TypeScript sources instead, through tsx, with no build step.
import { existsSync } from 'node:fs';

const bundle = new URL('../out/cli/cli.js', import.meta.url);
if (!existsSync(bundle)) {
  console.error('raftlab: the command line is not built in this checkout yet; run `npm run build` first.');
  process.exit(1);
}
await import(bundle.href);
