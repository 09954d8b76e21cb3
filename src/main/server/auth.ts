// The API token: every /api request must carry it, so that another page in the browser or another
// user on the machine cannot drive the cluster. Compared in constant time so its bytes cannot be
// guessed one by one from response times.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function randomToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The token as `Authorization: Bearer TOKEN` or, for EventSource and links, `?token=TOKEN`. */
export function tokenOf(request: IncomingMessage, query: URLSearchParams): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match?.[1]) return match[1];
  }
  return query.get('token') ?? undefined;
}

export function tokensEqual(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  // Hashing first gives equal lengths, which timingSafeEqual needs, without leaking the length.
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
