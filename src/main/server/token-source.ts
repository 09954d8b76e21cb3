// Where the control API's token comes from (CONTRACTS.md §4): `--token-file FILE`, then `--token`,
// then RAFTLAB_TOKEN, else a random one. A file or the environment keep the token out of `ps`,
// which shows every process's command line to every local user. Read before anything starts, so a
// bad token file stops the command with nothing half-done.
import { readFile, stat } from 'node:fs/promises';

/** The token's allowed shape: visible ASCII, as an HTTP header carries it without quoting. */
export const TOKEN_PATTERN = /^[\x21-\x7e]{1,256}$/;

export interface TokenSources {
  readonly tokenFile?: string | null | undefined;
  readonly token?: string | null | undefined;
  /** RAFTLAB_TOKEN; an empty value counts as unset. */
  readonly envToken?: string | undefined;
}

export interface ResolvedToken {
  /** Undefined leaves it to the server to make a random one. */
  readonly token: string | undefined;
  readonly source: 'token-file' | 'option' | 'environment' | 'random';
  /** Worth telling the user, e.g. a token file other users can read. */
  readonly warnings: readonly string[];
}

/** A token that cannot be used; the message names the source and what to do. */
export class TokenError extends Error {
  override readonly name = 'TokenError';
}

export async function resolveApiToken(sources: TokenSources): Promise<ResolvedToken> {
  if (sources.tokenFile) {
    const { token, warnings } = await readTokenFile(sources.tokenFile);
    return { token, source: 'token-file', warnings };
  }
  if (sources.token) return { token: checked(sources.token, '--token'), source: 'option', warnings: [] };
  if (sources.envToken) {
    return { token: checked(sources.envToken, 'RAFTLAB_TOKEN'), source: 'environment', warnings: [] };
  }
  return { token: undefined, source: 'random', warnings: [] };
}

/** The file's first line, without its line ending or surrounding spaces. */
async function readTokenFile(path: string): Promise<{ token: string; warnings: string[] }> {
  let text: string;
  let mode: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new TokenError(`--token-file ${path}: not a regular file`);
    mode = info.mode;
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof TokenError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new TokenError(`--token-file ${path}: cannot read it (${why})`);
  }
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length === 0) {
    throw new TokenError(`--token-file ${path}: the file is empty; put the token on its first line`);
  }
  if (lines.length > 1) {
    throw new TokenError(`--token-file ${path}: the file has ${lines.length} lines; it must hold the token alone`);
  }
  const token = checked(lines[0]!.trim(), `--token-file ${path}`);
  const warnings =
    (mode & 0o077) !== 0
      ? [`--token-file ${path} can be read by other users (mode ${(mode & 0o777).toString(8)}); chmod 600 it`]
      : [];
  return { token, warnings };
}

function checked(token: string, what: string): string {
  if (!TOKEN_PATTERN.test(token)) {
    throw new TokenError(`${what}: the token must be 1 to 256 visible ASCII characters, without spaces`);
  }
  return token;
}
