// Serves one client connection: parses commands, runs them through a CommandHandler, and writes the
// replies in command order although the handler answers asynchronously and out of order
// (pipelining). Replies that are ready together go out in one socket write.
//
// Backpressure, so that one client can neither grow memory nor starve others: reading pauses while
// too many commands are unanswered, or while the connection is over its reply budget, or while
// the socket's write buffer is full because the client does not read; it resumes when they drain.
//
// The reply budget (maxPendingBytes) counts every reply of the connection not yet taken by the
// kernel: those being computed, those computed and waiting for their turn, and those queued in
// the socket. A reply being computed has no size yet, so it is counted at the size of the recent
// replies (the largest, halving with each smaller one), and at the largest value when nothing is
// known yet. A client pipelining a thousand GETs of a 1 MB value, and never reading, so holds
// about the budget, not a gigabyte. A large value is written by reference (encodeReplyParts): the
// bytes queued are the stored value itself, shared by every reply of it, never a copy per reply.
//
// An idle client (idleTimeoutMs with no byte either way, and no command of its being answered) is
// closed, as Redis's `timeout` does.
//
// The socket must come from a server created with `allowHalfOpen: true`: a client that sends its
// commands and then half-closes (`nc -N`, pipes) still gets every reply before the server closes.
import type { Socket } from 'node:net';
import { commandName } from './command-args';
import {
  ARGUMENT_OVERHEAD_BYTES,
  DEFAULT_RESP_PARSER_LIMITS,
  type RespParseItem,
  RespParser,
  type RespParserLimits,
} from './resp-parser';
import {
  BULK_BY_REFERENCE_MIN_BYTES,
  encodeReply,
  encodeReplyParts,
  type ReplyBytes,
  replyByteLength,
} from './resp-writer';
import type { ClientSession, CommandHandler, RespReply } from './types';

export interface ClientServerOptions {
  readonly parserLimits?: Partial<RespParserLimits>;
  /** Unanswered commands before reading pauses. */
  readonly maxPendingCommands?: number;
  /** The reply budget: bytes of replies being computed, waiting, and queued in the socket before reading pauses. */
  readonly maxPendingBytes?: number;
  /** Bytes in the socket's write buffer (the client is not reading) before reading pauses. */
  readonly maxWriteBufferBytes?: number;
  /** How long a closing connection may linger, unread input discarded, to let the last reply reach the client. */
  readonly closeLingerMs?: number;
  /** Closes a client idle this long (no byte either way, no command being answered); 0: never. */
  readonly idleTimeoutMs?: number;
}

export const DEFAULT_CLIENT_SERVER_OPTIONS: Required<Omit<ClientServerOptions, 'parserLimits'>> = {
  maxPendingCommands: 1024,
  maxPendingBytes: 16 * 1024 * 1024,
  maxWriteBufferBytes: 1024 * 1024,
  closeLingerMs: 2000,
  idleTimeoutMs: 0,
};

/** What a connection holds right now; for tests and diagnostics. */
export interface ClientConnectionStats {
  /** Commands dispatched and not yet answered. */
  readonly inFlight: number;
  /** Reply bytes counted against the budget: being computed (estimated), waiting, and in the socket. */
  readonly queuedReplyBytes: number;
  readonly readingPaused: boolean;
}

export interface ClientConnection {
  /** Destroys the socket at once; unanswered commands are forgotten. */
  destroy(): void;
  readonly closed: boolean;
  stats(): ClientConnectionStats;
}

const VALUE_TOO_LARGE_REPLY = encodeReply({ type: 'error', value: 'ERR value too large' });
const OK_REPLY_BYTES = encodeReply({ type: 'simple', value: 'OK' });

interface ReplySlot {
  /** The encoded reply, or null while the handler is still working. */
  bytes: ReplyBytes | null;
  /** What this slot counts against maxPendingBytes right now. */
  heldBytes: number;
}

function isPromise(value: unknown): value is Promise<RespReply> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function internalError(error: unknown): RespReply {
  const message = error instanceof Error ? error.message : String(error);
  return { type: 'error', value: `ERR internal error: ${message}` };
}

class ClientConnectionSession implements ClientConnection {
  private readonly parser: RespParser;
  private readonly options: Required<Omit<ClientServerOptions, 'parserLimits'>>;
  private readonly slots: ReplySlot[] = [];
  private slotHead = 0;
  private pendingBytes = 0;
  private flushScheduled = false;
  /** Set once no more commands will be read: after QUIT, a protocol error, or the client's EOF. */
  private stopReading: 'quit' | 'protocol-error' | 'eof' | null = null;
  private readingPaused = false;
  private ending = false;
  /** What a reply still being computed is counted at: the recent replies' size (see the top). */
  private replyEstimate: number;
  private inFlight = 0;
  closed = false;
  /** What the handler keeps about this connection between commands. */
  private readonly session: ClientSession = { pendingWrite: null };

