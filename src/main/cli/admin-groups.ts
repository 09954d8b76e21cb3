// `raftlab admin <host:port> add-group <ip:port>,... | remove-group <G>` (CONTRACTS.md §2, issue 13):
// sent to any node as `RAFTLAB.RESHARD ...` (kv/reshard-command.ts). The `raftlab admin` dispatcher
// (args.ts parses, run-admin.ts runs) calls `parseAdminGroups` for these two actions and
// `runAdminGroups` to carry them out.
import { addressProblem } from '../../shared/config';
import { RESHARD_COMMAND } from '../kv/reshard-command';
import { RespClient } from '../net/resp-client';

export type AdminGroupsAction =
  | { readonly kind: 'add-group'; readonly members: readonly string[] }
  | { readonly kind: 'remove-group'; readonly group: number };

export class AdminGroupsUsageError extends Error {
  override readonly name = 'AdminGroupsUsageError';
}

/** The action, or null when `words` (after <host:port>) is no add-group or remove-group. Throws on bad input. */
export function parseAdminGroups(words: readonly string[]): AdminGroupsAction | null {
  const [action, operand, ...extra] = words;
  if (action !== 'add-group' && action !== 'remove-group') return null;
  if (operand === undefined) {
    throw new AdminGroupsUsageError(
      action === 'add-group' ? 'add-group needs <ip:port>,<ip:port>,...' : 'remove-group needs a group number',
    );
  }
  if (extra.length > 0)
    throw new AdminGroupsUsageError(`unexpected argument '${extra[0]}' after '${action} ${operand}'`);
  if (action === 'remove-group') {
    if (!/^[0-9]{1,5}$/.test(operand))
      throw new AdminGroupsUsageError(`remove-group: '${operand}' is not a group number`);
    return { kind: 'remove-group', group: Number(operand) };
  }
  const members = operand.split(',').map((m) => m.trim());
  for (const member of members) {
    const problem = member === '' ? 'is empty' : addressProblem(member);
    if (problem !== null) throw new AdminGroupsUsageError(`add-group: '${member}' ${problem}`);
  }
  if (new Set(members).size !== members.length)
    throw new AdminGroupsUsageError('add-group: an address is listed twice');
  return { kind: 'add-group', members };
}

/** Exit codes as `raftlab admin`'s: 0 done, 1 the node could not be reached or did not answer, 2 refused. */
export async function runAdminGroups(
  target: { readonly host: string; readonly port: number },
  action: AdminGroupsAction,
  out: (line: string) => void = console.log,
  err: (line: string) => void = console.error,
): Promise<number> {
  const client = await connectAdmin(target, 30_000, err);
  if (client === null) return 1;
  try {
    const reply =
      action.kind === 'add-group'
        ? await client.command(RESHARD_COMMAND, 'ADD-GROUP', action.members.join(','))
        : await client.command(RESHARD_COMMAND, 'REMOVE-GROUP', String(action.group));
    if (reply.type === 'error') {
      err(`raftlab admin: ${reply.value.replace(/^ERR /, '')}`);
      return reply.value.startsWith('TRYAGAIN') ? 1 : 2;
    }
    if (action.kind === 'add-group') {
      const group = reply.type === 'integer' ? reply.value : '?';
      out(`group ${group} added (${action.members.join(', ')}); its keys are moving to it`);
    } else {
      out(`group ${action.group} is handing its keys to the other groups; its nodes stop once it is done`);
    }
    return 0;
  } catch (error) {
    err(`raftlab admin: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    client.close();
  }
}

/** The admin's connection to `target`, or null once the failure is reported (the caller exits 1). */
export async function connectAdmin(
  target: { readonly host: string; readonly port: number },
  commandTimeoutMs: number,
  err: (line: string) => void,
): Promise<RespClient | null> {
  try {
    return await RespClient.connect(target.host, target.port, { commandTimeoutMs });
  } catch (error) {
    err(`raftlab admin: ${target.host}:${target.port}: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}
