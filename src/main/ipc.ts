// The Electron side of the desktop bridge: one `ipcMain.handle` per ClusterApi operation, and event
// batches pushed to the window. Every call is checked twice: that it comes from our window's top
// frame showing our own page, and that its arguments have the operation's shape. Anything else is
// refused, so a page that somehow navigated elsewhere cannot drive the cluster.
import type { BrowserWindow, IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { ApiError, CLUSTER_OPERATIONS, type ClusterBridge, EVENTS_CHANNEL, EVENTS_OPEN_CHANNEL } from '../shared/api';
import { channelOf, type IpcOutcome } from '../shared/ipc-channels';
import { APP_HOST, APP_SCHEME } from './electron-app-protocol';
import { checkOperationArgs } from './server/operation-args';

export interface IpcOptions {
  /**
   * electron-vite's dev server (ELECTRON_RENDERER_URL) when running `npm run dev`; the caller gives
   * it only when the app is not packaged (see electron-renderer-source.ts). Otherwise only the
   * app:// page is trusted.
   */
  readonly devServerUrl?: string | undefined;
  /** Where refused calls are reported; console.warn by default. */
  readonly onRefused?: (reason: string) => void;
}

/** The parts of a window the bridge uses, so tests can stand in for Electron. */
export interface IpcWindow {
  isDestroyed(): boolean;
  readonly webContents: Pick<WebContents, 'id' | 'send' | 'isDestroyed'> & {
    once(event: 'destroyed', listener: () => void): unknown;
  };
}

export type IpcEvent = Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>;

/** The part of `ipcMain` the bridge uses; Electron's `ipcMain` is one. */
export interface IpcHandlerRegistry {
  handle(channel: string, handler: (event: IpcEvent, ...args: unknown[]) => Promise<IpcOutcome>): void;
  removeHandler(channel: string): void;
}

/**
 * Registers the handlers and starts pushing event batches to `window`. Returns a function that
 * removes them again; it also runs by itself when the window's contents are destroyed.
 */
export function registerIpc(
  ipcMain: IpcHandlerRegistry | IpcMain,
  api: ClusterBridge,
  window: IpcWindow | BrowserWindow,
  options: IpcOptions = {},
): () => void {
  const onRefused = options.onRefused ?? ((reason) => console.warn(`raftlab: refused an IPC call: ${reason}`));
  for (const operation of CLUSTER_OPERATIONS) {
    ipcMain.handle(channelOf(operation), async (event: IpcEvent, ...args: unknown[]): Promise<IpcOutcome> => {
      const refusal = refusalOf(event, window, options);
      if (refusal !== undefined) {
        onRefused(`${operation}: ${refusal}`);
        return { ok: false, status: 403, error: `refused: ${refusal}` };
      }
      try {
        const checked = checkOperationArgs(operation, args);
        const method = api[operation] as (...values: readonly unknown[]) => Promise<unknown>;
        return { ok: true, value: await method.apply(api, checked) };
      } catch (error) {
        return failure(error);
      }
    });
  }

  const unsubscribe = api.onEvents((events) => {
    if (window.isDestroyed() || window.webContents.isDestroyed()) return;
    window.webContents.send(EVENTS_CHANNEL, events);
  });

  // The page subscribes after it loads (and again after a reload): it asks for its opening batch,
  // each node's role as of now. Older events go out first (openingEvents flushes them), and the
  // batch comes on its own channel, in order with the others, so the page knows where its stream
  // begins and ignores what came before.
  ipcMain.handle(EVENTS_OPEN_CHANNEL, async (event: IpcEvent): Promise<IpcOutcome> => {
    const refusal = refusalOf(event, window, options);
    if (refusal !== undefined) {
      onRefused(`events: ${refusal}`);
      return { ok: false, status: 403, error: `refused: ${refusal}` };
    }
    try {
      const opening = api.openingEvents?.() ?? [];
      if (!window.isDestroyed() && !window.webContents.isDestroyed()) {
        window.webContents.send(EVENTS_OPEN_CHANNEL, opening);
      }
      return { ok: true, value: opening.length };
    } catch (error) {
      return failure(error);
    }
  });

  let disposed = false;
  const dispose = (): void => {
    if (disposed) return;
    disposed = true;
    unsubscribe();
    for (const operation of CLUSTER_OPERATIONS) ipcMain.removeHandler(channelOf(operation));
    ipcMain.removeHandler(EVENTS_OPEN_CHANNEL);
  };
  window.webContents.once('destroyed', dispose);
  return dispose;
}

/** Why the call must be refused, or undefined when it comes from our own page in our window. */
export function refusalOf(event: IpcEvent, window: IpcWindow, options: IpcOptions): string | undefined {
  if (window.isDestroyed() || event.sender.id !== window.webContents.id) return 'the sender is not the RaftLab window';
  const frame = event.senderFrame;
  if (!frame) return 'the sending frame is gone';
  if (frame.parent !== null) return 'the call came from a sub-frame';
  if (!isAppUrl(frame.url, options)) return `the page ${frame.url} is not the RaftLab dashboard`;
  return undefined;
}

export function isAppUrl(url: string, options: IpcOptions): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  // Our own page, served by the app:// protocol. A file: page is never ours: any file on the disk
  // shares that origin.
  if (parsed.protocol === `${APP_SCHEME}:`) return parsed.host.toLowerCase() === APP_HOST;
  if (options.devServerUrl === undefined) return false;
  try {
    return parsed.origin === new URL(options.devServerUrl).origin;
  } catch {
    return false;
  }
}

function failure(error: unknown): IpcOutcome {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ApiError) return { ok: false, status: error.status, error: message };
  console.error('raftlab: IPC operation failed:', error);
  return { ok: false, status: 500, error: message };
}
