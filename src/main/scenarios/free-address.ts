// Scenarios that start nodes (adding a member, adding a group) need addresses nobody uses: the OS
// picks a free port on the cluster's own ip, so a lesson never collides with a running node.
import { createServer } from 'node:net';
import type { ClusterState, NodeId } from '../../shared/api';

/** A free port on `ip`, asked of the OS (listen on port 0, then close). */
function freePort(ip: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, ip, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error(`no free port on ${ip}`))));
    });
  });
}

/** `count` new node ids on the ip of the cluster's first node, none of them a node already. */
export async function freeNodeIds(state: ClusterState, count: number): Promise<NodeId[]> {
  const first = state.nodes[0]?.id ?? '127.0.0.1:0';
  const ip = first.slice(0, first.lastIndexOf(':'));
  const taken = new Set(state.nodes.map((node) => node.id));
  const ids: NodeId[] = [];
  while (ids.length < count) {
    const id = `${ip}:${await freePort(ip)}`;
    if (!taken.has(id) && !ids.includes(id)) ids.push(id);
  }
  return ids;
}
