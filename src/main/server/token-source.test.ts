import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveApiToken, TokenError } from './token-source';

const folder = mkdtempSync(join(tmpdir(), 'raftlab-token-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function tokenFile(name: string, text: string, mode = 0o600): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => new Error('resolved'),
    (error: unknown) => error as Error,
  );
  expect(outcome).toBeInstanceOf(TokenError);
  return outcome;
}

describe('resolveApiToken', () => {
  it('reads the token file, without its line ending, ahead of --token and RAFTLAB_TOKEN', async () => {
    const path = tokenFile('ok.token', 'from-the-file\n');
    expect(await resolveApiToken({ tokenFile: path, envToken: 'from-env' })).toEqual({
      token: 'from-the-file',
      source: 'token-file',
      warnings: [],
    });
    expect((await resolveApiToken({ tokenFile: tokenFile('crlf.token', '  t0k\r\n\r\n') })).token).toBe('t0k');
  });

  it('takes --token ahead of RAFTLAB_TOKEN, RAFTLAB_TOKEN otherwise, and leaves it random without either', async () => {
    expect(await resolveApiToken({ token: 'opt', envToken: 'env' })).toMatchObject({ token: 'opt', source: 'option' });
    expect(await resolveApiToken({ token: null, envToken: 'env' })).toMatchObject({
      token: 'env',
      source: 'environment',
    });
    expect(await resolveApiToken({ envToken: '' })).toEqual({ token: undefined, source: 'random', warnings: [] });
  });

  it('names a missing file, a folder and an unreadable file', async () => {
    const missing = join(folder, 'nope.token');
    expect((await failure(resolveApiToken({ tokenFile: missing }))).message).toBe(
      `--token-file ${missing}: cannot read it (no such file)`,
    );
    const dir = join(folder, 'a-folder');
    mkdirSync(dir);
    expect((await failure(resolveApiToken({ tokenFile: dir }))).message).toMatch(/not a regular file/);
    if (process.getuid?.() !== 0) {
      const locked = tokenFile('locked.token', 'secret\n', 0o000);
      expect((await failure(resolveApiToken({ tokenFile: locked }))).message).toMatch(/permission denied/);
    }
  });

  it('refuses an empty file, a file of several lines and a token with spaces, saying what to do', async () => {
    expect((await failure(resolveApiToken({ tokenFile: tokenFile('empty.token', '') }))).message).toMatch(
      /the file is empty; put the token on its first line/,
    );
    expect((await failure(resolveApiToken({ tokenFile: tokenFile('blank.token', ' \n\n') }))).message).toMatch(/empty/);
    expect((await failure(resolveApiToken({ tokenFile: tokenFile('two.token', 'a\nb\n') }))).message).toMatch(
      /has 2 lines/,
    );
    expect((await failure(resolveApiToken({ tokenFile: tokenFile('space.token', 'a b\n') }))).message).toMatch(
      /visible ASCII/,
    );
    expect((await failure(resolveApiToken({ envToken: 'has space' }))).message).toMatch(/^RAFTLAB_TOKEN: /);
  });

  it('warns when other users can read the token file', async () => {
    const open = tokenFile('open.token', 'shared\n', 0o644);
    expect((await resolveApiToken({ tokenFile: open })).warnings).toEqual([
      `--token-file ${open} can be read by other users (mode 644); chmod 600 it`,
    ]);
  });
});
