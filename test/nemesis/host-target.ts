// The cluster-host mode: all six nodes in one `raftlab cluster --serve` child process, as the
// desktop app and `raftlab cluster` run them, faulted through the control API. The host runs in a
// child so that its death is seen as what it is, a crash of every node at once, and not as the
// nemesis dying. After a crash the host is started again on the same data folders, and the run
// goes on: the history must stay linearizable across that too.
import { randomBytes } from 'node:crypto';
import { freePartitions } from '../integration/support/ports';
import { type ChildExit, RaftlabChild } from './child';
import { ALL_FAULTS, type ClusterTarget, type Crash, type FaultKind } from './target';

interface StateView {
  readonly groups: readonly { readonly id: number; readonly leader: string | null; readonly members: string[] }[];
  readonly nodes: readonly { readonly id: string; readonly alive: boolean }[];
  readonly ring: { readonly version?: number; readonly moves?: readonly { readonly done: boolean }[] };
}

const API_TIMEOUT_MS = 5000;
const START_TIMEOUT_MS = 60_000;

export class HostTarget implements ClusterTarget {
  readonly mode = 'host' as const;
  readonly faults: readonly FaultKind[] = ALL_FAULTS;
  private readonly token = randomBytes(16).toString('hex');
  private child: RaftlabChild | null = null;
  private base: string | null = null;
  private readonly crashList: Crash[] = [];
  private stopping = false;
  private restarting: Promise<void> | null = null;

  /** The groups on the ring as last seen: the bootstrap two, then as the reshard fault changes them. */
  private live: readonly { readonly id: number; readonly members: readonly string[] }[];

  constructor(
    bootstrap: readonly (readonly string[])[],
    /** Options every node gets: `--data-dir DIR` or `--in-memory`, `--request-timeout MS`. */
    private readonly nodeOptions: readonly string[],
    private readonly startedAt: number,
  ) {
    this.live = bootstrap.map((members, id) => ({ id, members }));
    this.bootstrap = bootstrap;
  }

  private readonly bootstrap: readonly (readonly string[])[];

  get partitions(): readonly (readonly string[])[] {
    return this.live.map((group) => group.members);
  }

  async start(): Promise<void> {
    const child = new RaftlabChild(
      'raftlab cluster',
      ['cluster', '--partitions', JSON.stringify(this.bootstrap), '--serve', '127.0.0.1:0', ...this.nodeOptions],
      // In the environment, so that the token does not show in `ps`.
      { RAFTLAB_TOKEN: this.token },
    );
    this.child = child;
    child.exited.then((exit) => this.onExit(child, exit));
    const match = await child.waitForLine(/dashboard: (http:\/\/[^/\s]+)\//, START_TIMEOUT_MS);
    this.base = match[1]!;
  }

  crashes(): readonly Crash[] {
    return this.crashList;
  }

  async leaders(): Promise<(string | null)[]> {
    const state = (await this.call('GET', '/api/state')) as StateView;
    this.live = state.groups.map(({ id, members }) => ({ id, members }));
    return state.groups.map((group) => group.leader);
  }

  async reshard(random: { nextInt(n: number): number }): Promise<string> {
    const state = (await this.call('GET', '/api/state')) as StateView;
    if (state.groups.length <= this.bootstrap.length) {
      const [members] = await freePartitions(1, 3);
      const { group } = (await this.call('POST', '/api/groups', { members })) as { group: number };
      return `add group ${group} (${members!.join(' ')}): keys move to it`;
    }
    const victim = state.groups[random.nextInt(state.groups.length)]!.id;
    await this.call('DELETE', `/api/groups/${victim}`);
    return `remove group ${victim}: its keys move to the others, its nodes stop`;
  }

  async settle(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const state = (await this.call('GET', '/api/state').catch(() => null)) as StateView | null;
      if (state !== null) {
        this.live = state.groups.map(({ id, members }) => ({ id, members }));
        if ((state.ring.moves ?? []).every((move) => move.done)) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async kill(id: string): Promise<void> {
    await this.call('POST', `/api/nodes/${encodeURIComponent(id)}/kill`);
  }

  async partition(sides: readonly (readonly string[])[]): Promise<void> {
    await this.call('POST', '/api/network/partition', { sides });
  }

  async cutOneWay(a: string, b: string): Promise<void> {
    await this.call('POST', '/api/links', { a, b, cut: true, oneWay: true });
  }

  async setNetwork(latencyMs: readonly [number, number], dropRate: number): Promise<void> {
    await this.call('POST', '/api/network', { latencyMs, dropRate });
  }

  async pause(): Promise<void> {
    await this.call('POST', '/api/clock', { paused: true });
  }

  async healAll(): Promise<void> {
    await this.restarting;
    if (this.child === null || !this.child.running) await this.restartHost();
    await this.call('POST', '/api/clock', { paused: false });
    await this.call('POST', '/api/network/heal');
    await this.call('POST', '/api/network', { latencyMs: [0, 0], dropRate: 0 });
    const state = (await this.call('GET', '/api/state')) as StateView;
    for (const node of state.nodes) {
      if (!node.alive) await this.call('POST', `/api/nodes/${encodeURIComponent(node.id)}/restart`);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.restarting?.catch(() => undefined);
    await this.child?.stop();
  }

  private onExit(child: RaftlabChild, exit: ChildExit): void {
    if (exit.expected || this.stopping || child !== this.child) return;
    this.crashList.push({ ...exit, atMs: performance.now() - this.startedAt });
    this.base = null;
    // Start it again at once on the same folders: a crashed host is also a crash of all six nodes.
    this.restarting = this.restartHost().catch(() => undefined);
  }

  private async restartHost(): Promise<void> {
    if (this.stopping) return;
    if (this.child?.running) await this.child.kill();
    await this.start();
  }

  private async call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    if (this.base === null) throw new Error('the cluster host is not running');
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.token}`,
        ...(method === 'POST' ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}),
      signal: AbortSignal.timeout(API_TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text === '' ? null : JSON.parse(text);
  }
}
