// The desktop window's resharding operations (shared/groups-api.ts) over IPC, beside ipc.ts's
// ClusterApi handlers and with the same checks: only our own page in our window is answered, and
// each argument's shape is checked before the host is asked.
import type { BrowserWindow, IpcMain } from 'electron';
import { ApiError } from '../shared/api';
import { GROUP_CHANNELS, type GroupsApi } from '../shared/groups-api';
import type { IpcOutcome } from '../shared/ipc-channels';
import { type IpcEvent, type IpcHandlerRegistry, type IpcOptions, type IpcWindow, refusalOf } from './ipc';

export function registerGroupsIpc(
  ipcMain: IpcHandlerRegistry | IpcMain,
  api: GroupsApi,
  window: IpcWindow | BrowserWindow,
  options: IpcOptions = {},
): () => void {
  const onRefused = options.onRefused ?? ((reason) => console.warn(`raftlab: refused an IPC call: ${reason}`));
  const handle = (name: keyof typeof GROUP_CHANNELS, run: (args: unknown[]) => Promise<unknown>): void => {
    ipcMain.handle(GROUP_CHANNELS[name], async (event: IpcEvent, ...args: unknown[]): Promise<IpcOutcome> => {
      const refusal = refusalOf(event, window, options);
      if (refusal !== undefined) {
        onRefused(`${name}: ${refusal}`);
        return { ok: false, status: 403, error: `refused: ${refusal}` };
      }
      try {
        return { ok: true, value: await run(args) };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { ok: false, status: error instanceof ApiError ? error.status : 500, error: message };
      }
    });
  };
  handle('addGroup', async ([members, ...extra]) => {
    if (
      extra.length > 0 ||
      !Array.isArray(members) ||
      members.length === 0 ||
      members.some((m) => typeof m !== 'string')
    ) {
      throw new ApiError(400, 'addGroup takes one list of ip:port strings');
    }
    return api.addGroup(members as string[]);
  });
  handle('removeGroup', async ([group, ...extra]) => {
    if (extra.length > 0 || typeof group !== 'number' || !Number.isInteger(group)) {
      throw new ApiError(400, 'removeGroup takes one group number');
    }
    await api.removeGroup(group);
    return undefined;
  });
  return () => {
    ipcMain.removeHandler(GROUP_CHANNELS.addGroup);
    ipcMain.removeHandler(GROUP_CHANNELS.removeGroup);
  };
}
