// The secret file on a real file system: made once, atomically, private; read back as the same
// secret; every unusable file refused with a message that says what to do.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateSecretFile, readSecretFile, SecretError, secretFromText } from './cluster-secret';

const folders: string[] = [];
function folder(): string {
  const made = mkdtempSync(join(tmpdir(), 'raftlab-secret-unit-'));
  folders.push(made);
  return made;
}
afterEach(() => {
  for (const made of folders.splice(0)) rmSync(made, { recursive: true, force: true });
});

describe('the cluster secret file', () => {
  it('is made once, mode 0600, in a folder that did not exist, and read back as the same secret', async () => {
    const path = join(folder(), 'data', 'cluster.secret');
    const made = await loadOrCreateSecretFile(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    expect(made.notes.join(' ')).toMatch(/made a new cluster secret/);
    const again = await loadOrCreateSecretFile(path);
    expect(Buffer.from(again.secret).equals(Buffer.from(made.secret))).toBe(true);
    expect(again.notes).toEqual([]);
  });

  it('makes one secret when many start at once in the same folder, and leaves no temporary file', async () => {
    const dir = folder();
    const path = join(dir, 'cluster.secret');
    const all = await Promise.all(Array.from({ length: 12 }, () => loadOrCreateSecretFile(path)));
    const distinct = new Set(all.map((loaded) => Buffer.from(loaded.secret).toString('hex')));
    expect(distinct.size).toBe(1);
    expect(all.filter((loaded) => loaded.notes.some((note) => note.includes('made a new'))).length).toBe(1);
    expect(await readdir(dir)).toEqual(['cluster.secret']);
  });

  it('is the trimmed text, so the environment variable and the file agree', async () => {
    const path = join(folder(), 'own.secret');
    writeFileSync(path, '  my own passphrase, long enough \n', { mode: 0o600 });
    const loaded = await readSecretFile(path);
    expect(Buffer.from(loaded.secret).toString()).toBe('my own passphrase, long enough');
    expect(Buffer.from(secretFromText('my own passphrase, long enough', 'x')).equals(Buffer.from(loaded.secret))).toBe(
      true,
    );
  });

  it('refuses an empty, a short or a missing file, saying what to do and never showing the secret', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'empty'), '\n', { mode: 0o600 });
    writeFileSync(join(dir, 'short'), 'tiny-secret\n', { mode: 0o600 });
    await expect(readSecretFile(join(dir, 'empty'))).rejects.toThrow(/is empty: it must hold the cluster secret/);
    const short = readSecretFile(join(dir, 'short'));
    await expect(short).rejects.toBeInstanceOf(SecretError);
    await expect(short).rejects.toThrow(/11 bytes; use at least 16 \(make one with: openssl rand -hex 32/);
    await expect(short).rejects.not.toThrow(/tiny-secret/);
    await expect(readSecretFile(join(dir, 'absent'))).rejects.toThrow(/does not exist: copy cluster\.secret/);
    // An existing but bad default file is not silently replaced: that would split the cluster.
    await expect(loadOrCreateSecretFile(join(dir, 'short'))).rejects.toThrow(/11 bytes/);
  });

  it('notes a file that other users can read', async () => {
    const path = join(folder(), 'open.secret');
    writeFileSync(path, 'a secret that is long enough\n', { mode: 0o644 });
    expect((await readSecretFile(path)).notes.join(' ')).toMatch(/can be read by other users.*chmod 600/);
  });
});
