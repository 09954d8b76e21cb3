// A small promise-based RESP client: one TCP connection, commands pipelined, replies matched to
// commands in order. Used by the kv forwarding layer, the cluster host's `kv` operation, the CLI
// `raftlab client`, tests and the benchmark.
//
// A timeout or a protocol error poisons the connection (a late reply would be matched to the wrong
// command), so it then fails every outstanding command and closes; callers reconnect.
import { connect, type Socket } from 'node:net';
import { RespReplyParser } from './resp-reply-parser';
import { encodeCommand } from './resp-writer';
import type { RespReply } from './types';

export interface RespClientOptions {
  /** Default 5000. */
  readonly connectTimeoutMs?: number;
  /** Per command, from when it is sent; 0 disables. Default 10000. */
  readonly commandTimeoutMs?: number;
}

export type RespClientErrorKind = 'connect-failed' | 'timeout' | 'closed' | 'protocol';

export class RespClientError extends Error {
  override readonly name = 'RespClientError';
  constructor(
    readonly kind: RespClientErrorKind,
    message: string,
  ) {
    super(message);
  }
}

interface Waiter {
  resolve(reply: RespReply): void;
  reject(error: RespClientError): void;
  /** performance.now() after which the reply is late. Non-decreasing along the queue. */
  deadline: number;
}

export class RespClient {
  private readonly parser = new RespReplyParser();
  private readonly waiters: (Waiter | undefined)[] = [];
  private waiterHead = 0;
  private failure: RespClientError | null = null;
  /** One timer, for the oldest outstanding command: deadlines are in queue order. */
  private timer: NodeJS.Timeout | null = null;
  private corked = false;

  private constructor(
    private readonly socket: Socket,
    private readonly commandTimeoutMs: number,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(new RespClientError('closed', `connection error: ${error.message}`)));
    socket.on('close', () => this.fail(new RespClientError('closed', 'connection closed')));
  }

  /** Connects to `host:port`; rejects with a RespClientError of kind 'connect-failed'. */
  static connect(host: string, port: number, options: RespClientOptions = {}): Promise<RespClient> {
    const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    const commandTimeoutMs = options.commandTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new RespClientError('connect-failed', `connect to ${host}:${port} timed out after ${connectTimeoutMs} ms`),
        );
      }, connectTimeoutMs);
      const onError = (error: Error) => {
        clearTimeout(timer);
        reject(new RespClientError('connect-failed', `cannot connect to ${host}:${port}: ${error.message}`));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(new RespClient(socket, commandTimeoutMs));
      });
    });
  }

  /** True once the connection failed or was closed; every later command rejects at once. */
  get closed(): boolean {
    return this.failure !== null;
  }

  /** Sends one command. Error replies (`-ERR ...`) resolve as `{type: 'error'}`; only transport failures reject. */
  command(...args: (string | Uint8Array)[]): Promise<RespReply> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject, deadline: performance.now() + this.commandTimeoutMs });
      // Commands issued in the same tick (a pipeline) leave in one write.
      if (!this.corked) {
        this.corked = true;
        this.socket.cork();
        process.nextTick(() => {
          this.corked = false;
          this.socket.uncork();
        });
      }
      this.socket.write(encodeCommand(args));
      this.armTimer();
    });
  }

  /** Closes the connection at once; outstanding commands reject with kind 'closed'. */
  close(): void {
    this.fail(new RespClientError('closed', 'client closed'));
  }

  private onData(chunk: Uint8Array): void {
    this.parser.push(chunk);
    for (;;) {
      let reply: RespReply | null;
      try {
        reply = this.parser.next();
      } catch (error) {
        this.fail(new RespClientError('protocol', error instanceof Error ? error.message : String(error)));
        return;
      }
      if (reply === null) return;
      const waiter = this.waiters[this.waiterHead];
      if (waiter === undefined) {
        this.fail(new RespClientError('protocol', 'reply without a command'));
        return;
      }
      this.waiters[this.waiterHead] = undefined;
      this.waiterHead++;
      if (this.waiterHead === this.waiters.length) {
        this.waiters.length = 0;
        this.waiterHead = 0;
      }
      waiter.resolve(reply);
    }
  }

  private armTimer(): void {
    if (this.timer !== null || this.commandTimeoutMs <= 0) return;
    const head = this.waiters[this.waiterHead];
    if (head === undefined) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        const oldest = this.waiters[this.waiterHead];
        if (oldest !== undefined && performance.now() >= oldest.deadline) {
          this.fail(new RespClientError('timeout', `no reply within ${this.commandTimeoutMs} ms`));
        } else {
          this.armTimer();
        }
      },
      Math.max(0, head.deadline - performance.now()) + 1,
    );
    // The socket keeps the process alive while a command is outstanding; the timer need not.
    this.timer.unref();
  }

  private fail(error: RespClientError): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.socket.destroy();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (let i = this.waiterHead; i < this.waiters.length; i++) this.waiters[i]?.reject(error);
    this.waiters.length = 0;
    this.waiterHead = 0;
  }
}
