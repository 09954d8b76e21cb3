import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ClusterState } from '../../shared/api';
import { freeNodeIds } from './free-address';

/** Just enough of a state for freeNodeIds: the nodes' ids. */
function stateWith(ids: string[]): ClusterState {
  return { nodes: ids.map((id) => ({ id })) } as unknown as ClusterState;
}

function canListen(id: string): Promise<boolean> {
  const [ip, port] = [id.slice(0, id.lastIndexOf(':')), Number(id.slice(id.lastIndexOf(':') + 1))];
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, ip, () => server.close(() => resolve(true)));
  });
}

describe('free node ids for the scenarios that start nodes', () => {
  it('gives distinct ids on the cluster ip, none of them a node already, each a port one can listen on', async () => {
    const ids = await freeNodeIds(stateWith(['127.0.0.1:7001', '127.0.0.1:7002']), 3);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) {
      expect(id).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(['127.0.0.1:7001', '127.0.0.1:7002']).not.toContain(id);
      expect(await canListen(id)).toBe(true);
    }
  });
});
