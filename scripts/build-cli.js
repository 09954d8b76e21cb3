#!/usr/bin/env node
// Bundles the command line into plain JavaScript: out/cli/cli.js (`raftlab`) and
// out/cli/serve-desktop.js (`npm start`'s browser fallback). One file per entry with every source
// inlined, so the installed package needs no TypeScript loader and no runtime dependency, and a
// start parses one file instead of compiling two hundred. `npm run build` runs this after
// electron-vite; the test runner runs it before any test spawns `raftlab`.
import { mkdirSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the bundles go; bin/raftlab.js and scripts/start.js run them from there. */
const CLI_OUT_DIR = join(REPO_ROOT, 'out', 'cli');

/** What esbuild makes of the two entries: one self-contained ES module each, for Node 20. */
const OPTIONS = /** @type {const} */ ({
  entryPoints: {
    cli: join(REPO_ROOT, 'src', 'main', 'cli.ts'),
    'serve-desktop': join(REPO_ROOT, 'src', 'main', 'serve-desktop.ts'),
  },
  outdir: CLI_OUT_DIR,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Names stay as written (no minifying) so that a stack trace from a user reads like the source.
  minify: false,
  write: false,
  logLevel: 'warning',
});

/**
 * Each file is written beside its final name and then renamed over it, so a process starting the
 * CLI during a rebuild reads either the old bundle or the new one, never half of one.
 * @param {import('esbuild').OutputFile[]} files
 */
function writeAtomically(files) {
  mkdirSync(CLI_OUT_DIR, { recursive: true });
  for (const file of files) {
    const temporary = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
  }
  return files.map((file) => relative(REPO_ROOT, file.path));
}

/** Builds the bundles; resolves with the files written, relative to the repository. */
export async function buildCli() {
  const result = await build(OPTIONS);
  return writeAtomically(result.outputFiles);
}

// Run as a script (not imported): argv[1] may reach this file through a symlink, import.meta.url never does.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const written = await buildCli();
  console.log(`raftlab: built ${written.join(', ')}`);
}
