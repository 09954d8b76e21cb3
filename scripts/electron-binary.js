// Where the Electron binary is, or why there is none. `npm install electron` succeeds even where
// its download cannot run; it then leaves no binary behind, and `require('electron')` would try
// to download again. This looks without downloading. Used by `npm start` and the desktop spec.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** @returns {{ path: string } | { path: null, why: string }} */
export function electronBinary() {
  let root;
  try {
    root = dirname(require.resolve('electron/package.json'));
  } catch {
    return { path: null, why: 'the electron package is not installed (run npm ci)' };
  }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const pathFile = join(root, 'path.txt');
  if (!override && !existsSync(pathFile)) {
    return { path: null, why: 'no Electron binary is installed (its download cannot run on this machine)' };
  }
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : 'electron';
  const binary = override ? join(override, relative) : join(root, 'dist', relative);
  if (!existsSync(binary)) return { path: null, why: `the Electron binary is missing at ${binary}` };
  return { path: binary };
}
