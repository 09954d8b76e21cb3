// The Electron main process: one ClusterHost on the built-in default configuration, one window
// that draws it, and the IPC bridge between them. The window is locked down item by item against
// Electron's security checklist (the table in README.md): its page comes from app://, not file://;
// context isolation, the sandbox, no Node in the page, a strict Content-Security-Policy; every
// permission refused; no navigation, redirects, new windows or <webview>; and IPC answered only
// for our own page. Everything the page may do is the ClusterApi, through the preload.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, protocol, session } from 'electron';
import { createDesktopHost } from './desktop-host';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './electron-app-protocol';
import { lockDownContents } from './electron-navigation';
import { denyAllPermissions } from './electron-permissions';
import { type RendererSource, rendererSource } from './electron-renderer-source';
import type { ClusterHost } from './host/cluster-host';
import { registerIpc } from './ipc';
import { registerGroupsIpc } from './ipc-groups';
import { CONTENT_SECURITY_POLICY } from './server/control-server';

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererDir = join(here, '../renderer');
let host: ClusterHost | null = null;

// Both must happen before the app is ready: a scheme's privileges are fixed at start, and
// enableSandbox covers every renderer, including any a bug might create.
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
app.enableSandbox();

// Every web contents, the window's and any other, gets the same navigation lock at birth.
app.on('web-contents-created', (_event, contents) => {
  lockDownContents(contents);
});

async function createWindow(cluster: ClusterHost, source: RendererSource): Promise<void> {
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
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
    },
  });
  registerIpc(ipcMain, cluster, window, {
    devServerUrl: source.kind === 'dev-server' ? source.origin : undefined,
  });
  registerGroupsIpc(ipcMain, cluster, window, {
    devServerUrl: source.kind === 'dev-server' ? source.origin : undefined,
  });
  await window.loadURL(source.url);
}

async function main(): Promise<void> {
  await app.whenReady();
  const source = rendererSource({
    isPackaged: app.isPackaged,
    devServerUrl: process.env.ELECTRON_RENDERER_URL,
    onIgnored: (reason) => console.warn(`raftlab: ${reason}`),
  });
  denyAllPermissions(session.defaultSession);
  protocol.handle(APP_SCHEME, createAppProtocolHandler(rendererDir));
  // app:// answers carry the policy themselves; this covers the dev server's pages too.
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  const dataDir = process.env.RAFTLAB_DATA_DIR ?? join(app.getPath('userData'), 'cluster-data');
  host = createDesktopHost({ dataDir, log: (line) => console.log(line), paused: process.env.RAFTLAB_PAUSED === '1' });
  try {
    await host.start();
  } catch (error) {
    console.error(`raftlab: the cluster could not start: ${error instanceof Error ? error.message : String(error)}`);
    app.exit(1);
    return;
  }
  await createWindow(host, source);
}

app.on('window-all-closed', () => {
  const stopping = host?.dispose() ?? Promise.resolve();
  host = null;
  void stopping.finally(() => app.quit());
});

void main();
