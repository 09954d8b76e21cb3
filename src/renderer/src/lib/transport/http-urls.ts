// The pure half of the browser transport: where the token comes from and what each request
// looks like. The page is opened as `/?token=T`; the token is then kept in sessionStorage and
// taken out of the address bar, so it does not end up in a screenshot or a shared link.
import type { ClusterOperation, NodeId } from '../../../../shared/api';
import { EVENTS_PATH, HTTP_ROUTES } from '../../../../shared/http-routes';

export const TOKEN_STORAGE_KEY = 'raftlab.token';

export interface TokenResolution {
  readonly token: string | null;
  /** The query string to show in the address bar, without the token ('' or '?...'). */
  readonly cleanedSearch: string;
  /** Whether the token came from the URL and should be remembered. */
  readonly fromUrl: boolean;
}

export function resolveToken(search: string, stored: string | null): TokenResolution {
  const params = new URLSearchParams(search);
  const fromQuery = params.get('token');
  params.delete('token');
  const rest = params.toString();
  const cleanedSearch = rest ? `?${rest}` : '';
  if (fromQuery) return { token: fromQuery, cleanedSearch, fromUrl: true };
  return { token: stored || null, cleanedSearch, fromUrl: false };
}

export function operationUrl(operation: ClusterOperation, node?: NodeId): string {
  const route = HTTP_ROUTES[operation];
  if (!route.path.includes('{id}')) return route.path;
  if (node === undefined || node === '') throw new Error(`${operation} needs a node id`);
  return route.path.replace('{id}', encodeURIComponent(node));
}

/** EventSource cannot send headers, so the events stream takes the token in its query. */
export function eventsUrl(token: string | null): string {
  return token ? `${EVENTS_PATH}?token=${encodeURIComponent(token)}` : EVENTS_PATH;
}

export function requestHeaders(token: string | null, hasBody: boolean): Record<string, string> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (hasBody) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  return headers;
}

/** The message of an API error: the server's `{error}` when it sent one, else the status. */
export function errorMessage(status: number, statusText: string, body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'error' in parsed && typeof parsed.error === 'string') {
      return parsed.error;
    }
  } catch {
    // Not JSON (a proxy's HTML page, say): fall through to the status line.
  }
  if (status === 401) return 'Not authorised: open the dashboard with the link the server printed (it holds ?token=).';
  return `${status} ${statusText}`.trim();
}

/** Parses one SSE `data:` payload: a JSON array of events. Anything else is a protocol error. */
export function parseEventBatch(data: string): unknown[] {
  const parsed: unknown = JSON.parse(data);
  if (!Array.isArray(parsed)) throw new Error('event batch is not a JSON array');
  return parsed;
}
