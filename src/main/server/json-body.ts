// Reads a request body as JSON with a size limit, so no client can make the server buffer without
// bound. Oversized bodies get a 413, malformed ones a 400 that quotes the parser.
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error';

export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Whether a Content-Type header says JSON. A page elsewhere can POST text/plain, form data or
 * multipart without a CORS preflight; application/json it cannot, so requiring it on every POST
 * (an empty body included) keeps cross-site requests out even if a token leaked.
 */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const mediaType = header.split(';', 1)[0]!.trim().toLowerCase();
  return mediaType === 'application/json';
}

/** Resolves to the parsed body, or `undefined` for an empty one. */
export function readJsonBody(request: IncomingMessage, limitBytes = BODY_LIMIT_BYTES): Promise<unknown> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    return Promise.reject(tooLarge(limitBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    request.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limitBytes) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    });
    request.on('error', (error) => {
      if (!failed) reject(new HttpError(400, `could not read the request body: ${error.message}`));
      failed = true;
    });
    request.on('end', () => {
      if (failed) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') {
        resolve(undefined);
        return;
      }
      try {
        resolve(JSON.parse(text));
      } catch (error) {
        reject(new HttpError(400, `the request body is not valid JSON: ${(error as Error).message}`));
      }
    });
  });
}

function tooLarge(limitBytes: number): HttpError {
  return new HttpError(413, `the request body is larger than ${limitBytes} bytes`);
}
