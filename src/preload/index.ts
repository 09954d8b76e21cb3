// The bridge between the sandboxed page and the main process. Filled in with the cluster API.
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('raftlabDesktop', { version: 1 });
