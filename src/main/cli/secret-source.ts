// Which cluster secret a `raftlab node` or `raftlab cluster` runs with (CONTRACTS.md §2): the
// first of --insecure, --secret-file, $RAFTLAB_SECRET, and the default (the data folder's
// cluster.secret for a node; for a cluster, ClusterHost's own per-configuration file).
import { join } from 'node:path';
import {
  type LoadedSecret,
  loadOrCreateSecretFile,
  randomSecret,
  readSecretFile,
  SECRET_FILE_NAME,
  SecretError,
  secretFromText,
} from '../host/cluster-secret';
import { INSECURE_SECRET } from '../net/peer-auth';
import type { RunOptions } from './options';

export const SECRET_ENV = 'RAFTLAB_SECRET';

/** Said every time a process runs without a secret, whatever --quiet says. */
export const INSECURE_WARNING =
  'WARNING: --insecure: peers are NOT authenticated. Any process that can reach these ports can ' +
  'write to the replicated log, change terms and depose leaders. Use it only on a machine nobody ' +
  'else uses; drop --insecure to use the cluster secret.';

type SecretOptions = Pick<RunOptions, 'secretFile' | 'insecure' | 'inMemory' | 'dataDir'>;

/** An explicit choice (flag or environment), or null when none was made. */
async function explicitSecret(options: SecretOptions, env: NodeJS.ProcessEnv): Promise<LoadedSecret | null> {
  const fromEnv = env[SECRET_ENV];
  if (options.insecure) {
    const notes = fromEnv !== undefined ? [`ignoring ${SECRET_ENV}: --insecure runs with no secret`] : [];
    return { secret: INSECURE_SECRET, origin: 'none (--insecure)', notes };
  }
  if (options.secretFile !== null) return readSecretFile(options.secretFile);
  if (fromEnv !== undefined) {
    if (fromEnv.trim() === '') {
      throw new SecretError(
        `${SECRET_ENV} is set but empty: unset it to use the data folder's ${SECRET_FILE_NAME}, ` +
          'or set it to the cluster secret (the same on every member)',
      );
    }
    return { secret: secretFromText(fromEnv, SECRET_ENV), origin: `$${SECRET_ENV}`, notes: [] };
  }
  return null;
}

/**
 * The secret of `raftlab node`. Without a choice it is `<data-dir>/cluster.secret`, made if absent.
 * In memory there is no file to share: a group of one needs no shared secret (it has no peers),
 * a larger group must be given one.
 */
export async function nodeSecret(
  options: SecretOptions,
  groupSize: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedSecret> {
  const explicit = await explicitSecret(options, env);
  if (explicit !== null) return explicit;
  if (options.inMemory) {
    if (groupSize <= 1)
      return { secret: randomSecret(), origin: 'this process (a group of one has no peers)', notes: [] };
    throw new SecretError(
      `--in-memory writes no ${SECRET_FILE_NAME}, so this node's group has no shared secret: give every member ` +
        `the same --secret-file FILE or ${SECRET_ENV}, or use --data-dir instead of --in-memory`,
    );
  }
  return loadOrCreateSecretFile(join(options.dataDir, SECRET_FILE_NAME));
}

/** The secret of `raftlab cluster`, or null to let ClusterHost keep one per configuration. */
export function clusterSecret(
  options: SecretOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedSecret | null> {
  return explicitSecret(options, env);
}
