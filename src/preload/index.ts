// The bridge between the sandboxed page and the main process: one method per ClusterApi operation,
// derived from CLUSTER_OPERATIONS, plus the event subscription. The page never sees ipcRenderer,
// so it can reach nothing in main beyond these operations. A sandboxed preload may only require
// 'electron'; everything else here is pure shared code that the bundler inlines.
import { contextBridge, type IpcRendererEvent, ipcRenderer } from 'electron';
import {
  CLUSTER_OPERATIONS,
  type ClusterApi,
  type ClusterBridge,
  type ClusterEvent,
  type ClusterOperation,
  EVENTS_CHANNEL,
  EVENTS_OPEN_CHANNEL,
} from '../shared/api';
import { GROUP_CHANNELS, type GroupsApi } from '../shared/groups-api';
import { channelOf, unwrapOutcome } from '../shared/ipc-channels';

function invoker<K extends ClusterOperation>(operation: K): ClusterApi[K] {
  const call = async (...args: unknown[]): Promise<unknown> =>
    unwrapOutcome(await ipcRenderer.invoke(channelOf(operation), ...args));
  return call as unknown as ClusterApi[K];
}

const operations = Object.fromEntries(CLUSTER_OPERATIONS.map((operation) => [operation, invoker(operation)])) as {
  [K in ClusterOperation]: ClusterApi[K];
};

/** Resharding (issue 13): add and remove groups; main checks the arguments again. */
const groups: GroupsApi = {
  addGroup: async (members) =>
    unwrapOutcome(await ipcRenderer.invoke(GROUP_CHANNELS.addGroup, members)) as { readonly group: number },
  removeGroup: async (group) => {
    unwrapOutcome(await ipcRenderer.invoke(GROUP_CHANNELS.removeGroup, group));
  },
};

const bridge: ClusterBridge & GroupsApi = {
  ...operations,
  ...groups,
  onEvents(listener) {
    // Only the batch reaches the page, never the IPC event (which holds ipcRenderer as its sender).
    // The stream begins with the opening batch (each node's role now); batches before it are older
    // than what it says, so they are ignored.
    let opened = false;
    const forward = (_event: IpcRendererEvent, events: readonly ClusterEvent[]): void => {
      if (opened) listener(events);
    };
    const open = (_event: IpcRendererEvent, events: readonly ClusterEvent[]): void => {
      opened = true;
      // An empty opening batch (no live node) tells the page nothing.
      if (events.length > 0) listener(events);
    };
    ipcRenderer.on(EVENTS_CHANNEL, forward);
    ipcRenderer.on(EVENTS_OPEN_CHANNEL, open);
    ipcRenderer.invoke(EVENTS_OPEN_CHANNEL).catch(() => {
      // Without an opening batch the stream still flows; the page then learns roles as they change.
      opened = true;
    });
    return () => {
      ipcRenderer.removeListener(EVENTS_CHANNEL, forward);
      ipcRenderer.removeListener(EVENTS_OPEN_CHANNEL, open);
    };
  },
};

contextBridge.exposeInMainWorld('raftlab', bridge);
