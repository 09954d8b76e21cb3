// The one TCP server of a node, on its ip:port. Peers and clients share the port (CONTRACTS.md §3):
// the first byte of a connection decides. A peer's hello starts with NUL, which no RESP array
// ('*') or inline command can start with, so no client input is ever taken for a peer.
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
}

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
    readonly host: string,
    readonly port: number,
  ) {}

  /** Listens on host:port. Rejects with PortInUseError when the port is taken, else with the listen error. */
  static listen(options: NodeServerOptions): Promise<NodeServer> {
    const sockets = new Set<Socket>();
    // Half-open: a client that sends its commands then shuts its side still gets every reply.
    const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      route(socket, options.routes);
    });
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
        resolve(new NodeServer(server, sockets, options.host, port));
      });
    });
  }

  get connectionCount(): number {
    return this.sockets.size;
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

function route(socket: Socket, routes: ConnectionRoutes): void {
  socket.on('error', () => {});
  socket.once('data', (chunk: Buffer) => {
    if (chunk[0] === PEER_FIRST_BYTE) {
      if (routes.peer === undefined) socket.destroy();
      else routes.peer(socket, chunk);
    } else {
      routes.client(socket, chunk);
    }
  });
}
