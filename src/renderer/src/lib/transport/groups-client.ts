// The resharding operations (shared/groups-api.ts) from the page: through the desktop window's
// preload when there is one (ipc-groups.ts on the main side), else over HTTP to the server that
// served the page (POST /api/groups, DELETE /api/groups/{g}) with the token the page keeps.
import { GROUPS_PATH, type GroupsApi } from '../../../../shared/groups-api';
import { errorMessage, requestHeaders, TOKEN_STORAGE_KEY } from './http-urls';

function token(): string | null {
  try {
    return window.sessionStorage.getItem(TOKEN_STORAGE_KEY);
  } catch {
    return null;
  }
}

async function call(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(path, {
    method,
    headers: requestHeaders(token(), method === 'POST'),
    body: body === undefined ? null : JSON.stringify(body),
    cache: 'no-store',
  });
  const text = await response.text();
  if (!response.ok) throw new Error(errorMessage(response.status, response.statusText, text));
  return text === '' ? null : JSON.parse(text);
}

export const groupsClient: GroupsApi = {
  async addGroup(members) {
    const desktop = window.raftlab;
    if (desktop) {
      if (!desktop.addGroup) throw new Error('this desktop build cannot add groups');
      return desktop.addGroup(members);
    }
    return (await call('POST', GROUPS_PATH, { members })) as { group: number };
  },
  async removeGroup(group) {
    const desktop = window.raftlab;
    if (desktop) {
      if (!desktop.removeGroup) throw new Error('this desktop build cannot remove groups');
      return desktop.removeGroup(group);
    }
    await call('DELETE', `${GROUPS_PATH}/${group}`);
  },
};
