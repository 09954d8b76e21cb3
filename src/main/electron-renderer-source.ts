// Where the desktop window's page comes from. `npm run dev` sets ELECTRON_RENDERER_URL to
// electron-vite's dev server; a packaged app must never take that from the environment, or anyone
// who can set a variable before launch could point the window (and the IPC bridge's trust) at any
// page they like. So the variable counts only when the app is not packaged, and even then only as
// an http(s) URL on this machine.
import { APP_ENTRY_URL } from './electron-app-protocol';

export type RendererSource =
  /** The built renderer, through the app:// protocol. */
  | { readonly kind: 'app'; readonly url: string }
  /** electron-vite's dev server, during development only. */
  | { readonly kind: 'dev-server'; readonly url: string; readonly origin: string };

export interface RendererSourceInput {
  readonly isPackaged: boolean;
  /** process.env.ELECTRON_RENDERER_URL */
  readonly devServerUrl: string | undefined;
  /** Told why a dev server URL was set aside. */
  readonly onIgnored?: (reason: string) => void;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function rendererSource(input: RendererSourceInput): RendererSource {
  const app: RendererSource = { kind: 'app', url: APP_ENTRY_URL };
  const raw = input.devServerUrl;
  if (raw === undefined || raw === '') return app;
  const ignore = (reason: string): RendererSource => {
    input.onIgnored?.(`ignoring ELECTRON_RENDERER_URL=${raw}: ${reason}`);
    return app;
  };
  if (input.isPackaged) return ignore('a packaged app only shows its own page');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return ignore('it is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return ignore('the dev server is http(s)');
  if (!LOOPBACK_HOSTS.has(url.hostname)) return ignore('the dev server runs on this machine (localhost)');
  if (url.username !== '' || url.password !== '') return ignore('it holds a user name or password');
  return { kind: 'dev-server', url: url.href, origin: url.origin };
}
