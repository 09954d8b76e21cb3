// The one place that decides how the dashboard talks to the cluster: through the Electron
// preload's `window.raftlab` when it exists, else over HTTP and SSE to the server that served
// this page. Everything else sees only a ClusterBridge.
import type { ClusterBridge } from '../../../../shared/api';
import { type ConnectionListener, HttpBridge } from './http-bridge';
import { resolveToken, TOKEN_STORAGE_KEY } from './http-urls';

// `window.raftlab` is declared by src/preload/bridge.d.ts, beside the preload that provides it.

export type TransportKind = 'ipc' | 'http';

export interface PickedBridge {
  readonly bridge: ClusterBridge;
  readonly kind: TransportKind;
}

function readStoredToken(): string | null {
  try {
    return window.sessionStorage.getItem(TOKEN_STORAGE_KEY);
  } catch {
    return null; // storage disabled: the token then lives only in this page's memory
  }
}

function rememberToken(token: string): void {
  try {
    window.sessionStorage.setItem(TOKEN_STORAGE_KEY, token);
  } catch {
    // As above: nothing to do without storage.
  }
}

export function pickBridge(onConnection: ConnectionListener): PickedBridge {
  if (window.raftlab) {
    onConnection(true);
    return { bridge: window.raftlab, kind: 'ipc' };
  }
  const { token, cleanedSearch, fromUrl } = resolveToken(window.location.search, readStoredToken());
  if (token && fromUrl) {
    rememberToken(token);
    const cleaned = `${window.location.pathname}${cleanedSearch}${window.location.hash}`;
    window.history.replaceState(window.history.state, '', cleaned);
  }
  return { bridge: new HttpBridge(token, onConnection), kind: 'http' };
}
