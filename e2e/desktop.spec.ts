// The same flows in the Electron window: the built app (out/main) is launched with its own
// desktop host, the default 1x5 on ports 5001-5005 at classroom speed (timescale 10), and driven
// through the same page objects. Where no Electron binary exists every test skips, saying why.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test as base, _electron as electron, expect } from '@playwright/test';
import { everyControlHasItsName, feedNarratesAnElection } from './flows/accessibility';
import { setThenGetThroughAnotherNode } from './flows/client';
import { badConfigurationShowsErrorAndClusterRuns } from './flows/config';
import { expectEveryGroupLed } from './flows/elections';
import { killLeaderFromUi, restartAndSeeRejoin } from './flows/failover';
import { everyMainActionHasAKey, helpListsTheShortcuts } from './flows/keyboard';
import { cutLinkStopsMessages, pauseFreezesAndResumeContinues } from './flows/network';
import { DashboardPage } from './pages/dashboard-page';
import { type ClusterProbe, probeDesktopWindow } from './support/cluster-probe';
import { saveScreenshot } from './support/screenshots';

const REPO_ROOT = join(import.meta.dirname, '..');
/** Classroom speed runs every timer ten times slower; flows wait this many times longer. */
const DESKTOP_PATIENCE = 3;

type ElectronBinary = { path: string } | { path: null; why: string };

/** scripts/electron-binary.js, which looks for the binary without ever downloading it. */
async function findElectronBinary(): Promise<ElectronBinary> {
  const script = pathToFileURL(join(REPO_ROOT, 'scripts', 'electron-binary.js')).href;
  const module = (await import(script)) as { electronBinary: () => ElectronBinary };
  return module.electronBinary();
}

const test = base.extend<{ dashboard: DashboardPage; probe: ClusterProbe }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern.
  dashboard: async ({}, use, testInfo) => {
    const binary = await findElectronBinary();
    if (binary.path === null) {
      testInfo.skip(true, `Electron cannot run here: ${binary.why}`);
      return;
    }
    const dataDir = mkdtempSync(join(tmpdir(), 'raftlab-desktop-e2e-'));
    const app = await electron.launch({
      executablePath: binary.path,
      args: ['.'],
      cwd: REPO_ROOT,
      env: { ...process.env, RAFTLAB_DATA_DIR: dataDir },
      timeout: 60_000,
    });
    try {
      const window = await app.firstWindow();
      await window.waitForLoadState('domcontentloaded');
      await use(new DashboardPage(window));
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
  probe: async ({ dashboard }, use) => {
    await use(probeDesktopWindow(dashboard.page, DESKTOP_PATIENCE));
  },
});

test.describe('desktop window (Electron)', () => {
  test.describe.configure({ timeout: 180_000 });

  test.beforeAll(async () => {
    const binary = await findElectronBinary();
    // The list reporter shows skips without their reason; say it once here.
    if (binary.path === null) console.log(`desktop spec: every test skips, because ${binary.why}`);
  });

  test('the leader of the default 1x5 shows, connected over IPC', async ({ dashboard, probe }) => {
    const leaders = await expectEveryGroupLed(dashboard, probe);
    expect(leaders).toHaveLength(1);
    await expect(dashboard.connectionStatus).toHaveText('Connected (desktop)');
    expect((await probe.state()).clock.timescale).toBe(10);
    await saveScreenshot(dashboard.page, 'desktop-elected');
  });

  test('killing the leader elects another; restarting it rejoins caught up', async ({ dashboard, probe }) => {
    await expectEveryGroupLed(dashboard, probe);
    const { old } = await killLeaderFromUi(dashboard, probe);
    await restartAndSeeRejoin(dashboard, probe, old);
    await saveScreenshot(dashboard.page, 'desktop-rejoined');
  });

  test('SET then GET through another node, and the key in its group arc', async ({ dashboard, probe }) => {
    await expectEveryGroupLed(dashboard, probe);
    await setThenGetThroughAnotherNode(dashboard, probe, 'color', 'blue');
  });

  test('a cut link is drawn cut and its messages die there', async ({ dashboard, probe }) => {
    await expectEveryGroupLed(dashboard, probe);
    await cutLinkStopsMessages(dashboard, probe, () => saveScreenshot(dashboard.page, 'desktop-link-cut'));
  });

  test('pause freezes the window and the cluster; resume carries on', async ({ dashboard, probe }) => {
    await expectEveryGroupLed(dashboard, probe);
    await pauseFreezesAndResumeContinues(dashboard, probe, () => saveScreenshot(dashboard.page, 'desktop-paused'));
  });

  test('a bad configuration shows the parser error and the cluster carries on', async ({ dashboard, probe }) => {
    await expectEveryGroupLed(dashboard, probe);
    await badConfigurationShowsErrorAndClusterRuns(dashboard, probe, () =>
      saveScreenshot(dashboard.page, 'desktop-config-error', { fullPage: true }),
    );
  });

  test('every main action works from the keyboard, and the help lists the keys', async ({ dashboard, probe }) => {
    await expectEveryGroupLed(dashboard, probe);
    await helpListsTheShortcuts(dashboard);
    await everyMainActionHasAKey(dashboard, probe, () => saveScreenshot(dashboard.page, 'desktop-presenter'));
  });

  test('controls have their names, and the feed narrates an election', async ({ dashboard, probe }) => {
    await expectEveryGroupLed(dashboard, probe);
    await everyControlHasItsName(dashboard, probe);
    await feedNarratesAnElection(dashboard, probe);
  });
});
