import { describe, expect, it, vi } from 'vitest';
import { ApiError, CLUSTER_OPERATIONS, type ClusterEvent, EVENTS_CHANNEL, EVENTS_OPEN_CHANNEL } from '../shared/api';
import { channelOf, type IpcOutcome } from '../shared/ipc-channels';
import { type IpcEvent, type IpcWindow, isAppUrl, registerIpc } from './ipc';
import { StubCluster } from './server/testing/stub-cluster';

type Handler = (event: IpcEvent, ...args: unknown[]) => Promise<IpcOutcome>;

class FakeIpcMain {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, handler: Handler): void {
    // Electron refuses a second handler on one channel; so do we.
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  call(channel: string, event: IpcEvent, ...args: unknown[]): Promise<IpcOutcome> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    return handler(event, ...args);
  }
}

const APP_URL = 'app://raftlab/index.html';

function fakeWindow() {
  const destroyed: (() => void)[] = [];
  const sent: { channel: string; payload: unknown }[] = [];
  let isDestroyed = false;
  const window: IpcWindow = {
    isDestroyed: () => isDestroyed,
    webContents: {
      id: 7,
      send: (channel: string, payload: unknown) => {
        sent.push({ channel, payload });
      },
      isDestroyed: () => isDestroyed,
      once: (_event: 'destroyed', listener: () => void) => destroyed.push(listener),
    },
  };
  const destroy = (): void => {
    isDestroyed = true;
    for (const listener of destroyed) listener();
  };
  return { window, sent, destroy };
}

function eventFrom(url: string, options: { senderId?: number; subFrame?: boolean; noFrame?: boolean } = {}): IpcEvent {
  return {
    sender: { id: options.senderId ?? 7 },
    senderFrame: options.noFrame ? null : { url, parent: options.subFrame ? {} : null },
  } as unknown as IpcEvent;
}

function setUp(options: { devServerUrl?: string } = {}) {
  const cluster = new StubCluster();
  const ipcMain = new FakeIpcMain();
  const { window, sent, destroy } = fakeWindow();
  const refusals: string[] = [];
  const dispose = registerIpc(ipcMain, cluster.bridge, window, {
    devServerUrl: options.devServerUrl,
    onRefused: (reason) => refusals.push(reason),
  });
  return { cluster, ipcMain, sent, destroy, dispose, refusals };
}

