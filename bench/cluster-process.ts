// `raftlab cluster` as a child process on free ports: every node of a configuration in one process,
// as the desktop app runs them, optionally with the dashboard server (`--serve 127.0.0.1:0`).
import { infoNumber, nodeInfo } from './info';
import { freePorts, poll, RaftlabProcess } from './processes';

const HOST = '127.0.0.1';

export interface ClusterProcessOptions {
  readonly groups: number;
  readonly groupSize: number;
  readonly dataDir: string;
  readonly serve?: boolean;
  readonly nodeFlags?: readonly string[];
}

export interface Dashboard {
  readonly port: number;
  readonly token: string;
}

export class ClusterProcess {
  private constructor(
    readonly child: RaftlabProcess,
    readonly partitions: readonly (readonly string[])[],
    readonly dashboard: Dashboard | null,
  ) {}

  static async start(options: ClusterProcessOptions): Promise<ClusterProcess> {
    const ports = await freePorts(options.groups * options.groupSize);
    const partitions = Array.from({ length: options.groups }, (_, g) =>
      ports.slice(g * options.groupSize, (g + 1) * options.groupSize).map((port) => `${HOST}:${port}`),
    );
    const args = ['cluster', '--partitions', JSON.stringify(partitions), '--data-dir', options.dataDir];
    if (options.serve) args.push('--serve', `${HOST}:0`);
    const child = new RaftlabProcess('cluster', args, options.nodeFlags ? { nodeFlags: options.nodeFlags } : {});
    try {
      let dashboard: Dashboard | null = null;
      if (options.serve) {
        const [, url] = await child.waitForLine(/^dashboard: (\S+)/, 60_000);
        const parsed = new URL(url!);
        dashboard = { port: Number(parsed.port), token: parsed.searchParams.get('token') ?? '' };
      } else {
        await child.waitForLine(/^raftlab cluster: /, 60_000);
      }
      const cluster = new ClusterProcess(child, partitions, dashboard);
      await cluster.waitForLeaders(60_000);
      return cluster;
    } catch (error) {
      await child.stop();
      throw error;
    }
  }

  get pid(): number {
    return this.child.pid;
  }

  /** The leader of each group, once every group has one that all its members name. */
  async leaders(): Promise<string[] | null> {
    const leaders: string[] = [];
    for (const members of this.partitions) {
      const infos = await Promise.all(members.map((id) => nodeInfo(HOST, portOf(id), 500)));
      const leader = infos.find((info) => info?.get('role') === 'leader')?.get('node_id');
      if (leader === undefined) return null;
      if (infos.some((info) => info === null || info.get('leader') !== leader)) return null;
      // A new leader has committed its first entry once its commit index is past zero.
      const leaderInfo = infos.find((info) => info?.get('node_id') === leader)!;
      if (!(infoNumber(leaderInfo, 'commit_index') > 0)) return null;
      leaders.push(leader);
    }
    return leaders;
  }

  waitForLeaders(timeoutMs: number): Promise<string[]> {
    return poll('a leader in every group', () => this.leaders(), timeoutMs, 50);
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}

export function portOf(id: string): number {
  return Number(id.slice(id.lastIndexOf(':') + 1));
}
