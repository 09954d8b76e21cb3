// What a subscribed view costs: write throughput of `raftlab cluster --serve` with and without an
// SSE client on /api/events. Rounds alternate (without, with, without, with...) so that drift in
// the machine's load hits both sides alike; each side reports its median round.
import { get, type IncomingMessage } from 'node:http';
import { ClusterProcess, portOf } from './cluster-process';
import { median } from './latency-recorder';
import { runLoad } from './load-client';

export interface EventStreamCostResult {
  readonly rounds: number;
  readonly opsPerSecWithout: number;
  readonly opsPerSecWith: number;
  /** 1 - with/without, as a percentage; negative when the difference is noise. */
  readonly costPercent: number;
  /** What the view received while subscribed. */
  readonly eventsPerSec: number;
  readonly bytesPerSec: number;
}

export interface EventStreamCostOptions {
  readonly dataDir: string;
  readonly rounds: number;
  readonly roundMs: number;
  readonly warmupMs: number;
  readonly connections: number;
  readonly keySpace: number;
  readonly valueBytes: number;
  readonly nodeFlags?: readonly string[];
}

/** An EventSource stand-in: counts the events in each `data:` line (a JSON array) and the bytes. */
class EventCounter {
  events = 0;
  bytes = 0;
  private partial = '';

  constructor(private readonly response: IncomingMessage) {
    response.setEncoding('utf8');
    response.on('data', (text: string) => this.take(text));
  }

  close(): void {
    this.response.destroy();
  }

  private take(text: string): void {
    this.bytes += Buffer.byteLength(text);
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('data: ')) this.events += (JSON.parse(line.slice(6)) as unknown[]).length;
    }
  }
}

function subscribe(port: number, token: string): Promise<EventCounter> {
  return new Promise((resolve, reject) => {
    const request = get(`http://127.0.0.1:${port}/api/events?token=${encodeURIComponent(token)}`, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`/api/events answered ${response.statusCode}`));
        return;
      }
      resolve(new EventCounter(response));
    });
    request.on('error', reject);
  });
}

export async function measureEventStreamCost(options: EventStreamCostOptions): Promise<EventStreamCostResult> {
  const cluster = await ClusterProcess.start({
    groups: 1,
    groupSize: 3,
    dataDir: options.dataDir,
    serve: true,
    ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}),
  });
  try {
    const dashboard = cluster.dashboard!;
    const without: number[] = [];
    const withView: number[] = [];
    let events = 0;
    let bytes = 0;
    let subscribedSeconds = 0;
    for (let round = 0; round < options.rounds * 2; round++) {
      const subscribed = round % 2 === 1;
      const [leader] = await cluster.waitForLeaders(10_000);
      const counter = subscribed ? await subscribe(dashboard.port, dashboard.token) : null;
      const load = await runLoad({
        op: 'SET',
        targets: [{ host: '127.0.0.1', port: portOf(leader!) }],
        connections: options.connections,
        pipeline: 1,
        keySpace: options.keySpace,
        valueBytes: options.valueBytes,
        durationMs: options.roundMs,
        warmupMs: options.warmupMs,
      });
      if (counter !== null) {
        events += counter.events;
        bytes += counter.bytes;
        subscribedSeconds += load.seconds + options.warmupMs / 1000;
        counter.close();
        withView.push(load.opsPerSec);
      } else {
        without.push(load.opsPerSec);
      }
    }
    const opsPerSecWithout = median(without);
    const opsPerSecWith = median(withView);
    return {
      rounds: options.rounds,
      opsPerSecWithout,
      opsPerSecWith,
      costPercent: (1 - opsPerSecWith / opsPerSecWithout) * 100,
      eventsPerSec: events / subscribedSeconds,
      bytesPerSec: bytes / subscribedSeconds,
    };
  } finally {
    await cluster.stop();
  }
}
