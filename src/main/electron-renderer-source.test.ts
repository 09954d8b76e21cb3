import { describe, expect, it, vi } from 'vitest';
import { rendererSource } from './electron-renderer-source';

const APP = { kind: 'app', url: 'app://raftlab/index.html' };

describe('rendererSource', () => {
  it('loads the app:// page when no dev server is named', () => {
    expect(rendererSource({ isPackaged: false, devServerUrl: undefined })).toEqual(APP);
    expect(rendererSource({ isPackaged: true, devServerUrl: '' })).toEqual(APP);
  });

  it('honours ELECTRON_RENDERER_URL in development, on this machine', () => {
    expect(rendererSource({ isPackaged: false, devServerUrl: 'http://localhost:5173/' })).toEqual({
      kind: 'dev-server',
      url: 'http://localhost:5173/',
      origin: 'http://localhost:5173',
    });
    expect(rendererSource({ isPackaged: false, devServerUrl: 'http://127.0.0.1:5174' }).kind).toBe('dev-server');
  });

  it('ignores it, saying why, in a packaged app or when it names anything but a local http(s) server', () => {
    const cases: [boolean, string, RegExp][] = [
      [true, 'http://localhost:5173/', /a packaged app only shows its own page/],
      [false, 'https://evil.example/', /runs on this machine/],
      [false, 'http://localhost.evil.example:5173/', /runs on this machine/],
      [false, 'file:///tmp/evil.html', /http\(s\)/],
      [false, 'javascript:alert(1)', /http\(s\)/],
      [false, 'http://user:pw@localhost:5173/', /user name or password/],
      [false, 'not a url', /not a URL/],
    ];
    for (const [isPackaged, devServerUrl, reason] of cases) {
      const ignored: string[] = [];
      const source = rendererSource({ isPackaged, devServerUrl, onIgnored: (why) => ignored.push(why) });
      expect(source, devServerUrl).toEqual(APP);
      expect(ignored, devServerUrl).toEqual([expect.stringMatching(reason)]);
    }
  });
});

vi.mock('electron', () => {
  throw new Error('electron-renderer-source.ts must not need Electron');
});
