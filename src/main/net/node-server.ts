// The one TCP server of a node, on its ip:port. Peers and clients share the port (CONTRACTS.md §3):
// the first byte of a connection decides. A peer's hello starts with NUL, which no RESP array
// ('*') or inline command can start with, so no client input is ever taken for a peer.
//
// Connection hygiene, so that port scans, health checks and crowds cannot wear the node down (at
// the fd limit it would stop serving clients while Raft still sees it healthy, and no failover
// would come):
// - a connection that ends before its first byte is closed at once (it sat in CLOSE-WAIT for
//   ever); of connections that have sent nothing yet, at most maxSilentConnections are kept, the
//   oldest closed first, and with --idle-timeout a silent one is closed as any idle client is.
//   A silent connection is not closed merely for being slow by default: `raftlab client`'s
//   prompt and `nc` connect and then wait for a person to type;
// - over maxClients client connections, a new client gets `-ERR max number of clients reached`
//   and is closed, as Redis does; peers are never counted nor refused, since Raft needs them;
// - TCP keepalive on every connection, so that a peer or client whose machine vanished (power,
//   cable) is noticed and its socket freed within minutes rather than never.
import { createServer, type Server, type Socket } from 'node:net';
import { PEER_FIRST_BYTE } from './peer-handshake';

/** Where the node server hands each new connection, with the bytes already read from it. */
export interface ConnectionRoutes {
  /** Must attach its listeners synchronously (the socket keeps flowing). */
  client(socket: Socket, head: Uint8Array): void;
  /** Same; when absent, peer connections are closed. */
  peer?(socket: Socket, head: Uint8Array): void;
}

export interface NodeServerOptions {
  readonly host: string;
  /** 0 picks a free port; `NodeServer.port` tells which. */
  readonly port: number;
  readonly routes: ConnectionRoutes;
  /** Client connections served at once; more are refused. DEFAULT_CLIENT_LIMITS.maxClients when absent. */
  readonly maxClients?: number;
  /** A connection that sends no byte for this long is closed; 0 (the default): only when crowded out. */
  readonly firstByteTimeoutMs?: number;
  /** Connections yet to send a byte kept at once; a new one beyond closes the oldest. */
  readonly maxSilentConnections?: number;
}

/** What limits the clients of a node: `--max-clients` and `--idle-timeout`. */
export interface ClientLimits {
  readonly maxClients: number;
  /** A client idle this long is closed; 0: never (like Redis's `timeout 0`). */
  readonly idleTimeoutMs: number;
}

export const DEFAULT_CLIENT_LIMITS: ClientLimits = { maxClients: 10_000, idleTimeoutMs: 0 };

/**
 * A peer sends its hello at once, and a program its first command; a crowd of connections that
 * say nothing is a scan or an attack. A person at a prompt is one of few.
 */
export const DEFAULT_MAX_SILENT_CONNECTIONS = 1000;

/** How soon an idle connection gets its first keepalive probe (Linux's own default is two hours). */
export const KEEPALIVE_INITIAL_DELAY_MS = 60_000;

/** Redis's words, so that client libraries that know them report them. */
export const MAX_CLIENTS_REPLY = '-ERR max number of clients reached\r\n';

/** How long a refused client may linger to read its refusal before the socket is destroyed. */
const REFUSAL_LINGER_MS = 2000;