describe('registerIpc', () => {
  it('registers exactly one handler per operation, on raftlab:<operation>', () => {
    const { ipcMain } = setUp();
    expect([...ipcMain.handlers.keys()].sort()).toEqual(
      [...CLUSTER_OPERATIONS.map((op) => `raftlab:${op}`), EVENTS_OPEN_CHANNEL].sort(),
    );
  });

  it("answers the page's subscription with its opening batch on its own channel, after every older batch", async () => {
    const { cluster, ipcMain, sent } = setUp();
    const older: ClusterEvent[] = [{ type: 'commit', at: 3, node: '127.0.0.1:5001', index: 9 }];
    const opening: ClusterEvent[] = [
      { type: 'role', at: 4, node: '127.0.0.1:5001', role: 'leader', term: 2, leader: '127.0.0.1:5001', initial: true },
    ];
    cluster.pending = older;
    cluster.opening = opening;
    expect(await ipcMain.call(EVENTS_OPEN_CHANNEL, eventFrom(APP_URL))).toEqual({ ok: true, value: 1 });
    expect(sent).toEqual([
      { channel: EVENTS_CHANNEL, payload: older },
      { channel: EVENTS_OPEN_CHANNEL, payload: opening },
    ]);
  });

  it('refuses the opening batch to a foreign page', async () => {
    const { cluster, ipcMain, sent, refusals } = setUp();
    cluster.opening = [{ type: 'role', at: 4, node: '127.0.0.1:5001', role: 'leader', term: 2, initial: true }];
    const outcome = await ipcMain.call(EVENTS_OPEN_CHANNEL, eventFrom('https://evil.example/'));
    expect(outcome.ok).toBe(false);
    expect(sent).toEqual([]);
    expect(refusals).toHaveLength(1);
  });

  it('passes a call from our page on to the cluster and returns its value', async () => {
    const { cluster, ipcMain } = setUp();
    const outcome = await ipcMain.call(channelOf('setLink'), eventFrom(APP_URL), {
      a: '127.0.0.1:5001',
      b: '127.0.0.1:5002',
      cut: true,
    });
    expect(outcome).toEqual({ ok: true, value: undefined });
    expect(cluster.calls).toEqual([
      { operation: 'setLink', args: [{ a: '127.0.0.1:5001', b: '127.0.0.1:5002', cut: true }] },
    ]);
    const state = await ipcMain.call(channelOf('state'), eventFrom(APP_URL));
    expect(state.ok && state.value).toMatchObject({ droppedEvents: 0 });
  });

  it('refuses calls from another window, a sub-frame, a vanished frame or a foreign page', async () => {
    const { cluster, ipcMain, refusals } = setUp();
    const intruders = [
      eventFrom(APP_URL, { senderId: 8 }),
      eventFrom(APP_URL, { subFrame: true }),
      eventFrom(APP_URL, { noFrame: true }),
      eventFrom('https://evil.example/'),
      eventFrom('file:///etc/passwd'),
      eventFrom('file:///opt/raftlab/out/renderer/index.html'),
      eventFrom('app://evil/index.html'),
      eventFrom('app2://raftlab/index.html'),
      eventFrom('http://localhost:5173/'),
    ];
    for (const event of intruders) {
      const outcome = await ipcMain.call(channelOf('kill'), event, '127.0.0.1:5001');
      expect(outcome.ok).toBe(false);
      expect(!outcome.ok && outcome.status).toBe(403);
    }
    expect(cluster.calls).toEqual([]);
    expect(refusals).toHaveLength(intruders.length);
  });

  it('accepts the dev server origin only when it is the configured one', async () => {
    const { cluster, ipcMain } = setUp({ devServerUrl: 'http://localhost:5173' });
    expect((await ipcMain.call(channelOf('heal'), eventFrom('http://localhost:5173/index.html'))).ok).toBe(true);
    expect((await ipcMain.call(channelOf('heal'), eventFrom('http://localhost:5174/'))).ok).toBe(false);
    expect(cluster.calls).toHaveLength(1);
  });

  it('hands an ApiError back as its status and message', async () => {
    const { cluster, ipcMain } = setUp();
    cluster.failure = new ApiError(404, 'unknown node 127.0.0.1:9999');
    const outcome = await ipcMain.call(channelOf('restart'), eventFrom(APP_URL), '127.0.0.1:9999');
    expect(outcome).toEqual({ ok: false, status: 404, error: 'unknown node 127.0.0.1:9999' });
  });

  it('refuses badly shaped arguments with a 400 naming the field, before the cluster sees them', async () => {
    const { cluster, ipcMain } = setUp();
    const outcome = await ipcMain.call(channelOf('setClock'), eventFrom(APP_URL), { timescale: 'fast' });
    expect(outcome).toEqual({ ok: false, status: 400, error: "field 'timescale' must be a number" });
    expect(cluster.calls).toEqual([]);
  });

  it('pushes event batches to the window on the events channel', () => {
    const { cluster, sent } = setUp();
    const batch: ClusterEvent[] = [{ type: 'commit', at: 3, node: '127.0.0.1:5001', index: 9 }];
    cluster.emit(batch);
    expect(sent).toEqual([{ channel: EVENTS_CHANNEL, payload: batch }]);
  });

  it('stops pushing and removes its handlers when the window is destroyed', () => {
    const { cluster, ipcMain, sent, destroy } = setUp();
    destroy();
    expect(cluster.listeners.size).toBe(0);
    expect(ipcMain.handlers.size).toBe(0);
    cluster.emit([{ type: 'commit', at: 3, node: '127.0.0.1:5001', index: 9 }]);
    expect(sent).toEqual([]);
  });

  it('can be disposed and registered again', () => {
    const { cluster, ipcMain, dispose } = setUp();
    dispose();
    expect(ipcMain.handlers.size).toBe(0);
    const { window } = fakeWindow();
    expect(() => registerIpc(ipcMain, cluster.bridge, window)).not.toThrow();
    expect(ipcMain.handlers.size).toBe(CLUSTER_OPERATIONS.length + 1);
  });
});

describe('isAppUrl', () => {
  it('accepts our app:// page, and no file: page, not even the built renderer', () => {
    expect(isAppUrl(APP_URL, {})).toBe(true);
    expect(isAppUrl('app://raftlab/', {})).toBe(true);
    expect(isAppUrl('app://raftlab.evil/index.html', {})).toBe(false);
    expect(isAppUrl('file:///opt/raftlab/out/renderer/index.html', {})).toBe(false);
    expect(isAppUrl('not a url', {})).toBe(false);
    expect(isAppUrl('about:blank', {})).toBe(false);
  });

  it('accepts the dev server only when one is given, which only an unpackaged app does', () => {
    expect(isAppUrl('http://localhost:5173/', {})).toBe(false);
    expect(isAppUrl('http://localhost:5173/', { devServerUrl: 'http://localhost:5173' })).toBe(true);
    expect(isAppUrl('http://localhost:5173.evil.example/', { devServerUrl: 'http://localhost:5173' })).toBe(false);
  });
});

vi.mock('electron', () => {
  throw new Error('ipc.ts must only import types from electron');
});
