// The HTTP control API of `raftlab cluster --serve` (CONTRACTS.md §4): one route per ClusterApi
// operation as HTTP_ROUTES spells it, Server-Sent Events, and the built dashboard. It only
// translates; every decision about the cluster is the ClusterApi's. No request, however bad, can
// crash the process: every failure becomes a JSON `{error}` answer.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, isIP } from 'node:net';
import { ApiError, type ClusterBridge, type ClusterOperation } from '../../shared/api';
import { PortInUseError } from '../net/node-server';
import { bearerTokenOf, randomToken, tokenOf, tokensEqual } from './auth';
import { EventStream } from './event-stream';
import { isGroupRoute, serveGroupRoute } from './group-routes';
import { allowHostProblem, hostRefusal } from './host-check';
import { HttpError } from './http-error';
import { BODY_LIMIT_BYTES, isJsonContentType, readJsonBody } from './json-body';
import { checkOperationArgs } from './operation-args';
import { matchRoute } from './routes';
import { readStaticFile } from './static-files';

/** The same error a node's port reports: one type for "this port is taken" across the app. */
export { PortInUseError };

export interface ControlServerOptions {
  readonly api: ClusterBridge;
  /** The built renderer, e.g. `out/renderer`. */
  readonly staticDir: string;
  /** Default 127.0.0.1: the control API is for this machine unless asked otherwise. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** From `--token-file`, `--token` or RAFTLAB_TOKEN; a random one when absent. */
  readonly token?: string;
  /** Host names besides `localhost` that requests may name (`--allow-host`); IP literals always pass. */
  readonly allowedHosts?: readonly string[];
  /** Event streams open at once (default 32); one more gets a 503. */
  readonly maxEventClients?: number;
  readonly bodyLimitBytes?: number;
  readonly ssePingIntervalMs?: number;
  readonly sseMaxBufferedBytes?: number;
  /** Told how many events a slow SSE client missed (e.g. `EventHub.countDropped`). */
  readonly onEventsDropped?: (events: number) => void;
  /** Where unexpected failures (answered with a 500) are reported; console.error by default. */
  readonly onInternalError?: (error: unknown) => void;
}