/** The port is taken. The CLI prints the message and exits 1. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`port ${port} is already in use (${host}:${port})`);
  }
}

export class NodeServer {
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly server: Server,
    /** Every accepted connection still open: clients and inbound peers alike. */
    private readonly sockets: ReadonlySet<Socket>,
    private readonly clients: ReadonlySet<Socket>,
    readonly host: string,
    readonly port: number,
  ) {}

  /** Listens on host:port. Rejects with PortInUseError when the port is taken, else with the listen error. */
  static listen(options: NodeServerOptions): Promise<NodeServer> {
    const sockets = new Set<Socket>();
    const clients = new Set<Socket>();
    const admission: Admission = {
      routes: options.routes,
      clients,
      silent: new Set<Socket>(),
      maxClients: options.maxClients ?? DEFAULT_CLIENT_LIMITS.maxClients,
      firstByteTimeoutMs: options.firstByteTimeoutMs ?? 0,
      maxSilentConnections: options.maxSilentConnections ?? DEFAULT_MAX_SILENT_CONNECTIONS,
    };
    // Half-open: a client that sends its commands then shuts its side still gets every reply.
    const server = createServer(
      { allowHalfOpen: true, noDelay: true, keepAlive: true, keepAliveInitialDelay: KEEPALIVE_INITIAL_DELAY_MS },
      (socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
        route(socket, admission);
      },
    );
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        reject(error.code === 'EADDRINUSE' ? new PortInUseError(options.host, options.port) : error);
      };
      server.once('error', onError);
      server.listen({ host: options.host, port: options.port, exclusive: true }, () => {
        server.off('error', onError);
        // After listening, errors concern single connections, which their owners handle.
        server.on('error', () => {});
        const address = server.address();
        const port = typeof address === 'object' && address !== null ? address.port : options.port;
        resolve(new NodeServer(server, sockets, clients, options.host, port));
      });
    });
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  /** Client connections being served (peers and connections yet to send a byte are not clients). */
  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * Stops listening and destroys every connection at once (a crash, as far as peers and clients
   * can tell). Resolves when the port is free to listen on again.
   */
  close(): Promise<void> {
    if (this.closing === null) {
      this.closing = new Promise((resolve) => {
        this.server.close(() => resolve());
        for (const socket of this.sockets) socket.destroy();
      });
    }
    return this.closing;
  }
}

interface Admission {
  readonly routes: ConnectionRoutes;
  /** The client connections open now. */
  readonly clients: Set<Socket>;
  /** Connections that have sent nothing yet, oldest first (a Set keeps insertion order). */
  readonly silent: Set<Socket>;
  readonly maxClients: number;
  readonly firstByteTimeoutMs: number;
  readonly maxSilentConnections: number;
}

function route(socket: Socket, admission: Admission): void {
  const { routes, clients, silent } = admission;
  socket.on('error', () => {});
  // Before the first byte nobody else listens: an 'end' (allowHalfOpen keeps the socket open
  // after it) or a crowd of silent connections would otherwise hold descriptors for ever.
  const close = () => socket.destroy();
  socket.once('end', close);
  if (admission.firstByteTimeoutMs > 0) socket.setTimeout(admission.firstByteTimeoutMs, close);
  if (silent.size >= admission.maxSilentConnections) {
    const oldest = silent.values().next().value;
    oldest?.destroy();
    if (oldest) silent.delete(oldest);
  }
  silent.add(socket);
  const spoke = () => silent.delete(socket);
  socket.once('close', spoke);
  socket.once('data', (chunk: Buffer) => {
    spoke();
    socket.off('close', spoke);
    socket.off('end', close);
    socket.setTimeout(0, close);
    if (chunk[0] === PEER_FIRST_BYTE) {
      if (routes.peer === undefined) socket.destroy();
      else routes.peer(socket, chunk);
      return;
    }
    if (clients.size >= admission.maxClients) {
      refuse(socket, MAX_CLIENTS_REPLY);
      return;
    }
    clients.add(socket);
    socket.once('close', () => clients.delete(socket));
    routes.client(socket, chunk);
  });
}

/**
 * Answers `reply` and closes. Input still arriving is read and dropped meanwhile: closing with
 * unread input makes the kernel send a reset, which can destroy the reply before it is read.
 */
function refuse(socket: Socket, reply: string): void {
  socket.on('data', () => {});
  socket.once('end', () => socket.destroy());
  const timer = setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.end(reply);
}
