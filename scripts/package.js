#!/usr/bin/env node
// `npm run package`: the desktop packages of electron-builder.yml (AppImage and deb here; dmg and
// nsis on their own systems) in dist/. electron-builder puts a downloaded Electron inside each
// package. Where no Electron binary could be installed, that download is not reachable either
// (npm ci's own Electron download is the same one), so this stops with one line saying so,
// instead of a long stack trace from deep inside electron-builder.
import { spawnSync } from 'node:child_process';
import { electronBinary } from './electron-binary.js';

const electron = electronBinary();
if (electron.path === null) {
  console.error(
    `raftlab: cannot package the desktop app here: ${electron.why}; run it where Electron's download is reachable.`,
  );
  process.exit(1);
}

for (const [command, ...args] of [
  ['npm', 'run', 'build'],
  ['npx', 'electron-builder', '--config', 'electron-builder.yml', ...process.argv.slice(2)],
]) {
  const run = spawnSync(command, args, { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
