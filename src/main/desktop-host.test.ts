import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { perUserDataDir } from './desktop-host';

describe('perUserDataDir', () => {
  it('uses XDG_DATA_HOME on Linux', () => {
    expect(perUserDataDir({ XDG_DATA_HOME: '/data/ann' }, 'linux', '/home/ann')).toBe(
      join('/data/ann', 'raftlab', 'cluster-data'),
    );
  });

  it('falls back to ~/.local/share without XDG_DATA_HOME, or with a relative one', () => {
    const expected = join('/home/ann', '.local', 'share', 'raftlab', 'cluster-data');
    expect(perUserDataDir({}, 'linux', '/home/ann')).toBe(expected);
    expect(perUserDataDir({ XDG_DATA_HOME: 'relative/data' }, 'linux', '/home/ann')).toBe(expected);
  });

  it("uses Application Support on macOS and APPDATA on Windows, beside Electron's own userData", () => {
    expect(perUserDataDir({ XDG_DATA_HOME: '/x' }, 'darwin', '/Users/ann')).toBe(
      join('/Users/ann', 'Library', 'Application Support', 'raftlab', 'cluster-data'),
    );
    expect(perUserDataDir({ APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ann')).toBe(
      join('C:\\Users\\ann\\AppData\\Roaming', 'raftlab', 'cluster-data'),
    );
  });
});
