// `npm run package` where Electron's download cannot have run: one line saying why, exit 1, and no
// build started (the build would only be wasted).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const REPO_ROOT = join(import.meta.dirname, '..');

it('stops with one line naming the missing Electron binary, before building anything', () => {
  // An Electron folder with no binary in it: what a machine without Electron's download looks like.
  const emptyElectron = mkdtempSync(join(tmpdir(), 'raftlab-no-electron-'));
  try {
    const run = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'package.js')], {
      cwd: REPO_ROOT,
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: emptyElectron },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^raftlab: cannot package the desktop app here: .*Electron binary is missing at .*raftlab-no-electron-/,
    );
  } finally {
    rmSync(emptyElectron, { recursive: true, force: true });
  }
});
