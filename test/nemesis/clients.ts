// The workload: independent clients, each doing one SET, GET or DEL at a time on a few shared keys
// through a random node, over real RESP on TCP, and recording what it saw. Every SET writes a value
// no other SET writes, so a read tells exactly which write it saw.
import { RespClient, RespClientError } from '../../src/main/net/resp-client';
import type { RespReply } from '../../src/main/net/types';
import type { SeededRandom } from '../../src/shared/random';
import type { Op, OpKind } from './history';

export interface WorkloadOptions {
  readonly nodes: readonly string[];
  readonly keys: readonly string[];
  readonly clients: number;
  /** A command with no reply by then has an unknown outcome (a read is dropped). */
  readonly commandTimeoutMs: number;
  readonly random: SeededRandom;
  readonly until: () => boolean;
}

/** Commands never sent (the node's port refused the connection) and why the others were not `ok`. */
export interface WorkloadStats {
  notSent: number;
  readonly errors: Map<string, number>;
}

export class History {
  readonly ops: Op[] = [];
  private nextId = 0;
  add(op: Omit<Op, 'id'>): Op {
    const full = { ...op, id: this.nextId++ } as Op;
    this.ops.push(full);
    return full;
  }
}

export async function runWorkload(options: WorkloadOptions, history: History, stats: WorkloadStats): Promise<void> {
  await Promise.all(
    Array.from({ length: options.clients }, (_, client) =>
      runClient(client, options, options.random.fork(100 + client), history, stats),
    ),
  );
}

async function runClient(
  client: number,
  options: WorkloadOptions,
  random: SeededRandom,
  history: History,
  stats: WorkloadStats,
): Promise<void> {
  const connections = new Map<string, RespClient>();
  let seq = 0;
  try {
    while (!options.until()) {
      const node = options.nodes[random.nextInt(options.nodes.length)]!;
      const key = options.keys[random.nextInt(options.keys.length)]!;
      const roll = random.next();
      const kind: OpKind = roll < 0.45 ? 'get' : roll < 0.85 ? 'set' : 'del';
      const value = kind === 'set' ? `c${client}-${seq++}` : undefined;
      let connection = connections.get(node);
      if (!connection || connection.closed) {
        try {
          connection = await RespClient.connect('127.0.0.1', portOf(node), {
            connectTimeoutMs: 1000,
            commandTimeoutMs: options.commandTimeoutMs,
          });
          connections.set(node, connection);
        } catch {
          // Nothing was sent: not part of the history.
          stats.notSent++;
          await pause(20 + random.nextInt(30));
          continue;
        }
      }
      await runOp(connection, { client, node, key, kind, value }, history, stats);
      // A little think time, so that ten clients contend without starving the nodes of CPU.
      await pause(random.nextInt(10));
    }
  } finally {
    for (const connection of connections.values()) connection.close();
  }
}

interface Call {
  readonly client: number;
  readonly node: string;
  readonly key: string;
  readonly kind: OpKind;
  readonly value: string | undefined;
}

export async function runOp(connection: RespClient, call: Call, history: History, stats: WorkloadStats): Promise<Op> {
  const args = call.kind === 'set' ? ['SET', call.key, call.value!] : [call.kind.toUpperCase(), call.key];
  const base = {
    client: call.client,
    node: call.node,
    key: call.key,
    kind: call.kind,
    ...(call.value !== undefined ? { value: call.value } : {}),
  };
  const invokeMs = performance.now();
  let reply: RespReply;
  try {
    reply = await connection.command(...args);
  } catch (error) {
    const why = error instanceof RespClientError ? `${error.kind}: ${error.message}` : String(error);
    return unknownOutcome(history, stats, base, invokeMs, why);
  }
  const completeMs = performance.now();
  if (reply.type === 'error') return unknownOutcome(history, stats, base, invokeMs, reply.value);
  const result = resultOf(call.kind, reply);
  if (result === undefined)
    return unknownOutcome(history, stats, base, invokeMs, `unexpected reply ${JSON.stringify(reply)}`);
  return history.add({ ...base, invokeMs, completeMs, outcome: 'ok', ...(call.kind === 'set' ? {} : { result }) });
}

function unknownOutcome(
  history: History,
  stats: WorkloadStats,
  base: Omit<Op, 'id' | 'invokeMs' | 'completeMs' | 'outcome'>,
  invokeMs: number,
  why: string,
): Op {
  const label = `${base.kind.toUpperCase()} ${why.split(/[\s:]/)[0]}`;
  stats.errors.set(label, (stats.errors.get(label) ?? 0) + 1);
  return history.add({ ...base, invokeMs, completeMs: null, outcome: 'unknown', error: why });
}

function resultOf(kind: OpKind, reply: RespReply): string | null | number | undefined {
  if (kind === 'set') return reply.type === 'simple' && reply.value === 'OK' ? null : undefined;
  if (kind === 'del') return reply.type === 'integer' ? Number(reply.value) : undefined;
  if (reply.type === 'bulk') return reply.value === null ? null : Buffer.from(reply.value).toString('utf8');
  return undefined;
}

export function portOf(id: string): number {
  return Number(id.slice(id.lastIndexOf(':') + 1));
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
