// A throwaway copy of the repository to mutate: src/, test/ and the config files the suites read,
// with node_modules linked rather than copied. The real checkout is only ever read.
import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COPIED_DIRS, COPIED_FILES } from './mutation';

/** Copies the repository at `repoRoot` into a new folder under the OS temp folder; returns its path. */
export function makeScratchCopy(repoRoot: string): string {
  // realpath: vitest reports files by their real path, and the report is read relative to this one.
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'raftlab-mutant-')));
  try {
    for (const folder of COPIED_DIRS) cpSync(join(repoRoot, folder), join(dir, folder), { recursive: true });
    for (const file of COPIED_FILES) cpSync(join(repoRoot, file), join(dir, file));
    symlinkSync(realpathSync(join(repoRoot, 'node_modules')), join(dir, 'node_modules'), 'dir');
  } catch (error) {
    removeScratchCopy(dir);
    throw error;
  }
  return dir;
}

export function readIfPresent(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Writes the mutated text over the copy's file (the caller has checked the path is inside the copy). */
export function writeMutated(scratch: string, file: string, text: string): void {
  writeFileSync(join(scratch, file), text);
}

/** Removes the copy; the node_modules link goes, never what it points to. */
export function removeScratchCopy(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