/** Scripts and styles only from this origin; the page may only talk back to this server. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export class ControlServer {
  readonly token: string;
  private readonly options: ControlServerOptions;
  private readonly host: string;
  /** Names a request's Host may give besides localhost: --allow-host's, and the name served on. */
  readonly allowedHostNames: readonly string[];
  private readonly server: Server;
  private readonly events: EventStream;
  private boundPort: number | undefined;

  constructor(options: ControlServerOptions) {
    if (options.token !== undefined && options.token.trim() === '') {
      throw new Error('the API token must not be empty');
    }
    for (const name of options.allowedHosts ?? []) {
      const problem = allowHostProblem(name);
      if (problem !== undefined) throw new Error(`allowed host: ${problem}`);
    }
    this.options = options;
    this.token = options.token ?? randomToken();
    this.host = options.host ?? '127.0.0.1';
    // Serving on a name means the printed link holds it, so that name must work.
    this.allowedHostNames = [...(options.allowedHosts ?? []), ...(isIP(this.host) === 0 ? [this.host] : [])];
    this.events = new EventStream({
      subscribe: (listener) => options.api.onEvents(listener),
      opening: () => options.api.openingEvents?.() ?? [],
      ...(options.ssePingIntervalMs !== undefined && { pingIntervalMs: options.ssePingIntervalMs }),
      ...(options.sseMaxBufferedBytes !== undefined && { maxBufferedBytes: options.sseMaxBufferedBytes }),
      ...(options.onEventsDropped !== undefined && { onDropped: options.onEventsDropped }),
      ...(options.maxEventClients !== undefined && { maxClients: options.maxEventClients }),
    });
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => this.fail(response, error));
    });
    this.server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  /** Listens and resolves to the base URL with the real port, e.g. `http://127.0.0.1:43121`. */
  start(): Promise<string> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        this.server.off('listening', onListening);
        if (error.code === 'EADDRINUSE') reject(new PortInUseError(this.host, this.options.port));
        else reject(new Error(`cannot listen on ${this.host}:${this.options.port}: ${error.message}`));
      };
      const onListening = (): void => {
        this.server.off('error', onError);
        this.boundPort = (this.server.address() as AddressInfo).port;
        resolve(this.url);
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      this.server.listen(this.options.port, this.host);
    });
  }

  get port(): number {
    if (this.boundPort === undefined) throw new Error('the control server has not started');
    return this.boundPort;
  }

  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}`;
  }

  /** The one link a person opens: the dashboard, holding the token it will use for the API. */
  dashboardUrl(token: string = this.token): string {
    return `${this.url}/?token=${encodeURIComponent(token)}`;
  }

  get eventClients(): number {
    return this.events.clientCount;
  }

  /** Events not sent to a slow SSE client. */
  get droppedEvents(): number {
    return this.events.droppedEvents;
  }

  stop(): Promise<void> {
    this.events.closeAll();
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.setHeader('X-Content-Type-Options', 'nosniff');
    // The page's URL holds the token; never send it on to anyone in a Referer.
    response.setHeader('Referrer-Policy', 'no-referrer');
    const rawUrl = request.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const pathname = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
    const query = new URLSearchParams(queryAt < 0 ? '' : rawUrl.slice(queryAt + 1));
    const method = request.method ?? 'GET';
    // Before anything else, the page included: a rebound name must not even read the dashboard.
    const foreignHost = hostRefusal(request.headers.host, this.allowedHostNames);
    if (foreignHost !== undefined) throw new HttpError(421, foreignHost);

    if (pathname === '/api' || pathname.startsWith('/api/')) {
      response.setHeader('Cache-Control', 'no-store');
      this.authenticate(request, response, method, query);
      if (method === 'POST' && !isJsonContentType(request.headers['content-type'])) {
        throw new HttpError(
          415,
          'a POST must have Content-Type: application/json (an empty body is fine), ' +
            `not ${request.headers['content-type']?.slice(0, 100) ?? 'none'}`,
        );
      }
      await this.handleApi(request, response, method, pathname);
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      throw new HttpError(405, `method ${method} is not allowed on ${pathname}`);
    }
    const file = await readStaticFile(this.options.staticDir, pathname);
    response.writeHead(200, {
      'Content-Type': file.contentType,
      'Content-Length': file.body.length,
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'Cache-Control': 'no-cache',
    });
    response.end(file.body);
  }

  /** Throws a 401 unless the request carries the token where its method may carry it. */
  private authenticate(
    request: IncomingMessage,
    response: ServerResponse,
    method: string,
    query: URLSearchParams,
  ): void {
    const readOnly = method === 'GET' || method === 'HEAD';
    let refusal: string;
    if (!readOnly && query.has('token')) {
      refusal = 'on a POST the token goes only in the Authorization: Bearer header, never in the URL';
    } else {
      const given = readOnly ? tokenOf(request, query) : bearerTokenOf(request);
      if (tokensEqual(given, this.token)) return;
      refusal = given === undefined ? 'missing API token' : 'wrong API token';
    }
    response.setHeader('WWW-Authenticate', 'Bearer');
    throw new HttpError(401, refusal);
  }

  private async handleApi(
    request: IncomingMessage,
    response: ServerResponse,
    method: string,
    pathname: string,
  ): Promise<void> {
    if (isGroupRoute(pathname)) {
      const limit = this.options.bodyLimitBytes ?? BODY_LIMIT_BYTES;
      await serveGroupRoute(this.options.api, method, pathname, () => readJsonBody(request, limit), response);
      return;
    }
    const route = matchRoute(method, pathname);
    if (route.kind === 'not-found') throw new HttpError(404, `no such API route: ${method} ${pathname}`);
    if (route.kind === 'wrong-method') {
      response.setHeader('Allow', route.allow.join(', '));
      throw new HttpError(405, `method ${method} is not allowed on ${pathname} (use ${route.allow.join(' or ')})`);
    }
    if (route.kind === 'events') {
      if (!this.events.hasRoom) {
        response.setHeader('Retry-After', '5');
        throw new HttpError(
          503,
          `too many event streams open (${this.events.maxClients}); close another dashboard tab and retry`,
        );
      }
      this.events.open(request, response);
      return;
    }
    const body =
      method === 'POST' ? await readJsonBody(request, this.options.bodyLimitBytes ?? BODY_LIMIT_BYTES) : undefined;
    const args = checkOperationArgs(route.operation, rawArgs(route.operation, route.rawId, body));
    const operation = this.options.api[route.operation] as (...args: readonly unknown[]) => Promise<unknown>;
    const result = await operation.apply(this.options.api, args);
    if (route.operation === 'recording' && typeof result === 'string') {
      // The recording is a file (JSON lines), served as one so that a link downloads it as is.
      sendRecording(response, result);
      return;
    }
    sendJson(response, 200, result === undefined ? { ok: true } : result);
  }

  private fail(response: ServerResponse, error: unknown): void {
    const status = statusOf(error);
    if (status === 500) {
      const report = this.options.onInternalError ?? ((e) => console.error('raftlab: control API request failed:', e));
      report(error);
    }
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    // A refused upload may still be arriving; closing is cheaper than reading it all.
    if (status === 413) response.setHeader('Connection', 'close');
    sendJson(response, status, { error: message });
  }
}

/** The operation's arguments as they arrived, before their shapes are checked. */
function sendRecording(response: ServerResponse, text: string): void {
  const body = Buffer.from(text, 'utf8');
  response.writeHead(200, {
    'Content-Type': 'application/x-ndjson; charset=utf-8',
    'Content-Length': body.length,
    'Content-Disposition': 'attachment; filename="raftlab-recording.jsonl"',
  });
  response.end(body);
}

function rawArgs(operation: ClusterOperation, rawId: string | undefined, body: unknown): unknown[] {
  // The one route with both a path id (the group) and a body.
  if (operation === 'changeMembers') return [rawId, body];
  if (rawId !== undefined) {
    try {
      return [decodeURIComponent(rawId)];
    } catch {
      throw new HttpError(400, `the node id in the path is not valid URL encoding: ${rawId}`);
    }
  }
  switch (operation) {
    case 'state':
    case 'heal':
      return [];
    case 'partition':
      return [fieldOf(body, 'sides', '{"sides": [["127.0.0.1:5001"], ["127.0.0.1:5002"]]}')];
    case 'reconfigure':
      return [fieldOf(body, 'partitions', `{"partitions": "[['127.0.0.1:5001']]"}`)];
    case 'step':
      return [fieldOf(body ?? {}, 'messages', '{"messages": 1}') ?? 1];
    default:
      return [body];
  }
}

function fieldOf(body: unknown, field: string, example: string): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, `the request body must be a JSON object like ${example}`);
  }
  const unknownField = Object.keys(body).find((key) => key !== field);
  if (unknownField !== undefined) throw new HttpError(400, `unknown field '${unknownField}' (expected '${field}')`);
  return (body as Record<string, unknown>)[field];
}

function statusOf(error: unknown): number {
  if (error instanceof HttpError || error instanceof ApiError) return error.status;
  // An ApiError from another copy of the shared module still carries its status.
  if (error instanceof Error && error.name === 'ApiError') {
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) return status;
  }
  return 500;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}
