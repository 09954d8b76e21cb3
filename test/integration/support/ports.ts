// Free localhost ports for tests: ask the kernel for one, then release it. A port could in theory
// be taken again before the test binds it; ports are spread out so that consecutive asks differ.
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** `groups` groups of `size` nodes on free ports: a partition configuration for tests. */
export async function freePartitions(groups: number, size: number): Promise<string[][]> {
  const partitions: string[][] = [];
  const seen = new Set<number>();
  for (let g = 0; g < groups; g++) {
    const members: string[] = [];
    while (members.length < size) {
      const port = await freePort();
      if (seen.has(port)) continue;
      seen.add(port);
      members.push(`127.0.0.1:${port}`);
    }
    partitions.push(members);
  }
  return partitions;
}

export function portOf(id: string): number {
  return Number(id.slice(id.lastIndexOf(':') + 1));
}
