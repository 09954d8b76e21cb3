// `raftlab node <ip> <port> --join <host:port> [--group G]`: a node outside the bootstrap
// configuration joins a running cluster (CONTRACTS.md §2). It asks the member at <host:port> for
// what it needs (JOIN-INFO: the bootstrap partitions string, its group, the members, and a proof
// that the member holds this node's cluster secret), keeps that in its folder, starts empty, and
// asks to be added: the group's leader adds it as a learner, lets it catch up, then promotes it.
// `raftlab node <ip> <port>` restarts it from its folder.
import { join } from 'node:path';
import { ConfigError, clusterIdOf, groupIndexOf, type Partitions, parsePartitions } from '../../shared/config';
import type { NodeId } from '../../shared/raft/types';
import type { NodeHost } from '../host/node-host';
import { ADMIN_COMMAND, type JoinInfo } from '../kv/admin-commands';
import { joinProofMatches } from '../kv/join-proof';
import { newChallenge } from '../net/peer-auth';
import { RespClient } from '../net/resp-client';
import type { RespReply } from '../net/types';
import type { CliCommand, HostPort } from './args';
import { JOIN_RECORD_FILE, type JoinRecord, JoinRecordError, loadJoinRecord, saveJoinRecord } from './join-record';
import { nodeFolderName, runNode } from './run-node';
import { nodeSecret } from './secret-source';

type JoinCommand = Extract<CliCommand, { kind: 'join' }>;

/** Printed, then exit 2: the join cannot go on as asked. */
export class JoinRefusedError extends Error {
  override readonly name = 'JoinRefusedError';
}

/** How often a learner asks again to be promoted, should the leader that added it have changed. */
const ASK_AGAIN_MS = 20_000;
const LOOK_MS = 200;

