// The process mode: six `raftlab node` processes, as a user starts the seed's nodes, each on its
// own data folder. Faults are what signals can do: SIGKILL and a restart on the same folder, and
// SIGSTOP/SIGCONT for a pause. Cutting links, latency and loss act inside a host's peer transport,
// which only the cluster host's control API reaches; a `raftlab node` has no such API, so this
// mode cannot apply those faults and the report says they were skipped.
import { RespClient } from '../../src/main/net/resp-client';
import { type ChildExit, RaftlabChild } from './child';
import type { ClusterTarget, Crash, FaultKind } from './target';

const START_TIMEOUT_MS = 60_000;
const INFO_TIMEOUT_MS = 1000;

export class ProcessTarget implements ClusterTarget {
  readonly mode = 'processes' as const;
  readonly faults: readonly FaultKind[] = ['kill-leader', 'kill-two-of-group', 'pause'];
  private readonly children = new Map<string, RaftlabChild>();
  private readonly paused = new Set<string>();
  private readonly crashList: Crash[] = [];
  private stopping = false;

  constructor(
    readonly partitions: readonly (readonly string[])[],
    /** Options every node gets: `--data-dir DIR` or `--in-memory`, `--request-timeout MS`. */
    private readonly nodeOptions: readonly string[],
    private readonly startedAt: number,
  ) {}

  async start(): Promise<void> {
    await Promise.all(this.partitions.flat().map((id) => this.startNode(id)));
  }

  crashes(): readonly Crash[] {
    return this.crashList;
  }

  async leaders(): Promise<(string | null)[]> {
    const infos = await Promise.all(
      [...this.children.keys()].filter((id) => !this.paused.has(id)).map((id) => info(id)),
    );
    return this.partitions.map((members) => {
      let best: { id: string; term: number } | null = null;
      for (const entry of infos) {
        if (entry === null || !members.includes(entry.id) || entry.role !== 'leader') continue;
        if (best === null || entry.term > best.term) best = entry;
      }
      return best?.id ?? null;
    });
  }

  async kill(id: string): Promise<void> {
    const child = this.children.get(id);
    if (!child) throw new Error(`${id} is not running`);
    this.children.delete(id);
    this.paused.delete(id);
    await child.kill();
  }

  async partition(): Promise<void> {
    throw new Error('a raftlab node process has no control API to cut links');
  }

  async cutOneWay(): Promise<void> {
    throw new Error('a raftlab node process has no control API to cut links');
  }

  async setNetwork(): Promise<void> {
    throw new Error('a raftlab node process has no control API for latency or loss');
  }

  async pause(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const child = this.children.get(id);
      if (!child) continue;
      child.signal('SIGSTOP');
      this.paused.add(id);
    }
  }

  async healAll(): Promise<void> {
    for (const id of this.paused) this.children.get(id)?.signal('SIGCONT');
    this.paused.clear();
    const dead = this.partitions.flat().filter((id) => !this.children.get(id)?.running);
    await Promise.all(dead.map((id) => this.startNode(id)));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.children.values()].map((child) => child.stop()));
  }

  private async startNode(id: string): Promise<void> {
    const [host, port] = [id.slice(0, id.lastIndexOf(':')), id.slice(id.lastIndexOf(':') + 1)];
    const child = new RaftlabChild(`raftlab node ${id}`, [
      'node',
      host,
      port,
      JSON.stringify(this.partitions),
      ...this.nodeOptions,
    ]);
    this.children.set(id, child);
    child.exited.then((exit) => this.onExit(id, child, exit));
    await child.waitForLine(/serving RESP on/, START_TIMEOUT_MS);
  }

  private onExit(id: string, child: RaftlabChild, exit: ChildExit): void {
    if (this.children.get(id) === child) this.children.delete(id);
    if (exit.expected || this.stopping) return;
    this.crashList.push({ ...exit, atMs: performance.now() - this.startedAt });
  }
}

async function info(id: string): Promise<{ id: string; role: string; term: number } | null> {
  let client: RespClient | null = null;
  try {
    client = await RespClient.connect('127.0.0.1', Number(id.slice(id.lastIndexOf(':') + 1)), {
      connectTimeoutMs: INFO_TIMEOUT_MS,
      commandTimeoutMs: INFO_TIMEOUT_MS,
    });
    const reply = await client.command('INFO', 'raft');
    if (reply.type !== 'bulk' || reply.value === null) return null;
    const fields = new Map(
      Buffer.from(reply.value)
        .toString('utf8')
        .split(/\r?\n/)
        .map((line) => line.split(':', 2) as [string, string]),
    );
    return { id, role: fields.get('role') ?? '', term: Number(fields.get('term') ?? -1) };
  } catch {
    return null;
  } finally {
    client?.close();
  }
}
