#!/usr/bin/env node
// `npm start`: the desktop app on the built-in default configuration. Where no Electron binary can
// run, it says why and serves the same app to a browser instead, backed by the same cluster host,
// at a URL it prints.
import { spawn, spawnSync } from 'node:child_process';
import { electronBinary } from './electron-binary.js';
import { buildFiles, rebuildReason } from './staleness.js';

// Rebuild whenever out/ is older than its sources, not only when it is missing: otherwise an
// edit to src/ would start yesterday's app.
// `npm start -- --paused`: the cluster starts with its clock paused, for staging a lesson.
if (process.argv.includes('--paused')) process.env.RAFTLAB_PAUSED = '1';

const stale = rebuildReason(buildFiles(process.cwd()));
if (stale !== null) {
  console.error(`raftlab: building the app first (npm run build): ${stale}...`);
  const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const electron = electronBinary();
if (electron.path === null) {
  console.error(`raftlab: the desktop window cannot open: ${electron.why}.`);
  serveInBrowser();
} else {
  const startedAt = Date.now();
  const child = spawn(electron.path, ['.'], { stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    // A window that dies within seconds could not start here (no display, missing libraries).
    if (code !== 0 && signal === null && Date.now() - startedAt < 5000) {
      console.error(`raftlab: Electron exited with code ${code} at start.`);
      serveInBrowser();
    } else {
      process.exit(code ?? 0);
    }
  });
}

function serveInBrowser() {
  console.error('raftlab: serving the same app in your browser instead.');
  // The bundled JavaScript from the build above: no TypeScript loader at run time.
  const child = spawn(process.execPath, ['out/cli/serve-desktop.js'], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 0));
}
