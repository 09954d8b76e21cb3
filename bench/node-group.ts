// A 3-node Raft group as three separate `raftlab node` processes on free ports, fsync on (a real
// data dir, never --in-memory), with the operations the benchmark needs: find the leader, crash a
// node with SIGKILL, restart it from its data dir and wait until it has caught up again.
import { join } from 'node:path';
import { loadOrCreateSecretFile, SECRET_FILE_NAME } from '../src/main/host/cluster-secret';
import { infoNumber, nodeInfo } from './info';
import { freePorts, poll, RaftlabProcess } from './processes';

const HOST = '127.0.0.1';

export interface NodeGroupOptions {
  readonly dataDir: string;
  readonly size?: number;
  /** Extra node flags for every process, e.g. `--cpu-prof --cpu-prof-dir DIR`. */
  readonly nodeFlags?: readonly string[];
  /** Extra `raftlab node` options for every node, e.g. `--snapshot-entries 10000`. */
  readonly nodeArgs?: readonly string[];
  readonly startTimeoutMs?: number;
}

export class NodeGroup {
  readonly ids: readonly string[];
  private readonly processes = new Map<string, RaftlabProcess>();
  private readonly partitions: string;

  private constructor(
    private readonly options: NodeGroupOptions,
    readonly ports: readonly number[],
  ) {
    this.ids = ports.map((port) => `${HOST}:${port}`);
    this.partitions = JSON.stringify([this.ids]);
  }

  static async start(options: NodeGroupOptions): Promise<NodeGroup> {
    const group = new NodeGroup(options, await freePorts(options.size ?? 3));
    // The shared cluster secret, made before the nodes start: three nodes making it at the same
    // moment in one folder sometimes lose a race (one exits "the secret file does not exist").
    await loadOrCreateSecretFile(join(options.dataDir, SECRET_FILE_NAME));
    try {
      await Promise.all(group.ids.map((id) => group.launch(id)));
      await group.waitForLeader();
    } catch (error) {
      await group.stop();
      throw error;
    }
    return group;
  }

  portOf(id: string): number {
    return Number(id.slice(id.lastIndexOf(':') + 1));
  }

  pidOf(id: string): number {
    return this.processes.get(id)?.pid ?? -1;
  }

  /** The node that says it leads and that every other live node names as leader. */
  async leader(): Promise<string | null> {
    const infos = await Promise.all(this.ids.map((id) => nodeInfo(HOST, this.portOf(id), 500)));
    let leader: string | null = null;
    for (const [i, info] of infos.entries()) {
      if (info?.get('role') === 'leader') leader = this.ids[i]!;
    }
    if (leader === null) return null;
    for (const info of infos) {
      if (info !== null && info.get('leader') !== leader) return null;
    }
    return leader;
  }

  waitForLeader(timeoutMs = this.options.startTimeoutMs ?? 60_000): Promise<string> {
    return poll('a leader every node agrees on', () => this.leader(), timeoutMs, 50);
  }

  /** SIGKILL: sockets vanish, nothing is flushed; the data dir keeps what was fsynced. */
  async crash(id: string): Promise<void> {
    await this.processes.get(id)?.kill();
    this.processes.delete(id);
  }

  async restart(id: string): Promise<void> {
    if (this.processes.has(id)) throw new Error(`${id} is still running`);
    await this.launch(id);
  }

  /** Until `id` follows the current leader and has applied everything the leader had committed. */
  async waitForCaughtUp(id: string, timeoutMs = 30_000): Promise<void> {
    await poll(
      `${id} to rejoin and catch up`,
      async () => {
        const leader = await this.leader();
        if (leader === null || leader === id) return null;
        const [leaderInfo, info] = await Promise.all([
          nodeInfo(HOST, this.portOf(leader), 500),
          nodeInfo(HOST, this.portOf(id), 500),
        ]);
        if (leaderInfo === null || info === null || info.get('leader') !== leader) return null;
        return infoNumber(info, 'applied_index') >= infoNumber(leaderInfo, 'commit_index') ? true : null;
      },
      timeoutMs,
      50,
    );
  }

  async stop(): Promise<void> {
    await Promise.all([...this.processes.values()].map((child) => child.stop()));
    this.processes.clear();
  }

  private async launch(id: string): Promise<void> {
    const port = this.portOf(id);
    const child = new RaftlabProcess(
      `node ${id}`,
      [
        'node',
        HOST,
        String(port),
        this.partitions,
        '--data-dir',
        this.options.dataDir,
        ...(this.options.nodeArgs ?? []),
      ],
      this.options.nodeFlags ? { nodeFlags: this.options.nodeFlags } : {},
    );
    this.processes.set(id, child);
    await child.waitForLine(/serving RESP on/, this.options.startTimeoutMs ?? 60_000);
  }
}
