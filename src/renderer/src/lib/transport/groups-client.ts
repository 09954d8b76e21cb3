// The resharding operations (shared/groups-api.ts) from the page: over HTTP to the server that
// served it (POST /api/groups, DELETE /api/groups/{g}), with the token the page keeps. The desktop
// window's IPC bridge does not carry them yet, and says so.
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
  if (window.raftlab)
    throw new Error('adding and removing groups works in the browser dashboard (raftlab cluster --serve) for now');
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
    return (await call('POST', GROUPS_PATH, { members })) as { group: number };
  },
  async removeGroup(group) {
    await call('DELETE', `${GROUPS_PATH}/${group}`);
  },
};
