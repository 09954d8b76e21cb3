// `raftlab admin <host:port> members [--json] | remove-node <ip:port>`: the membership commands of
// admin-commands.ts, sent to any node over RESP, with their answers printed for a person (or as
// JSON for a script).
import { ADMIN_COMMAND, type GroupInfo, type MembersInfo } from '../kv/admin-commands';
import type { RespReply } from '../net/types';
import { connectAdmin, runAdminGroups } from './admin-groups';
import type { AdminCommand } from './args';

/** Exit codes: 0 done, 1 the node could not be reached (or did not answer), 2 refused. */
export async function runAdmin(
  command: AdminCommand,
  out: (line: string) => void = console.log,
  err: (line: string) => void = console.error,
): Promise<number> {
  const { target, action } = command;
  // Adding and removing groups (resharding) are admin-groups.ts's.
  if (action.kind === 'add-group' || action.kind === 'remove-group') return runAdminGroups(target, action, out, err);
  const client = await connectAdmin(target, 0, err);
  if (client === null) return 1;
  try {
    const args = action.kind === 'members' ? ['MEMBERS'] : ['REMOVE-NODE', action.node];
    const reply = await client.command(ADMIN_COMMAND, ...args);
    if (reply.type === 'error') {
      err(`raftlab admin: ${reply.value.replace(/^ERR /, '')}`);
      return reply.value.startsWith('TRYAGAIN') ? 1 : 2;
    }
    if (action.kind === 'remove-node') {
      out(`${action.node} removed; it leaves its group and its process exits`);
      return 0;
    }
    const members = JSON.parse(bulkText(reply)) as MembersInfo;
    if (action.json) out(JSON.stringify(members));
    else for (const line of membersTable(members)) out(line);
    return 0;
  } catch (error) {
    err(`raftlab admin: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    client.close();
  }
}

function bulkText(reply: RespReply): string {
  if (reply.type !== 'bulk' || reply.value === null) throw new Error(`unexpected reply of type ${reply.type}`);
  return Buffer.from(reply.value).toString('utf8');
}

/** One block per group: its leader, voters and learners. */
export function membersTable(members: MembersInfo): string[] {
  const lines = [`ring version ${members.ringVersion}`];
  for (const info of members.groups) {
    if ('error' in info) {
      lines.push(`group ${info.group}: ${info.error}`);
      continue;
    }
    const group: GroupInfo = info;
    lines.push(
      `group ${group.group}: leader ${group.leader ?? '(none)'}, term ${group.term}, commit ${group.commit} (as ${group.answeredBy} knows it)`,
      `  voters:   ${group.voters.join(' ') || '(none)'}`,
      `  learners: ${group.learners.join(' ') || '(none)'}`,
    );
  }
  return lines;
}
