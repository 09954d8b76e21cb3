// The one load generator of the benchmark, run unchanged against our nodes and against redis-server.
//
// Closed loop: each connection keeps `pipeline` commands in flight (1 = wait for each reply, 16 =
// a sliding window of 16) and sends a new one as each reply arrives. Replies that arrive together
// are answered by one socket write. Commands are encoded once before the run and replies are
// counted, not decoded (reply-counter.ts), so that the client stays cheap next to the server.
//
// Latency is from the write that carried a command to the chunk that completed its reply. Keys are
// drawn uniformly from `keySpace` keys; values are `valueBytes` bytes.
import { connect, type Socket } from 'node:net';
import { LatencyRecorder, quantile } from './latency-recorder';
import { ReplyCounter } from './reply-counter';

export interface LoadTarget {
  readonly host: string;
  readonly port: number;
}

export type LoadOp = 'SET' | 'GET';

export interface LoadSpec {
  readonly op: LoadOp;
  /** Connections are spread over the targets round-robin. */
  readonly targets: readonly LoadTarget[];
  readonly connections: number;
  /** Commands in flight per connection. */
  readonly pipeline: number;
  readonly keySpace: number;
  readonly valueBytes: number;
  /** Timed run: measure for this long after `warmupMs`. */
  readonly durationMs?: number;
  readonly warmupMs?: number;
  /** Counted run instead: stop after this many replies (keys then go in order, each key once per round). */
  readonly totalOps?: number;
  /** Gives up on replies still missing this long after a timed run ended. Default 10 s. */
  readonly drainTimeoutMs?: number;
  /** Gives up on a counted run after this long. Default 120 s. */
  readonly timeoutMs?: number;
  readonly keyPrefix?: string;
}

export interface LoadResult {
  readonly op: LoadOp;
  readonly connections: number;
  readonly pipeline: number;
  /** Successful replies in the measured period. */
  readonly ops: number;
  readonly errors: number;
  readonly firstError: string | null;
  readonly seconds: number;
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Set when the run ended early: a connection failed, or replies never came. */
  readonly aborted: string | null;
}

/** Encodes `*n $len arg ...` for each key once; the run then only copies buffers. */
function encodeCommands(spec: LoadSpec): Buffer[] {
  const value = Buffer.alloc(spec.valueBytes, 0x78);
  const prefix = spec.keyPrefix ?? 'key:';
  const width = String(spec.keySpace - 1).length;
  const commands: Buffer[] = new Array(spec.keySpace);
  for (let i = 0; i < spec.keySpace; i++) {
    const key = Buffer.from(prefix + String(i).padStart(width, '0'), 'latin1');
    const head =
      spec.op === 'SET'
        ? `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key.toString('latin1')}\r\n$${value.length}\r\n`
        : `*2\r\n$3\r\nGET\r\n$${key.length}\r\n${key.toString('latin1')}\r\n`;
    commands[i] =
      spec.op === 'SET'
        ? Buffer.concat([Buffer.from(head, 'latin1'), value, Buffer.from('\r\n', 'latin1')])
        : Buffer.from(head, 'latin1');
  }
  return commands;
}

function openSocket(target: LoadTarget): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port });
    socket.setNoDelay(true);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** xorshift32: cheap, and the key sequence does not matter beyond being spread. */
function keyPicker(keySpace: number, counted: boolean): () => number {
  if (counted) {
    let next = 0;
    return () => {
      const key = next;
      next = next + 1 === keySpace ? 0 : next + 1;
      return key;
    };
  }
  let state = 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % keySpace;
  };
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  if (spec.connections < 1 || spec.pipeline < 1 || spec.keySpace < 1 || spec.targets.length === 0) {
    throw new RangeError('load: connections, pipeline, keySpace and targets must be positive');
  }
  const counted = spec.totalOps !== undefined;
  if (!counted && spec.durationMs === undefined) throw new RangeError('load: give durationMs or totalOps');
  const commands = encodeCommands(spec);
  const pickKey = keyPicker(spec.keySpace, counted);
  const recorder = new LatencyRecorder();
  const sockets = await Promise.all(
    Array.from({ length: spec.connections }, (_, i) => openSocket(spec.targets[i % spec.targets.length]!)),
  );

  let measuring = counted;
  let issuing = true;
  let issued = 0;
  let ops = 0;
  let errors = 0;
  let firstError: string | null = null;
  let aborted: string | null = null;
  let outstanding = 0;
  let measureStart = performance.now();
  let measureEnd = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });

  const maySend = (): boolean => issuing && (!counted || issued < spec.totalOps!);
  const checkDone = (): void => {
    if (outstanding === 0 && !maySend()) finish();
  };

  const connections = sockets.map((socket) => {
    const counter = new ReplyCounter();
    const sentAt = new Float64Array(spec.pipeline);
    let head = 0;
    let inFlight = 0;
    const send = (count: number): void => {
      const batch: Buffer[] = [];
      const now = performance.now();
      for (let i = 0; i < count && maySend(); i++) {
        batch.push(commands[pickKey()]!);
        sentAt[(head + inFlight) % spec.pipeline] = now;
        inFlight++;
        outstanding++;
        issued++;
      }
      if (batch.length === 1) socket.write(batch[0]!);
      else if (batch.length > 1) socket.write(Buffer.concat(batch));
    };
    socket.on('data', (chunk: Buffer) => {
      const counts = counter.push(chunk);
      if (counter.protocolError !== null) {
        aborted ??= `protocol error: ${counter.protocolError}`;
        socket.destroy();
        return;
      }
      const now = performance.now();
      for (let i = 0; i < counts.replies; i++) {
        const latency = now - sentAt[head]!;
        head = (head + 1) % spec.pipeline;
        inFlight--;
        outstanding--;
        if (measuring) recorder.record(latency);
      }
      if (measuring) {
        ops += counts.replies - counts.errors;
        errors += counts.errors;
        if (firstError === null) firstError = counts.firstError;
      }
      send(counts.replies);
      checkDone();
    });
    const lost = (why: string) => {
      if (inFlight > 0 || maySend()) aborted ??= why;
      outstanding -= inFlight;
      inFlight = 0;
      checkDone();
    };
    socket.on('error', (error) => lost(`connection error: ${error.message}`));
    socket.on('close', () => lost('connection closed by the server'));
    return { socket, start: () => send(spec.pipeline) };
  });

  for (const connection of connections) connection.start();
  if (!counted) {
    await delay(spec.warmupMs ?? 0);
    recorder.reset();
    ops = 0;
    errors = 0;
    firstError = null;
    measuring = true;
    measureStart = performance.now();
    await delay(spec.durationMs!);
    measureEnd = performance.now();
    measuring = false;
    issuing = false;
    checkDone();
  }
  const giveUpMs = counted ? (spec.timeoutMs ?? 120_000) : (spec.drainTimeoutMs ?? 10_000);
  const drainTimer = setTimeout(() => {
    aborted ??= `${outstanding} replies still missing after ${giveUpMs} ms`;
    finish();
  }, giveUpMs);
  await finished;
  clearTimeout(drainTimer);
  if (counted) measureEnd = performance.now();
  for (const { socket } of connections) socket.destroy();

  const seconds = (measureEnd - measureStart) / 1000;
  const sorted = recorder.sorted();
  return {
    op: spec.op,
    connections: spec.connections,
    pipeline: spec.pipeline,
    ops,
    errors,
    firstError,
    seconds,
    opsPerSec: seconds > 0 ? ops / seconds : 0,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    aborted,
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
