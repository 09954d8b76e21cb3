// The desktop window's page comes from `app://raftlab/`, a custom protocol served from the built
// renderer (out/renderer), not from file://. A file:// page would share its origin with every file
// on the disk and, in Electron, gets privileges a web page never has (Electron's security checklist,
// "Avoid usage of the file:// protocol"). Here the page has one origin of its own, only the
// renderer's files exist under it, and every answer carries the Content-Security-Policy.
// Pure of Electron: the handler takes a Request and gives a Response, so it is tested in Node.
import { readFile, stat } from 'node:fs/promises';
import { CONTENT_SECURITY_POLICY } from './server/control-server';
import { HttpError } from './server/http-error';
import { contentTypeOf, resolveStaticPath } from './server/static-files';

export const APP_SCHEME = 'app';
export const APP_HOST = 'raftlab';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** What the window loads. */
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * For protocol.registerSchemesAsPrivileged, before the app is ready. `standard` gives the scheme
 * real origins and relative URLs (the bundle's `./assets/...`); `secure` makes it a secure context
 * like https; `supportFetchAPI` lets the page's module scripts load. Nothing else: no CORS to other
 * origins, no service workers, no CSP bypass.
 */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true },
} as const;

/** The parts of a protocol request the handler reads. */
export interface AppRequest {
  readonly url: string;
  readonly method: string;
}

/** The handler for protocol.handle(APP_SCHEME, ...): files under `rendererDir`, nothing else. */
export function createAppProtocolHandler(rendererDir: string): (request: AppRequest) => Promise<Response> {
  return async (request) => {
    try {
      return await serveAppRequest(rendererDir, request);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      return new Response(JSON.stringify({ error: message }), {
        status,
        headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
      });
    }
  };
}

async function serveAppRequest(rendererDir: string, request: AppRequest): Promise<Response> {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new HttpError(400, `not a URL: ${request.url}`);
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host.toLowerCase() !== APP_HOST) {
    throw new HttpError(404, `nothing is served at ${url.protocol}//${url.host}`);
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    throw new HttpError(405, `method ${request.method} is not allowed`);
  }
  const { filePath, pathname } = resolveStaticPath(rendererDir, url.pathname);
  const info = await stat(filePath).catch(() => null);
  if (info === null || !info.isFile()) throw new HttpError(404, `no such file: ${pathname}`);
  const body = request.method === 'HEAD' ? null : new Uint8Array(await readFile(filePath));
  return new Response(body, {
    status: 200,
    headers: {
      'Content-Type': contentTypeOf(filePath),
      'Content-Length': String(info.size),
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
    },
  });
}
