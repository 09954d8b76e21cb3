// `POST /api/groups {"members":[...]}` and `DELETE /api/groups/{g}` (CONTRACTS.md §4, issue 13).
// Their own table because DELETE is the one method the generic routes (HTTP_ROUTES) do not have;
// `/api/groups/{g}/members` belongs to membership changes and is left to the generic table.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GROUPS_PATH, groupsApiOf } from '../../shared/groups-api';
import { HttpError } from './http-error';

const GROUP_PATH = /^\/api\/groups\/([0-9]{1,5})$/;

/** Whether this module answers `pathname`. */
export function isGroupRoute(pathname: string): boolean {
  return pathname === GROUPS_PATH || GROUP_PATH.test(pathname);
}

/**
 * Answers a group route. `readBody` reads the JSON body (the server's limits apply); the caller has
 * authenticated the request and checked a POST's content type.
 */
export async function serveGroupRoute(
  api: object,
  method: string,
  pathname: string,
  readBody: () => Promise<unknown>,
  response: ServerResponse,
  _request?: IncomingMessage,
): Promise<void> {
  const groups = groupsApiOf(api);
  if (groups === null) throw new HttpError(404, 'this host cannot add or remove groups');
  if (pathname === GROUPS_PATH) {
    if (method !== 'POST') {
      response.setHeader('Allow', 'POST');
      throw new HttpError(405, `method ${method} is not allowed on ${pathname} (use POST)`);
    }
    const body = await readBody();
    const members = (body as { members?: unknown } | null)?.members;
    if (
      typeof body !== 'object' ||
      body === null ||
      Object.keys(body).some((k) => k !== 'members') ||
      !Array.isArray(members) ||
      members.length === 0 ||
      members.some((m) => typeof m !== 'string')
    ) {
      throw new HttpError(400, 'the body must be {"members": ["127.0.0.1:5010", ...]}');
    }
    send(response, 200, await groups.addGroup(members as string[]));
    return;
  }
  if (method !== 'DELETE') {
    response.setHeader('Allow', 'DELETE');
    throw new HttpError(405, `method ${method} is not allowed on ${pathname} (use DELETE)`);
  }
  const group = Number(GROUP_PATH.exec(pathname)![1]);
  await groups.removeGroup(group);
  send(response, 200, { ok: true });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}
