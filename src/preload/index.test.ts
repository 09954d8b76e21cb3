// The preload against a stand-in for Electron whose ipcRenderer reaches the real main-side
// handlers, so this checks the whole desktop bridge: page call → IPC → ClusterApi → back.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { type IpcEvent, type IpcWindow, registerIpc } from '../main/ipc';
import { registerGroupsIpc } from '../main/ipc-groups';
import { StubCluster } from '../main/server/testing/stub-cluster';
import { ApiError, CLUSTER_OPERATIONS, type ClusterBridge, type ClusterEvent, EVENTS_CHANNEL } from '../shared/api';
import type { GroupsApi } from '../shared/groups-api';

type Listener = (event: unknown, ...args: unknown[]) => void;

const electron = vi.hoisted(() => {
  const exposed = new Map<string, unknown>();
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>();
  const rendererListeners = new Map<string, Set<Listener>>();
  const trustedEvent = {
    sender: { id: 1 },
    senderFrame: { url: 'app://raftlab/index.html', parent: null },
  };
  return {
    exposed,
    handlers,
    rendererListeners,
    module: {
      contextBridge: {
        exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value),
      },
      ipcRenderer: {
        invoke: (channel: string, ...args: unknown[]) => {
          const handler = handlers.get(channel);
          if (!handler) return Promise.reject(new Error(`No handler registered for '${channel}'`));
          return handler(trustedEvent, ...args);
        },
        on: (channel: string, listener: Listener) => {
          const set = rendererListeners.get(channel) ?? new Set();
          set.add(listener);
          rendererListeners.set(channel, set);
        },
        removeListener: (channel: string, listener: Listener) => {
          rendererListeners.get(channel)?.delete(listener);
        },
      },
    },
  };
});

vi.mock('electron', () => electron.module);

const cluster = new StubCluster();
let bridge: ClusterBridge & GroupsApi;
const groupCalls: unknown[] = [];
const groups: GroupsApi = {
  addGroup: async (members) => {
    groupCalls.push({ addGroup: members });
    return { group: 3 };
  },
  removeGroup: async (group) => {
    if (group === 9) throw new ApiError(404, 'no group 9 on the ring');
    groupCalls.push({ removeGroup: group });
  },
};

beforeAll(async () => {
  const ipcMain = {
    handle: (channel: string, handler: (event: IpcEvent, ...args: unknown[]) => Promise<unknown>) => {
      electron.handlers.set(channel, handler as (event: unknown, ...args: unknown[]) => Promise<unknown>);
    },
    removeHandler: (channel: string) => electron.handlers.delete(channel),
  };
  const window: IpcWindow = {
    isDestroyed: () => false,
    webContents: {
      id: 1,
      isDestroyed: () => false,
      send: (channel: string, ...args: unknown[]) => {
        for (const listener of electron.rendererListeners.get(channel) ?? []) listener({ sender: 'ipc' }, ...args);
      },
      once: () => undefined,
    },
  };
  registerIpc(ipcMain, cluster.bridge, window);
  registerGroupsIpc(ipcMain, groups, window);
  await import('./index');
  bridge = electron.exposed.get('raftlab') as ClusterBridge & GroupsApi;
});

describe('the preload bridge', () => {
  it('exposes window.raftlab with one method per operation plus onEvents, and nothing else', () => {
    expect([...electron.exposed.keys()]).toEqual(['raftlab']);
    expect(Object.keys(bridge).sort()).toEqual([...CLUSTER_OPERATIONS, 'onEvents', 'addGroup', 'removeGroup'].sort());
    for (const value of Object.values(bridge)) expect(typeof value).toBe('function');
  });

  it('carries a call and its arguments to the cluster and its result back', async () => {
    cluster.calls.length = 0;
    const result = await bridge.kv({ op: 'GET', key: 'color', via: '127.0.0.1:5002' });
    expect(result.value).toBe('blue');
    await bridge.partition([['127.0.0.1:5001'], ['127.0.0.1:5002']]);
    expect(cluster.calls).toEqual([
      { operation: 'kv', args: [{ op: 'GET', key: 'color', via: '127.0.0.1:5002' }] },
      { operation: 'partition', args: [[['127.0.0.1:5001'], ['127.0.0.1:5002']]] },
    ]);
  });

  it('carries add-group and remove-group to the host, refusing a malformed argument in main', async () => {
    expect(await bridge.addGroup(['127.0.0.1:5010'])).toEqual({ group: 3 });
    await bridge.removeGroup(3);
    expect(groupCalls).toEqual([{ addGroup: ['127.0.0.1:5010'] }, { removeGroup: 3 }]);
    await expect(bridge.removeGroup(9)).rejects.toThrow('no group 9 on the ring');
    await expect(bridge.removeGroup('1' as unknown as number)).rejects.toThrow(/one group number/);
    await expect(bridge.addGroup([] as string[])).rejects.toThrow(/list of ip:port/);
    expect(groupCalls).toHaveLength(2);
  });

  it("re-throws the host's ApiError with its message, not Electron's wrapping", async () => {
    cluster.failure = new ApiError(404, 'unknown node 127.0.0.1:9999');
    const failure = await bridge.kill('127.0.0.1:9999').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).message).toBe('unknown node 127.0.0.1:9999');
    expect((failure as ApiError).status).toBe(404);
  });

  it('re-throws an unexpected host failure as a plain error with its message', async () => {
    cluster.failure = new Error('disk on fire');
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    await expect(bridge.heal()).rejects.toThrow(/^disk on fire$/);
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });

  it('delivers event batches to the page without the IPC event, until unsubscribed', () => {
    const batches: (readonly ClusterEvent[])[] = [];
    const unsubscribe = bridge.onEvents((events) => batches.push(events));
    const batch: ClusterEvent[] = [{ type: 'term', at: 1, node: '127.0.0.1:5001', term: 2 }];
    cluster.emit(batch);
    unsubscribe();
    cluster.emit(batch);
    expect(batches).toEqual([batch]);
    expect(electron.rendererListeners.get(EVENTS_CHANNEL)?.size).toBe(0);
  });
});
