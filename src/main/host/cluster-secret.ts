// The cluster secret (CONTRACTS.md §2, §5): the bytes every member holds and proves to its peers.
// It lives in a file, `cluster.secret` in the data folder by default, made on first start so that
// nodes started in one folder share it without any step, and copied by hand across machines.
//
// The file holds text: a generated one is 64 hex digits (32 random bytes) and a newline. The secret
// is the text itself without surrounding whitespace, so `RAFTLAB_SECRET="$(cat cluster.secret)"`
// is the same secret as the file, and a person may write their own passphrase instead.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const SECRET_FILE_NAME = 'cluster.secret';
/**
 * Shorter than this is a password a stranger could guess, not a secret. A node proves the secret
 * to whoever dials it, so anyone who can reach the port can test guesses offline: a generated
 * secret (256 random bits) makes that hopeless, a short passphrase would not.
 */
export const MIN_SECRET_BYTES = 16;

/** A secret that cannot be used; the message says what to do about it. */
export class SecretError extends Error {
  override readonly name = 'SecretError';
}

export interface LoadedSecret {
  readonly secret: Uint8Array;
  /** Where it came from, for the start-up line (never the secret itself). */
  readonly origin: string;
  /** Worth a line: the file was made now, or other users can read it. */
  readonly notes: readonly string[];
}

const MAKE_ONE = 'make one with: openssl rand -hex 32 > FILE; chmod 600 FILE';

/** The secret that `text` spells, or a SecretError naming `where` it came from. */
export function secretFromText(text: string, where: string): Uint8Array {
  const trimmed = text.trim();
  if (trimmed === '') throw new SecretError(`${where} is empty: it must hold the cluster secret (${MAKE_ONE})`);
  const bytes = Buffer.from(trimmed, 'utf8');
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new SecretError(
      `${where} holds a secret of ${bytes.length} bytes; use at least ${MIN_SECRET_BYTES} (${MAKE_ONE})`,
    );
  }
  return bytes;
}

/** Reads an existing secret file; every failure is a SecretError that says what to do. */
export async function readSecretFile(path: string): Promise<LoadedSecret> {
  let text: string;
  let mode: number;
  try {
    text = await fs.readFile(path, 'utf8');
    mode = (await fs.stat(path)).mode;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new SecretError(
        `the secret file ${path} does not exist: copy cluster.secret from a running member there, or ${MAKE_ONE}`,
      );
    }
    if (code === 'EACCES') {
      throw new SecretError(
        `cannot read the secret file ${path} (permission denied): run as its owner, or chmod 600 it`,
      );
    }
    throw new SecretError(`cannot read the secret file ${path}: ${(error as Error).message}`);
  }
  const secret = secretFromText(text, `the secret file ${path}`);
  const notes: string[] = [];
  if ((mode & 0o077) !== 0) {
    notes.push(`the secret file ${path} can be read by other users of this machine: chmod 600 it`);
  }
  return { secret, origin: path, notes };
}

/**
 * Reads `path`, or makes it first if it does not exist. Making is atomic and exclusive: the new
 * secret is written and synced under a temporary name, then hard-linked to `path`, which fails if
 * `path` exists. So two nodes started at the same moment in one folder agree: one link wins, and
 * both read the winner's file, which exists once either has linked. Rename would not do: it
 * replaces what another node just made.
 */
export async function loadOrCreateSecretFile(path: string): Promise<LoadedSecret> {
  // Look, make if absent, then read: never "read, fail, then look", which let a node that found no
  // file and then saw another's new one fail with the first read's "does not exist".
  if (await exists(path)) return readSecretFile(path);
  const folder = dirname(path);
  const temporary = join(folder, `.${SECRET_FILE_NAME}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  try {
    await fs.mkdir(folder, { recursive: true, mode: 0o700 });
    const handle = await fs.open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(`${randomBytes(32).toString('hex')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.link(temporary, path);
      created = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    await syncFolder(folder);
  } catch (error) {
    throw new SecretError(
      `cannot create the secret file ${path}: ${(error as Error).message}; ` +
        'make the folder writable, or give --secret-file FILE',
    );
  } finally {
    await fs.rm(temporary, { force: true }).catch(() => undefined);
  }
  const loaded = await readSecretFile(path);
  if (!created) return loaded;
  return {
    ...loaded,
    notes: [...loaded.notes, `made a new cluster secret in ${path}; nodes on other machines need a copy of this file`],
  };
}

/** A secret that lives only in this process: for a cluster whose every node runs here. */
export function randomSecret(): Uint8Array {
  return randomBytes(32);
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Makes the new name durable; best effort where a folder cannot be opened for sync. */
async function syncFolder(folder: string): Promise<void> {
  let handle: fs.FileHandle | null = null;
  try {
    handle = await fs.open(folder, 'r');
    await handle.sync();
  } catch {
    // Some platforms cannot fsync a folder; the file itself is synced.
  } finally {
    await handle?.close();
  }
}
