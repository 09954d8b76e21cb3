import { describe, expect, it, vi } from 'vitest';
import { type LockableContents, lockDownContents } from './electron-navigation';

type Listener = (event: { preventDefault(): void; url: string }) => void;

function fakeContents() {
  const listeners = new Map<string, Listener[]>();
  let openHandler: ((details: { url: string }) => { action: 'deny' }) | undefined;
  const contents = {
    on(event: string, listener: Listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return contents;
    },
    setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }) {
      openHandler = handler;
    },
  };
  /** Fires `event` as Electron would; true when some listener prevented it. */
  const fire = (event: string, url: string): boolean => {
    let prevented = false;
    for (const listener of listeners.get(event) ?? []) listener({ url, preventDefault: () => (prevented = true) });
    return prevented;
  };
  return { contents: contents as LockableContents, fire, open: (url: string) => openHandler?.({ url }) };
}

describe('lockDownContents', () => {
  it('prevents navigation, redirects and <webview>, and denies every new window, reporting each', () => {
    const { contents, fire, open } = fakeContents();
    const refused: string[] = [];
    lockDownContents(contents, (what) => refused.push(what));
    expect(fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(fire('will-navigate', 'app://raftlab/index.html')).toBe(true);
    expect(fire('will-redirect', 'https://evil.example/')).toBe(true);
    expect(fire('will-attach-webview', '')).toBe(true);
    expect(open('https://evil.example/')).toEqual({ action: 'deny' });
    expect(refused).toEqual([
      'navigation to https://evil.example/',
      'navigation to app://raftlab/index.html',
      'a redirect to https://evil.example/',
      'a <webview>',
      'a new window for https://evil.example/',
    ]);
  });
});

vi.mock('electron', () => {
  throw new Error('electron-navigation.ts must not need Electron');
});