export async function runJoin(command: JoinCommand, log: (line: string) => void): Promise<void> {
  try {
    await join_(command, log);
  } catch (error) {
    if (error instanceof JoinRefusedError || error instanceof JoinRecordError) {
      console.error(`raftlab node ${command.id}: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
}

async function join_(command: JoinCommand, log: (line: string) => void): Promise<void> {
  const { id, options } = command;
  const dir = join(options.dataDir, nodeFolderName(id));
  const stored = options.inMemory ? null : loadJoinRecord(dir);
  let record: JoinRecord;
  let partitions: Partitions;
  if (stored !== null) {
    ({ record, partitions } = stored);
    if (command.target !== null)
      log(`raftlab node ${id}: joined group ${record.group} before (${JOIN_RECORD_FILE}); --join is not needed`);
  } else {
    if (command.target === null) {
      throw new JoinRefusedError(
        `missing <partitions>: ${options.inMemory ? 'an --in-memory node keeps no record' : `${dir} holds no ${JOIN_RECORD_FILE}`}; ` +
          'give <partitions>, or --join <host:port> to join a running cluster',
      );
    }
    ({ record, partitions } = await askToJoin(command, command.target));
    if (!options.inMemory) saveJoinRecord(dir, record);
    log(
      `raftlab node ${id}: joining group ${record.group} through ${hostPort(command.target)}; members ${record.members.join(' ')}`,
    );
  }
  const node = await runNode(
    { id, group: record.group, partitions, options, joined: { group: record.group, members: record.members } },
    log,
  );
  const askAt = [...(command.target ? [hostPort(command.target)] : []), ...record.members];
  await becomeVoter(node, askAt, stored === null, log);
}

/** JOIN-INFO, checked: the member must prove it holds this node's cluster secret. */
async function askToJoin(
  command: JoinCommand,
  target: HostPort,
): Promise<{ record: JoinRecord; partitions: Partitions }> {
  const { id, options } = command;
  const secret = await nodeSecret(options, 2);
  const challenge = newChallenge();
  const args = [
    'JOIN-INFO',
    id,
    Buffer.from(challenge).toString('hex'),
    ...(command.group === null ? [] : [String(command.group)]),
  ];
  const reply = await ask(target, args);
  if (reply.type === 'error')
    throw new JoinRefusedError(`${hostPort(target)} refused: ${reply.value.replace(/^ERR /, '')}`);
  let info: JoinInfo;
  let partitions: Partitions;
  try {
    info = JSON.parse(bulkText(reply)) as JoinInfo;
    partitions = parsePartitions(info.partitions);
  } catch (error) {
    const detail = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    throw new JoinRefusedError(`${hostPort(target)} is not a RaftLab node of a cluster that can be joined (${detail})`);
  }
  const home = groupIndexOf(partitions, id);
  if (home !== undefined) {
    throw new JoinRefusedError(
      `address in use: ${id} is in the cluster's bootstrap configuration (group ${home}); start it with <partitions> instead of --join`,
    );
  }
  const proven = joinProofMatches(
    secret.secret,
    { clusterId: clusterIdOf(partitions), joiner: id, member: info.answeredBy, joinerChallenge: challenge },
    Buffer.from(String(info.challenge), 'hex'),
    Buffer.from(String(info.proof), 'hex'),
  );
  if (!proven) {
    throw new JoinRefusedError(
      `different cluster: ${info.answeredBy} did not prove it holds this node's cluster secret (from ${secret.origin}); ` +
        'give this node the secret of the cluster it joins (--secret-file or RAFTLAB_SECRET)',
    );
  }
  return {
    record: { partitions: info.partitions, group: info.group, members: [...info.voters, ...info.learners] },
    partitions,
  };
}

/**
 * Asks to be added until the node is a voter of its group. The first refusal of a fresh join ends
 * it (exit 2); later ones, and unreachable members, are retried: a leader change may have cut the
 * add short after the learner step, and the next leader promotes the learner when asked again.
 */
async function becomeVoter(
  node: NodeHost,
  askAt: readonly string[],
  fresh: boolean,
  log: (line: string) => void,
): Promise<void> {
  const id = node.nodeId;
  const group = String(node.group);
  let askedAt = Number.NEGATIVE_INFINITY;
  let added = false;
  let next = 0;
  for (;;) {
    if (!node.alive) return;
    const membership = node.status().membership;
    if (membership.voters.includes(id)) {
      log(`raftlab node ${id}: a voter of group ${group}`);
      return;
    }
    if (performance.now() - askedAt >= ASK_AGAIN_MS) {
      askedAt = performance.now();
      const member = [...new Set([...askAt, ...membership.voters])].filter((m) => m !== id)[
        next++ % Math.max(1, askAt.length)
      ];
      if (member !== undefined) {
        const reply = await ask(addressOf(member), ['ADD-NODE', id, group]).catch((error: unknown) => ({
          type: 'error' as const,
          value: `TRYAGAIN ${member}: ${error instanceof Error ? error.message : String(error)}`,
        }));
        if (reply.type === 'error') {
          if (fresh && !added && !reply.value.startsWith('TRYAGAIN')) {
            throw new JoinRefusedError(`${member} refused to add ${id}: ${reply.value.replace(/^ERR /, '')}`);
          }
          log(`raftlab node ${id}: asking ${member} to be added: ${reply.value}; asking again`);
          askedAt = performance.now() - ASK_AGAIN_MS + 1000;
        } else if (!added) {
          added = true;
          log(`raftlab node ${id}: added to group ${group} as a learner; catching up before the leader promotes it`);
        }
      }
    }
    await new Promise((resolve) => setTimeout(resolve, LOOK_MS));
  }
}

async function ask(target: HostPort, args: readonly string[]): Promise<RespReply> {
  let client: RespClient;
  try {
    client = await RespClient.connect(target.host, target.port, { connectTimeoutMs: 3000, commandTimeoutMs: 0 });
  } catch (error) {
    throw new JoinRefusedError(
      `cannot reach ${hostPort(target)}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  try {
    return await client.command(ADMIN_COMMAND, ...args);
  } finally {
    client.close();
  }
}

function bulkText(reply: RespReply): string {
  if (reply.type !== 'bulk' || reply.value === null) throw new Error(`unexpected reply of type ${reply.type}`);
  return Buffer.from(reply.value).toString('utf8');
}

function hostPort(target: HostPort): string {
  return target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

function addressOf(id: NodeId): HostPort {
  const colon = id.lastIndexOf(':');
  return { host: id.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(id.slice(colon + 1)) };
}