  constructor(
    private readonly socket: Socket,
    private readonly handler: CommandHandler,
    options: ClientServerOptions,
  ) {
    this.parser = new RespParser(options.parserLimits);
    this.options = { ...DEFAULT_CLIENT_SERVER_OPTIONS, ...options };
    // Nothing known yet: a reply may be as large as the largest value a client may store.
    this.replyEstimate = options.parserLimits?.maxBulkBytes ?? DEFAULT_RESP_PARSER_LIMITS.maxBulkBytes;
  }

  stats(): ClientConnectionStats {
    return {
      inFlight: this.inFlight,
      queuedReplyBytes: this.closed ? 0 : this.pendingBytes + this.socket.writableLength,
      readingPaused: this.readingPaused,
    };
  }

  start(head: Uint8Array | undefined): void {
    const socket = this.socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('drain', () => this.pump());
    // Errors (resets, writes after the client left) only mean the connection is gone; 'close' follows.
    socket.on('error', () => {});
    socket.on('close', () => this.onClose());
    if (this.options.idleTimeoutMs > 0) {
      socket.setTimeout(this.options.idleTimeoutMs);
      socket.on('timeout', () => this.onIdle());
    }
    if (head !== undefined && head.length > 0) this.onData(head);
  }

  destroy(): void {
    this.socket.destroy();
    this.onClose();
  }

  private get pendingCount(): number {
    return this.slots.length - this.slotHead;
  }

  private onData(chunk: Uint8Array): void {
    if (this.stopReading !== null || this.closed) return;
    this.parser.push(chunk);
    this.pump();
  }

  private onEnd(): void {
    if (this.stopReading === null) this.stopReading = 'eof';
    // An incomplete command at EOF can never complete; answer what was complete, then close.
    this.pump();
  }

  /** No byte either way for idleTimeoutMs. A client waiting for an answer is not idle; its reply re-arms the timer. */
  private onIdle(): void {
    if (this.closed || this.inFlight > 0) return;
    this.socket.destroy();
    this.onClose();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.slots.length = 0;
    this.slotHead = 0;
  }

  private blocked(): boolean {
    const queuedInSocket = this.socket.writableLength;
    return (
      this.pendingCount >= this.options.maxPendingCommands ||
      this.pendingBytes + queuedInSocket >= this.options.maxPendingBytes ||
      queuedInSocket >= this.options.maxWriteBufferBytes
    );
  }

  /** Parses and dispatches as much input as the limits allow, writes what is ready, and pauses or resumes reading. */
  private pump(): void {
    if (this.closed || this.ending) return;
    let inputExhausted = false;
    while (this.stopReading === null || this.stopReading === 'eof') {
      if (this.blocked()) {
        // Synchronous replies may already be waiting at the head: writing them frees room.
        this.flush();
        if (this.blocked()) break;
      }
      const item = this.parser.next();
      if (item === null) {
        inputExhausted = true;
        break;
      }
      this.dispatch(item);
    }
    this.flush();
    const noMoreCommands =
      this.stopReading === 'quit' ||
      this.stopReading === 'protocol-error' ||
      (this.stopReading === 'eof' && inputExhausted);
    if (noMoreCommands && this.pendingCount === 0) this.finish();
    else this.updateReading();
  }

  private updateReading(): void {
    if (this.closed || this.ending) return;
    const shouldPause = this.stopReading !== null || this.blocked();
    if (shouldPause && !this.readingPaused) {
      this.readingPaused = true;
      this.socket.pause();
    } else if (!shouldPause && this.readingPaused) {
      this.readingPaused = false;
      this.socket.resume();
    }
  }

  private dispatch(item: RespParseItem): void {
    switch (item.kind) {
      case 'too-large':
        this.pushReady(item.reason === 'value' ? VALUE_TOO_LARGE_REPLY : tooManyArgumentsReply(item));
        return;
      case 'protocol-error':
        this.pushReady(encodeReply({ type: 'error', value: `ERR Protocol error: ${item.message}` }));
        this.stopReading = 'protocol-error';
        return;
      case 'command':
        if (commandName(item.args) === 'QUIT') {
          this.pushReady(OK_REPLY_BYTES);
          this.stopReading = 'quit';
          return;
        }
        this.execute(item.args, item.bytes);
    }
  }

  private pushReady(bytes: Uint8Array): void {
    this.slots.push({ bytes, heldBytes: bytes.length });
    this.pendingBytes += bytes.length;
  }

