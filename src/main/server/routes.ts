// Matches a request to the operation whose route HTTP_ROUTES gives, so the server and the browser
// transport agree on every path without spelling it twice.
import type { ClusterOperation } from '../../shared/api';
import { CLUSTER_OPERATIONS } from '../../shared/api';
import { EVENTS_PATH, HTTP_ROUTES } from '../../shared/http-routes';

export type RouteMatch =
  | { readonly kind: 'operation'; readonly operation: ClusterOperation; readonly rawId: string | undefined }
  | { readonly kind: 'events' }
  | { readonly kind: 'wrong-method'; readonly allow: readonly string[] }
  | { readonly kind: 'not-found' };

interface CompiledRoute {
  readonly operation: ClusterOperation;
  readonly method: string;
  readonly pattern: RegExp;
}

const COMPILED: readonly CompiledRoute[] = CLUSTER_OPERATIONS.map((operation) => {
  const route = HTTP_ROUTES[operation];
  const source = route.path
    .split('{id}')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('([^/]+)');
  return { operation, method: route.method, pattern: new RegExp(`^${source}/?$`) };
});

/** `pathname` is the raw (still URL-encoded) path, so an encoded `/` in an id cannot split it. */
export function matchRoute(method: string, pathname: string): RouteMatch {
  if (pathname === EVENTS_PATH || pathname === `${EVENTS_PATH}/`) {
    return method === 'GET' ? { kind: 'events' } : { kind: 'wrong-method', allow: ['GET'] };
  }
  const allow: string[] = [];
  for (const route of COMPILED) {
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    if (route.method === method) return { kind: 'operation', operation: route.operation, rawId: match[1] };
    allow.push(route.method);
  }
  return allow.length > 0 ? { kind: 'wrong-method', allow } : { kind: 'not-found' };
}
