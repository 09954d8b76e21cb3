#!/usr/bin/env node
// Bundles the command line into plain JavaScript: out/cli/cli.js (`raftlab`) and
// out/cli/serve-desktop.js (`npm start`'s browser fallback). One file per entry with every source
// inlined, so the installed package needs no TypeScript loader and no runtime dependency, and a
// start parses one file instead of compiling two hundred. `npm run build` runs this after
// electron-vite; the test runner runs it before any test spawns `raftlab`.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, buildSync } from 'esbuild';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the bundles go; bin/raftlab.js and scripts/start.js run them from there. */
export const CLI_OUT_DIR = join(REPO_ROOT, 'out', 'cli');
export const CLI_BUNDLE = join(CLI_OUT_DIR, 'cli.js');

/** @returns {import('esbuild').BuildOptions & { write: false }} */
function options() {
  return {
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
  };
}

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
  const result = await build(options());
  return writeAtomically(result.outputFiles);
}

/** The same, blocking: for a caller that needs the bundle before its next line (bench/processes.ts). */
export function buildCliSync() {
  return writeAtomically(buildSync(options()).outputFiles);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const written = await buildCli();
  console.log(`raftlab: built ${written.join(', ')}`);
}
