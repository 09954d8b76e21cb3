// Serves the built renderer (out/renderer) to the browser: index.html at `/`, its assets beside it.
// Only regular files under the root are served; a path with `..`, a backslash or a NUL is refused
// before it reaches the file system.
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { HttpError } from './http-error';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
}

export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export interface StaticPath {
  /** The absolute file path, inside `root`. */
  readonly filePath: string;
  /** The decoded request path, for messages. */
  readonly pathname: string;
  /** Whether it is the dashboard's page itself, whose absence means "not built". */
  readonly isIndex: boolean;
}

/**
 * Where a raw (URL-encoded) request path points under `root`, decided without touching the disk;
 * throws HttpError(400) for any path that could leave `root`. `/` is index.html. The HTTP server
 * and the desktop window's app:// protocol both serve files through this one check.
 */
export function resolveStaticPath(root: string, rawPathname: string): StaticPath {
  let pathname: string;
  try {
    pathname = decodeURIComponent(rawPathname);
  } catch {
    throw new HttpError(400, 'the path is not valid URL encoding');
  }
  const segments = pathname.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '..' || segment.includes('\\') || segment.includes('\0'))) {
    throw new HttpError(400, 'the path may not contain "..", backslashes or NUL');
  }
  const rootPath = resolve(root);
  const relative = segments.length === 0 ? 'index.html' : segments.join('/');
  const filePath = resolve(join(rootPath, relative));
  if (filePath !== rootPath && !filePath.startsWith(rootPath + sep)) {
    throw new HttpError(400, 'the path leaves the dashboard folder');
  }
  return { filePath, pathname, isIndex: relative === 'index.html' };
}

/** Reads the file a raw (URL-encoded) request path names under `root`; throws HttpError otherwise. */
export async function readStaticFile(root: string, rawPathname: string): Promise<StaticFile> {
  const { filePath, pathname, isIndex } = resolveStaticPath(root, rawPathname);
  try {
    const info = await stat(filePath);
    if (!info.isFile()) throw new HttpError(404, `no such file: ${pathname}`);
    return { body: await readFile(filePath), contentType: contentTypeOf(filePath) };
  } catch (error) {
    if (error instanceof HttpError) throw error;
    if (isIndex) throw new HttpError(503, 'the dashboard is not built: run npm run build');
    throw new HttpError(404, `no such file: ${pathname}`);
  }
}
