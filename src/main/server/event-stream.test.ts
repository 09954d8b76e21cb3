// The event stream's opening: a view that subscribes is first told every node's role as it is now,
// and nothing older ever follows that batch on its stream (events still batched in the hub go to
// the views already open). Against a real EventHub, and against a real cluster on localhost.
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster, waitForLeaders } from '../../../test/integration/support/cluster';
import type { ClusterEvent } from '../../shared/api';
import { type BatchTimers, EventHub } from '../host/event-hub';
import { ControlServer } from './control-server';
import { EventStream } from './event-stream';

/** Batch timers that fire only when told: the hub's pending batch stays pending until then. */
class ManualTimers implements BatchTimers {
  private pending: (() => void) | null = null;
  setTimeout(fn: () => void): unknown {
    this.pending = fn;
    return fn;
  }
  clearTimeout(): void {
    this.pending = null;
  }
  fire(): void {
    const fn = this.pending;
    this.pending = null;
    fn?.();
  }
}

/** One open SSE stream: the batches it has received so far, in order. */
interface Reader {
  readonly batches: ClusterEvent[][];
  close(): void;
}

function read(url: string): Promise<Reader> {
  return new Promise((resolve, reject) => {
    const batches: ClusterEvent[][] = [];
    let text = '';
    const request = get(url, (response: IncomingMessage) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
        let end = text.indexOf('\n\n');
        while (end >= 0) {
          const frame = text.slice(0, end);
          text = text.slice(end + 2);
          for (const line of frame.split('\n')) {
            if (line.startsWith('data: ')) batches.push(JSON.parse(line.slice('data: '.length)) as ClusterEvent[]);
          }
          if (frame.includes(': connected')) resolve({ batches, close: () => request.destroy() });
          end = text.indexOf('\n\n');
        }
      });
    });
    request.on('error', reject);
  });
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const A = '127.0.0.1:5001';
const B = '127.0.0.1:5002';

describe('EventStream: the opening batch', () => {
  let server: Server | undefined;
  const readers: Reader[] = [];

  afterEach(async () => {
    for (const reader of readers) reader.close();
    readers.length = 0;
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  async function serve(stream: EventStream): Promise<string> {
    server = createServer((request, response) => stream.open(request, response));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  it('comes first on a new stream; older batched events go to the streams already open, never after it', async () => {
    const timers = new ManualTimers();
    const hub = new EventHub({ timers });
    const opening: ClusterEvent = { type: 'role', at: 5, node: A, role: 'leader', term: 2, leader: A, initial: true };
    const stream = new EventStream({
      subscribe: (listener) => hub.subscribe(listener),
      opening: () => {
        hub.flushNow();
        return [opening];
      },
    });
    const url = await serve(stream);
    const first = await read(url);
    readers.push(first);
    await until('the first opening batch', () => first.batches.length === 1);

    // B stepped down while its event waits in the hub for the next batch; then a second view opens.
    const older: ClusterEvent = { type: 'role', at: 4, node: B, role: 'follower', term: 2 };
    hub.publish(older);
    const second = await read(url);
    readers.push(second);
    const newer: ClusterEvent = { type: 'commit', at: 6, node: A, index: 3 };
    hub.publish(newer);
    timers.fire();

    await until('both streams to hear the newer event', () =>
      [first, second].every((reader) => reader.batches.flat().some((event) => event.at === newer.at)),
    );
    expect(first.batches).toEqual([[opening], [older], [newer]]);
    expect(second.batches).toEqual([[opening], [newer]]);
  });

  it('sends nothing first when there is no opening batch (a replay with no live nodes)', async () => {
    const hub = new EventHub();
    const url = await serve(new EventStream({ subscribe: (listener) => hub.subscribe(listener) }));
    const reader = await read(url);
    readers.push(reader);
    const event: ClusterEvent = { type: 'commit', at: 1, node: A, index: 1 };
    hub.publish(event);
    await until('the event', () => reader.batches.length === 1);
    expect(reader.batches).toEqual([[event]]);
  });
});

describe('EventStream: a slow client catching up', () => {
  it('gets a fresh opening batch after the events it missed, so the gap cannot mislead it', async () => {
    const timers = new ManualTimers();
    const hub = new EventHub({ timers });
    let openings = 0;
    const stream = new EventStream({
      subscribe: (listener) => hub.subscribe(listener),
      opening: () => {
        hub.flushNow();
        openings++;
        return [{ type: 'role', at: openings, node: A, role: 'leader', term: openings, leader: A, initial: true }];
      },
      maxBufferedBytes: 100,
    });
    // A response whose socket backlog the test sets: above maxBufferedBytes, the client is too slow.
    const written: string[] = [];
    const response = {
      writableLength: 0,
      writeHead: () => response,
      write: (chunk: string) => written.push(chunk) > 0,
      on: () => response,
      end: () => {},
    };
    const request = { socket: { setNoDelay: () => {} } };
    stream.open(request as never, response as never);
    response.writableLength = 1000;
    hub.publish({ type: 'role', at: 10, node: B, role: 'leader', term: 5 });
    timers.fire();
    response.writableLength = 0;
    hub.publish({ type: 'commit', at: 11, node: B, index: 7 });
    timers.fire();
    await Promise.resolve();
    const batches = written
      .filter((chunk) => chunk.startsWith('data: '))
      .map((chunk) => JSON.parse(chunk.slice('data: '.length)) as ClusterEvent[]);
    expect(batches.map((batch) => batch.map((event) => event.at))).toEqual([[1], [11], [2]]);
    expect(batches[2]?.[0]).toMatchObject({ type: 'role', initial: true });
    expect(written.some((chunk) => chunk.startsWith(': dropped 1 events'))).toBe(true);
    expect(stream.droppedEvents).toBe(1);
  });
});

describe('ControlServer on a real cluster: the opening batch', () => {
  let cluster: TestCluster | undefined;
  let server: ControlServer | undefined;
  let reader: Reader | undefined;

  afterEach(async () => {
    reader?.close();
    await server?.stop();
    await cluster?.close();
  });

  it("tells a new view each live node's role, term and leader as the host has them", async () => {
    cluster = await startCluster(1, 3, { inMemory: true });
    const state = await waitForLeaders(cluster.host, 20_000);
    const leader = state.groups[0]!.leader!;
    server = new ControlServer({ api: cluster.host, staticDir: '/nonexistent', port: 0, token: 'opening-token' });
    const base = await server.start();
    reader = await read(`${base}/api/events?token=opening-token`);
    await until('the opening batch', () => (reader?.batches.length ?? 0) >= 1);
    const opening = reader.batches[0]!;
    const now = await cluster.host.state();
    expect(opening.map((event) => event.type === 'role' && event.initial)).toEqual([true, true, true]);
    expect(opening.map((event) => (event.type === 'role' ? event.node : ''))).toEqual(state.partitions[0]);
    const roles = opening.flatMap((event) => (event.type === 'role' ? [[event.node, event.role, event.term]] : []));
    expect(roles).toEqual(now.nodes.map((node) => [node.id, node.role, node.term]));
    for (const event of opening) if (event.type === 'role') expect(event.leader).toBe(leader);
  }, 40_000);
});
