// `RAFTLAB.RESHARD ADD-GROUP <ip:port>,... | REMOVE-GROUP <G>` on any node's port: what
// `raftlab admin <host:port> add-group | remove-group` sends (cli/admin-groups.ts). The node passes
// it to the host that can start and stop nodes and move keys (ClusterHost's GroupsApi). A
// `raftlab node` process has no such host yet: it refuses, saying so (docs/resharding.md, the seam).
import { ApiError } from '../../shared/api';
import type { GroupsApi } from '../../shared/groups-api';
import { argText } from '../net/command-args';
import { errorReply, OK_REPLY } from '../net/resp-writer';
import type { RespReply } from '../net/types';

export const RESHARD_COMMAND = 'RAFTLAB.RESHARD';

/** A node without a resharding host answers this. */
export const NO_RESHARD_HOST_REPLY = errorReply(
  'ERR this node runs alone (raftlab node): add-group and remove-group need a raftlab cluster host for now',
);

export function reshardHandler(api: GroupsApi): (args: readonly Uint8Array[]) => Promise<RespReply> {
  return async (args) => {
    const action = argText(args[1] ?? new Uint8Array()).toUpperCase();
    const operand = args[2] === undefined ? '' : argText(args[2]);
    if (args.length !== 3) return errorReply(`ERR wrong number of arguments for '${RESHARD_COMMAND}' command`);
    try {
      if (action === 'ADD-GROUP') {
        const members = operand.split(',').map((m) => m.trim());
        const { group } = await api.addGroup(members);
        return { type: 'integer', value: group };
      }
      if (action === 'REMOVE-GROUP') {
        if (!/^[0-9]{1,5}$/.test(operand)) return errorReply(`ERR remove-group needs a group number, not '${operand}'`);
        await api.removeGroup(Number(operand));
        return OK_REPLY;
      }
      return errorReply(`ERR unknown ${RESHARD_COMMAND} action '${action}' (ADD-GROUP or REMOVE-GROUP)`);
    } catch (error) {
      if (error instanceof ApiError) return errorReply(`ERR ${error.message}`);
      throw error;
    }
  };
}
