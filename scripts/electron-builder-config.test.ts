// electron-builder.yml cannot be exercised here (packaging needs Electron's download), so this
// checks it the way electron-builder itself does before packaging: loaded by electron-builder's
// own config reader and validated against its schema, with the targets and fuses the app promises.
import { join } from 'node:path';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util';
import { expect, it } from 'vitest';

const REPO_ROOT = join(import.meta.dirname, '..');

it('electron-builder.yml passes electron-builder schema and declares the targets and the fuses', async () => {
  const config = await getConfig(REPO_ROOT, join(REPO_ROOT, 'electron-builder.yml'), null);
  await validateConfiguration(config, new DebugLogger(false));

  expect(config.linux?.target).toEqual(['AppImage', 'deb']);
  expect(config.mac?.target).toEqual(['dmg']);
  expect(config.win?.target).toEqual(['nsis']);
  // Only the desktop bundles, in electron-builder's normalized form of the `files` list.
  expect(config.files).toEqual([{ filter: ['package.json', 'out/main/**', 'out/preload/**', 'out/renderer/**'] }]);
  expect(config.electronFuses).toEqual({
    runAsNode: false,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    onlyLoadAppFromAsar: true,
    enableCookieEncryption: true,
  });
});
