// Is out/ older than what it is built from? `npm start` and `npm test` rebuild when it is, so
// neither runs an app that no longer matches its sources. The decision is a pure function of
// file times (rebuildReason); buildFiles() reads those times from the disk.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What `npm run build` writes; a missing one means the build never ran or was cut short. */
export const BUILD_OUTPUTS = [
  'out/main/index.js',
  'out/preload/index.cjs',
  'out/renderer/index.html',
  'out/cli/cli.js',
  'out/cli/serve-desktop.js',
];

/** Besides every file under src/: what changes how the sources are built or what they depend on. */
export const BUILD_CONFIG = [
  'package.json',
  'package-lock.json',
  'electron.vite.config.ts',
  'svelte.config.js',
  'tsconfig.json',
  'scripts/build-cli.js',
];

/**
 * Why out/ must be rebuilt, or null when it is current: an output is missing, or a source changed
 * after the oldest output was written (an interrupted build can leave some outputs new and others
 * old, so the oldest is the one that counts).
 * @param {{ outputs: { path: string, mtimeMs: number | null }[], sources: { path: string, mtimeMs: number }[] }} files
 * @returns {string | null}
 */
export function rebuildReason({ outputs, sources }) {
  if (outputs.length === 0) return 'there is nothing built to compare with';
  const missing = outputs.find((output) => output.mtimeMs === null);
  if (missing) return `${missing.path} is missing`;
  const oldest = outputs.reduce((a, b) => ((b.mtimeMs ?? 0) < (a.mtimeMs ?? 0) ? b : a));
  const newest = sources.reduce((a, b) => (a === null || b.mtimeMs > a.mtimeMs ? b : a), null);
  if (newest !== null && newest.mtimeMs > (oldest.mtimeMs ?? 0)) {
    return `${newest.path} changed after ${oldest.path} was built`;
  }
  return null;
}

/**
 * The file times rebuildReason decides on, read in the checkout at `root`. Folders under src/
 * count too, since a deleted source shows only in its folder's time; test files are left out, as
 * no build includes them.
 * @param {string} root
 */
export function buildFiles(root) {
  const outputs = BUILD_OUTPUTS.map((path) => ({ path, mtimeMs: mtimeOf(join(root, path)) }));
  const sourcePaths = [
    ...readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
      .map((path) => join('src', path))
      .filter((path) => !/\.test\.[jt]s$/.test(path)),
    ...BUILD_CONFIG,
  ];
  const sources = [];
  for (const path of sourcePaths) {
    const mtimeMs = mtimeOf(join(root, path));
    if (mtimeMs !== null) sources.push({ path, mtimeMs });
  }
  return { outputs, sources };
}

/** @param {string} path */
function mtimeOf(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}
