// `npm start` where Electron cannot run: the same cluster the desktop window would show, at the
// same classroom speed, served to a browser. Prints `dashboard: URL` like `raftlab cluster --serve`.
import { homedir } from 'node:os';
import { rendererDir } from './cli/run-cluster';
import { stopOnSignals } from './cli/signals';
import { createDesktopHost, perUserDataDir } from './desktop-host';
import { ControlServer } from './server/control-server';
import { resolveApiToken } from './server/token-source';

const log = (line: string): void => console.error(line);
// Checked before the cluster starts, as `raftlab cluster --serve` does.
const { token } = await resolveApiToken({ envToken: process.env.RAFTLAB_TOKEN }).catch((error: unknown) => {
  console.error(`raftlab: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
const dataDir = process.env.RAFTLAB_DATA_DIR ?? perUserDataDir(process.env, process.platform, homedir());
log(`raftlab: cluster data in ${dataDir}`);
const host = createDesktopHost({ dataDir, log, paused: process.env.RAFTLAB_PAUSED === '1' });
try {
  await host.start();
} catch (error) {
  console.error(`raftlab: the cluster could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const server = new ControlServer({
  api: host,
  staticDir: rendererDir(),
  port: Number(process.env.RAFTLAB_PORT ?? 0),
  ...(token !== undefined && { token }),
  onEventsDropped: (count) => host.countDroppedEvents(count),
});
await server.start();
console.log(`dashboard: ${server.dashboardUrl()}`);
log('Open that link in a browser. Ctrl+C stops the cluster.');
stopOnSignals(async () => {
  await server.stop();
  await host.dispose();
}, log);
