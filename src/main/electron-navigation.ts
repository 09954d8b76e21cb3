// The desktop window shows one page and never leaves it: no navigation, no redirects, no new
// windows, no <webview> (security checklist items 11-14). A link or a script that tries any of these
// is refused and reported, so the page, the preload's bridge and the IPC trust stay together.

/** The part of Electron's WebContents this locks down. */
export interface LockableContents {
  on(
    event: 'will-navigate' | 'will-redirect',
    listener: (event: { preventDefault(): void; url: string }) => void,
  ): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

export function lockDownContents(
  contents: LockableContents,
  onRefused: (what: string) => void = (what) => console.warn(`raftlab: refused ${what}`),
): void {
  contents.on('will-navigate', (event) => {
    event.preventDefault();
    onRefused(`navigation to ${event.url}`);
  });
  contents.on('will-redirect', (event) => {
    event.preventDefault();
    onRefused(`a redirect to ${event.url}`);
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    onRefused('a <webview>');
  });
  contents.setWindowOpenHandler(({ url }) => {
    onRefused(`a new window for ${url}`);
    return { action: 'deny' };
  });
}
