// The Electron main process: one ClusterHost on the built-in default configuration, one window
// that draws it, and the IPC bridge between them. The window is locked down: context isolation,
// the sandbox, no Node in the page, a strict Content-Security-Policy, no navigation and no new
// windows. Everything the page may do is the ClusterApi, through the preload.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, session } from 'electron';
import { createDesktopHost } from './desktop-host';
import type { ClusterHost } from './host/cluster-host';
import { registerIpc } from './ipc';
import { CONTENT_SECURITY_POLICY } from './server/control-server';

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererDir = join(here, '../renderer');
let host: ClusterHost | null = null;

async function createWindow(cluster: ClusterHost): Promise<void> {
  const window = new BrowserWindow({
    width: 1440,
    height: 900,
    title: 'RaftLab',
    backgroundColor: '#ffffff',
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  const devServerUrl = process.env.ELECTRON_RENDERER_URL;
  registerIpc(ipcMain, cluster, window, { devServerUrl, rendererDir });
  if (devServerUrl) await window.loadURL(devServerUrl);
  else await window.loadFile(join(rendererDir, 'index.html'));
}

async function main(): Promise<void> {
  await app.whenReady();
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  const dataDir = process.env.RAFTLAB_DATA_DIR ?? join(app.getPath('userData'), 'cluster-data');
  host = createDesktopHost({ dataDir, log: (line) => console.log(line) });
  try {
    await host.start();
  } catch (error) {
    console.error(`raftlab: the cluster could not start: ${error instanceof Error ? error.message : String(error)}`);
    app.exit(1);
    return;
  }
  await createWindow(host);
}

app.on('window-all-closed', () => {
  const stopping = host?.dispose() ?? Promise.resolve();
  host = null;
  void stopping.finally(() => app.quit());
});

void main();
