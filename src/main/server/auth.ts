// The API token: every /api request must carry it, so that another page in the browser or another
// user on the machine cannot drive the cluster. Compared in constant time so its bytes cannot be
// guessed one by one from response times.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function randomToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The token of `Authorization: Bearer TOKEN`, if the request has one. */
export function bearerTokenOf(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] || undefined;
}

/**
 * The token as `Authorization: Bearer TOKEN` or, for EventSource and links, `?token=TOKEN`. Only
 * GET and HEAD may use the query: a token in a URL can leak (history, logs), and with it a page
 * elsewhere could send a form POST, which needs no preflight. A header it cannot set.
 */
export function tokenOf(request: IncomingMessage, query: URLSearchParams): string | undefined {
  return bearerTokenOf(request) ?? query.get('token') ?? undefined;
}

export function tokensEqual(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  // Hashing first gives equal lengths, which timingSafeEqual needs, without leaking the length.
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
