// Talks to the control API the way an outside script does: raw HTTP requests (so paths reach the
// server exactly as written) and a Server-Sent Events reader that keeps each `data:` batch with the
// real time it arrived.
import { get, type IncomingMessage, request } from 'node:http';
import type { ClusterEvent } from '../../../src/shared/api';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly json: unknown;
  readonly text: string;
}

export interface HttpOptions {
  /** Sent as `Authorization: Bearer TOKEN`; null sends none. */
  readonly bearer?: string | null;
  /** Sent as JSON unless `rawBody` is given. */
  readonly body?: unknown;
  readonly rawBody?: string;
  /** Extra request headers, sent as given. */
  readonly headers?: Record<string, string>;
  /**
   * Sent as Content-Type; by default application/json on a POST or with a body, as the server
   * requires. null sends none.
   */
  readonly contentType?: string | null;
}

export function httpCall(base: string, method: string, path: string, options: HttpOptions = {}): Promise<HttpAnswer> {
  const url = new URL(base);
  const headers: Record<string, string> = { ...options.headers };
  if (options.bearer) headers.Authorization = `Bearer ${options.bearer}`;
  const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const contentType =
    options.contentType === undefined
      ? payload !== undefined || method === 'POST'
        ? 'application/json'
        : null
      : options.contentType;
  if (contentType !== null) headers['Content-Type'] = contentType;
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json, text });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export interface EventBatch {
  /** performance.now() when the batch's line was parsed. */
  readonly atMs: number;
  readonly events: readonly ClusterEvent[];
}

export interface SseReader {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly batches: EventBatch[];
  /** Comment lines (`: ...`), e.g. the server's note of events dropped while the client was slow. */
  readonly comments: string[];
  readonly openedAtMs: number;
  /** Stops reading, as a stalled browser tab does; the server's writes then back up. */
  pause(): void;
  close(): void;
}

/** Opens `GET url` as an event stream; resolves once the response headers arrived. */
export function openEventStream(url: string): Promise<SseReader> {
  return new Promise((resolve, reject) => {
    const req = get(url, (res) => {
      const batches: EventBatch[] = [];
      const comments: string[] = [];
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        pending += chunk;
        for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          if (line.startsWith('data: ')) {
            batches.push({ atMs: performance.now(), events: JSON.parse(line.slice(6)) as ClusterEvent[] });
          } else if (line.startsWith(':')) {
            comments.push(line.slice(1).trim());
          }
        }
      });
      res.on('error', () => undefined);
      resolve({
        status: res.statusCode ?? 0,
        contentType: res.headers['content-type'],
        batches,
        comments,
        openedAtMs: performance.now(),
        pause: () => res.pause(),
        close: () => {
          res.destroy();
          req.destroy();
        },
      });
    });
    req.on('error', reject);
  });
}
