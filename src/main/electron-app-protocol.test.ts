import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { APP_ENTRY_URL, APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './electron-app-protocol';
import { CONTENT_SECURITY_POLICY } from './server/control-server';

const folder = mkdtempSync(join(tmpdir(), 'raftlab-app-protocol-'));
const rendererDir = join(folder, 'renderer');
mkdirSync(join(rendererDir, 'assets'), { recursive: true });
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>RaftLab</title>');
writeFileSync(join(rendererDir, 'assets', 'index-abc.js'), 'export const x = 1;');
writeFileSync(join(rendererDir, 'assets', 'index-abc.css'), 'body{}');
writeFileSync(join(rendererDir, 'assets', 'font.woff2'), 'w');
writeFileSync(join(folder, 'secret.txt'), 'TOP SECRET');
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const handle = createAppProtocolHandler(rendererDir);
const get = (url: string, method = 'GET') => handle({ url, method });

describe('the app:// protocol', () => {
  it('serves index.html at the entry URL and at the root, with the CSP and nosniff', async () => {
    for (const url of [APP_ENTRY_URL, 'app://raftlab/', 'app://raftlab', 'app://RAFTLAB/index.html?x=1#top']) {
      const response = await get(url);
      expect(response.status, url).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await response.text()).toBe('<!doctype html><title>RaftLab</title>');
    }
  });

  it('gives each asset its MIME type; module scripts need text/javascript', async () => {
    const cases: [string, string][] = [
      ['app://raftlab/assets/index-abc.js', 'text/javascript; charset=utf-8'],
      ['app://raftlab/assets/index-abc.css', 'text/css; charset=utf-8'],
      ['app://raftlab/assets/font.woff2', 'font/woff2'],
    ];
    for (const [url, type] of cases) {
      const response = await get(url);
      expect(response.status, url).toBe(200);
      expect(response.headers.get('content-type'), url).toBe(type);
    }
    expect(await (await get('app://raftlab/assets/index-abc.js')).text()).toBe('export const x = 1;');
  });

  it('refuses every path that would leave the renderer folder, and never reads outside it', async () => {
    for (const url of [
      'app://raftlab/..%2fsecret.txt',
      'app://raftlab/assets/..%2f..%2fsecret.txt',
      'app://raftlab/assets/..%5c..%5csecret.txt',
      'app://raftlab/%2e%2e%2fsecret.txt',
      'app://raftlab/assets%00/index-abc.js',
      'app://raftlab/%E0%A4%A',
    ]) {
      const response = await get(url);
      expect(response.status, url).toBe(400);
      expect(await response.text(), url).not.toContain('TOP SECRET');
    }
    // Dot segments the URL parser removes stay inside the folder: there is no secret.txt there.
    const climbed = await get('app://raftlab/../secret.txt');
    expect(climbed.status).toBe(404);
    expect(await climbed.text()).not.toContain('TOP SECRET');
  });

  it('answers 404 for a missing file, a folder or another host, and 405 for a POST', async () => {
    expect((await get('app://raftlab/assets/missing.js')).status).toBe(404);
    expect((await get('app://raftlab/assets')).status).toBe(404);
    expect((await get('app://evil/index.html')).status).toBe(404);
    expect((await get('other://raftlab/index.html')).status).toBe(404);
    const post = await get(APP_ENTRY_URL, 'POST');
    expect(post.status).toBe(405);
    expect(await post.json()).toEqual({ error: 'method POST is not allowed' });
  });

  it('answers HEAD without a body', async () => {
    const response = await get(APP_ENTRY_URL, 'HEAD');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('is a standard, secure scheme and nothing more: no CSP bypass, no cross-origin reads, no service workers', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({
      scheme: 'app',
      privileges: { standard: true, secure: true, supportFetchAPI: true },
    });
  });
});

vi.mock('electron', () => {
  throw new Error('electron-app-protocol.ts must not need Electron');
});
