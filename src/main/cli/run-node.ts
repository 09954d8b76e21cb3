// `raftlab node <ip> <port> <partitions>`: one node in this process, as the seed's raft.py ran.
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import type { Partitions } from '../../shared/config';
import type { NodeId } from '../../shared/raft/types';
import { ScaledClock } from '../host/clock';
import { describeFailure } from '../host/node-failure';
import { NodeHost } from '../host/node-host';
import { openStorage, segmentBytesFromEnvironment } from '../storage';
import { bootstrapRecordOf, checkBootstrap, saveBootstrapRecord } from './bootstrap-record';
import type { RunOptions } from './options';
import { INSECURE_WARNING, nodeSecret } from './secret-source';
import { stopOnSignals } from './signals';
import { timingOf } from './timing';

export interface RunNodeArgs {
  readonly id: NodeId;
  readonly group: number;
  readonly partitions: Partitions;
  readonly options: RunOptions;
  /** A node that joined (run-join.ts): not in `partitions`; its group's members as it was told. */
  readonly joined?: { readonly group: number; readonly members: readonly NodeId[] };
}

/** Each node's folder under the data dir: `127.0.0.1:5001` keeps its state in `127.0.0.1_5001`. */
export function nodeFolderName(id: NodeId): string {
  return id.replace(/[^A-Za-z0-9.-]/g, '_');
}

export async function runNode(args: RunNodeArgs, log: (line: string) => void): Promise<NodeHost> {
  const { id, options } = args;
  const timing = timingOf(options);
  const clock = new ScaledClock({ timescale: options.timescale });
  const dir = join(options.dataDir, nodeFolderName(id));
  const seed = randomInt(2 ** 31);
  const members = args.joined?.members ?? args.partitions[args.group]!;
  // A restart must name the beginning its folder's log grew from (a joined node's is its join record).
  const bootstrap = bootstrapRecordOf(args.partitions, options.ringTokensPerGroup);
  const keepsBootstrap = !options.inMemory && args.joined === undefined;
  const recorded = keepsBootstrap && checkBootstrap(dir, bootstrap);
  const secret = await nodeSecret(options, members.length);
  if (options.insecure) console.error(INSECURE_WARNING);
  for (const note of secret.notes) log(`raftlab node ${id}: ${note}`);
  const node = new NodeHost({
    id,
    partitions: args.partitions,
    ringTokensPerGroup: options.ringTokensPerGroup,
    // One node per process: it blocks on its own disk, as Redis does, instead of hopping threads.
    storage: openStorage({
      dir,
      inMemory: options.inMemory,
      blockingIo: true,
      segmentMaxBytes: segmentBytesFromEnvironment(),
    }),
    clock,
    timing,
    preVote: options.preVote,
    checkQuorum: options.checkQuorum,
    maxValueBytes: options.maxValueBytes,
    requestTimeoutMs: options.requestTimeoutMs,
    clientLimits: { maxClients: options.maxClients, idleTimeoutMs: options.idleTimeoutSeconds * 1000 },
    seed,
    secret: secret.secret,
    snapshotEntries: options.snapshotEntries,
    log,
    ...(args.joined ? { joined: args.joined } : {}),
    // Removed from its group (raftlab admin ... remove-node): its work is done, a clean exit.
    onRemoved: () => {
      log(`raftlab node ${id}: removed from group ${args.group}; exiting`);
      stop().then(
        () => process.exit(0),
        () => process.exit(0),
      );
    },
    // A node that stopped on a storage failure or a broken invariant must not leave a process up
    // with its port closed.
    onFailure: (error) => {
      log(`raftlab node ${id}: exiting: ${describeFailure(error)}`);
      process.exit(1);
    },
  });
  let stopTicking: () => void = () => {};
  await node.start();
  // Recorded once the node holds its folder (start took the folder lock); a folder from before
  // records takes the string it is started with now.
  if (keepsBootstrap && !recorded) saveBootstrapRecord(dir, bootstrap);
  stopTicking = clock.every(timing.tickMs, () => node.tick());
  log(
    `raftlab node ${id}: group ${args.group} of ${args.partitions.length} (${members.length} members${args.joined ? ', joining' : ''}), ` +
      `${options.inMemory ? 'in memory' : `data in ${dir}`}, cluster secret from ${secret.origin}, seed ${seed}; ` +
      `serving RESP on ${id}`,
  );
  async function stop(): Promise<void> {
    stopTicking();
    await node.stop();
    clock.dispose();
  }
  stopOnSignals(stop, log);
  return node;
}