  private execute(args: Uint8Array[], commandBytes: number): void {
    let result: Promise<RespReply> | RespReply;
    try {
      result = this.handler.execute(args, this.session);
    } catch (error) {
      result = internalError(error);
    }
    if (!isPromise(result)) {
      this.pushReady(encodeReply(result));
      return;
    }
    const heldBytes = Math.max(commandBytes, this.replyEstimate);
    const slot: ReplySlot = { bytes: null, heldBytes };
    this.slots.push(slot);
    this.pendingBytes += heldBytes;
    this.inFlight++;
    result.then(
      (reply) => this.complete(slot, reply),
      (error: unknown) => this.complete(slot, internalError(error)),
    );
  }

  private complete(slot: ReplySlot, reply: RespReply): void {
    if (this.closed) return;
    this.inFlight--;
    let bytes: ReplyBytes;
    try {
      bytes = encodeReplyParts(reply);
    } catch (error) {
      bytes = encodeReply(internalError(error));
    }
    const length = replyByteLength(bytes);
    this.replyEstimate = Math.max(length, this.replyEstimate / 2);
    this.pendingBytes += length - slot.heldBytes;
    slot.heldBytes = length;
    slot.bytes = bytes;
    // Handlers often finish many commands in one go (one Raft commit): write them together.
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => {
        this.flushScheduled = false;
        this.pump();
      });
    }
  }

  /**
   * Writes the answered prefix of the reply queue in one socket write: small replies copied
   * together into one buffer, a large value passed by reference (corked, so one writev).
   */
  private flush(): void {
    if (this.closed) return;
    const ready: ReplyBytes[] = [];
    let head = this.slotHead;
    let freed = 0;
    for (; head < this.slots.length; head++) {
      const slot = this.slots[head]!;
      if (slot.bytes === null) break;
      ready.push(slot.bytes);
      freed += slot.heldBytes;
    }
    this.slotHead = head;
    this.pendingBytes -= freed;
    if (this.slotHead === this.slots.length) {
      this.slots.length = 0;
      this.slotHead = 0;
    } else if (this.slotHead > 1024 && this.slotHead * 2 > this.slots.length) {
      this.slots.splice(0, this.slotHead);
      this.slotHead = 0;
    }
    if (ready.length === 1 && !Array.isArray(ready[0])) this.socket.write(ready[0] as Uint8Array);
    else if (ready.length > 0) writeParts(this.socket, ready);
  }

  private finish(): void {
    this.ending = true;
    // After the client's EOF our FIN completes the close; after QUIT or an error the client may still be sending.
    if (this.stopReading === 'eof') this.socket.end();
    else this.endAndLinger();
  }

  /**
   * After QUIT or a protocol error: send FIN after the last reply, then keep reading (and discarding)
   * for a while. Closing with unread input would make the kernel send a reset, which can destroy
   * the error reply before the client reads it.
   */
  private endAndLinger(): void {
    const socket = this.socket;
    socket.removeAllListeners('data');
    socket.on('data', () => {});
    socket.on('end', () => socket.destroy());
    socket.end();
    socket.resume();
    const timer = setTimeout(() => socket.destroy(), this.options.closeLingerMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }
}

/** Small parts are gathered into one copy; a large one is written as it is, by reference. */
function writeParts(socket: Socket, replies: readonly ReplyBytes[]): void {
  let small: Uint8Array[] = [];
  const chunks: Uint8Array[] = [];
  const add = (part: Uint8Array) => {
    if (part.length < BULK_BY_REFERENCE_MIN_BYTES) {
      small.push(part);
      return;
    }
    if (small.length > 0) chunks.push(small.length === 1 ? small[0]! : Buffer.concat(small));
    small = [];
    chunks.push(part);
  };
  for (const reply of replies) {
    if (Array.isArray(reply)) for (const part of reply as readonly Uint8Array[]) add(part);
    else add(reply as Uint8Array);
  }
  if (small.length > 0) chunks.push(small.length === 1 ? small[0]! : Buffer.concat(small));
  if (chunks.length === 1) {
    socket.write(chunks[0]!);
    return;
  }
  socket.cork();
  for (const chunk of chunks) socket.write(chunk);
  socket.uncork();
}

function tooManyArgumentsReply(item: { readonly argumentCount: number; readonly limitBytes: number }): Uint8Array {
  return encodeReply({
    type: 'error',
    value:
      `ERR too many arguments: ${item.argumentCount} arguments exceed the ${item.limitBytes} bytes one command may hold ` +
      `(each argument counts its length plus ${ARGUMENT_OVERHEAD_BYTES}); send fewer keys per command`,
  });
}

/**
 * Serves `socket` until it closes. `head` is input already read from it (the node server reads
 * the first bytes to tell clients from peers). Listeners are attached synchronously, so no input
 * is lost when this is called from inside a 'data' handler.
 */
export function serveClient(
  socket: Socket,
  handler: CommandHandler,
  options: ClientServerOptions = {},
  head?: Uint8Array,
): ClientConnection {
  const session = new ClientConnectionSession(socket, handler, options);
  session.start(head);
  return session;
}
