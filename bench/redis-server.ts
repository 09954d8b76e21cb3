// The yardstick: a redis-server the bench starts itself, in a temp dir, with every write fsynced
// before the reply (`appendonly yes`, `appendfsync always`) and no RDB snapshots. The bench never
// installs it; when it is missing the caller reports our figures alone.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { RespClient } from '../src/main/net/resp-client';
import { poll, trackChild } from './processes';

export const REDIS_INSTALL_HINT =
  'redis-server was not found on PATH; install it (Debian/Ubuntu: sudo apt-get install redis-server) ' +
  'to compare with it. Reporting our figures alone.';

/** The first executable `redis-server` on `searchPath` (the PATH by default), or null. */
export function findRedisServer(searchPath = process.env.PATH ?? ''): string | null {
  for (const dir of searchPath.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return null;
}

export function redisVersion(binary: string): string | null {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return result.stdout?.match(/v=(\S+)/)?.[1] ?? null;
}

export class RedisServer {
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.once('exit', () => {
      this.exited = true;
    });
  }

  static async start(binary: string, port: number, dir: string): Promise<RedisServer> {
    const child = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
        '--daemonize',
        'no',
        '--logfile',
        join(dir, 'redis.log'),
      ],
      { stdio: 'ignore' },
    );
    trackChild(child);
    const server = new RedisServer(child, port);
    await poll(
      `redis-server on port ${port}`,
      async () => {
        if (server.exited) throw new Error(`redis-server exited at start; see ${join(dir, 'redis.log')}`);
        try {
          const client = await RespClient.connect('127.0.0.1', port, { connectTimeoutMs: 200, commandTimeoutMs: 500 });
          const reply = await client.command('PING');
          client.close();
          return reply.type === 'simple' ? true : null;
        } catch {
          return null;
        }
      },
      10_000,
    );
    return server;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
