// `raftlab cluster`: every node of the configuration in this process, as the desktop app's main
// process runs them; with --serve, the dashboard and the control API too.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Partitions } from '../../shared/config';
import { ClusterHost } from '../host/cluster-host';
import { ControlServer } from '../server/control-server';
import { type ResolvedToken, resolveApiToken } from '../server/token-source';
import type { HostPort } from './args';
import type { RunOptions } from './options';
import { clusterSecret, INSECURE_WARNING } from './secret-source';
import { stopOnSignals } from './signals';
import { timingOf } from './timing';

export interface RunClusterArgs {
  readonly partitions: Partitions;
  readonly serve: HostPort | null;
  readonly token: string | null;
  readonly tokenFile: string | null;
  readonly allowHosts: readonly string[];
  readonly paused?: boolean;
  readonly options: RunOptions;
}

/**
 * Where `npm run build` puts the renderer: beside the bundle when this runs as out/cli/*.js (the
 * installed package, `npm start`), or in the checkout's out/ when it runs from src/main/cli (tsx).
 */
export function rendererDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const besideBundle = join(here, '..', 'renderer');
  return existsSync(join(besideBundle, 'index.html')) ? besideBundle : join(here, '..', '..', '..', 'out', 'renderer');
}

export async function runCluster(args: RunClusterArgs, log: (line: string) => void): Promise<{ url: string | null }> {
  const { options } = args;
  // Read before any node starts: a bad token file stops the command with nothing half-done.
  let apiToken: ResolvedToken | null = null;
  if (args.serve) {
    apiToken = await resolveApiToken({
      tokenFile: args.tokenFile,
      token: args.token,
      envToken: process.env.RAFTLAB_TOKEN,
    });
    for (const warning of apiToken.warnings) console.error(`raftlab: warning: ${warning}`);
  }
  const secret = await clusterSecret(options);
  if (options.insecure) console.error(INSECURE_WARNING);
  for (const note of secret?.notes ?? []) log(`raftlab cluster: ${note}`);
  const host = new ClusterHost({
    partitions: args.partitions,
    ringTokensPerGroup: options.ringTokensPerGroup,
    dataDir: options.dataDir,
    inMemory: options.inMemory,
    timing: timingOf(options),
    timescale: options.timescale,
    preVote: options.preVote,
    checkQuorum: options.checkQuorum,
    maxValueBytes: options.maxValueBytes,
    requestTimeoutMs: options.requestTimeoutMs,
    clientLimits: { maxClients: options.maxClients, idleTimeoutMs: options.idleTimeoutSeconds * 1000 },
    ...(secret ? { secret: secret.secret } : {}),
    snapshotEntries: options.snapshotEntries,
    ...(args.paused ? { paused: true } : {}),
    log,
    // A teacher's cluster: the Figure 8 lessons may be switched on through the control API.
    lessons: true,
  });
  await host.start();
  const ids = args.partitions.flat();
  log(
    `raftlab cluster: ${args.partitions.length} group(s), ${ids.length} nodes on ${ids.join(', ')}; ` +
      `${options.inMemory ? 'in memory' : `data in ${options.dataDir}`}, seed ${host.seed}`,
  );
  let server: ControlServer | null = null;
  if (args.serve) {
    const token = apiToken?.token;
    server = new ControlServer({
      api: host,
      staticDir: process.env.RAFTLAB_RENDERER_DIR ?? rendererDir(),
      host: args.serve.host,
      port: args.serve.port,
      allowedHosts: args.allowHosts,
      onEventsDropped: (count) => host.countDroppedEvents(count),
      ...(token ? { token } : {}),
    });
    try {
      await server.start();
    } catch (error) {
      await host.dispose();
      throw error;
    }
    // The one line scripts and people read: the real port and the token in one link.
    console.log(`dashboard: ${server.dashboardUrl()}`);
  }
  stopOnSignals(async () => {
    await server?.stop();
    await host.dispose();
  }, log);
  return { url: server?.dashboardUrl() ?? null };
}
