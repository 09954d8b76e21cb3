import { describe, expect, it, vi } from 'vitest';
import { denyAllPermissions, type PermissionSession, permissionAllowed } from './electron-permissions';

function fakeSession() {
  const handlers: {
    request?: Parameters<PermissionSession['setPermissionRequestHandler']>[0];
    check?: Parameters<PermissionSession['setPermissionCheckHandler']>[0];
    device?: Parameters<PermissionSession['setDevicePermissionHandler']>[0];
  } = {};
  const session: PermissionSession = {
    setPermissionRequestHandler: (handler) => {
      handlers.request = handler;
    },
    setPermissionCheckHandler: (handler) => {
      handlers.check = handler;
    },
    setDevicePermissionHandler: (handler) => {
      handlers.device = handler;
    },
  };
  return { session, handlers };
}

const PERMISSIONS = [
  'media',
  'notifications',
  'geolocation',
  'clipboard-read',
  'clipboard-sanitized-write',
  'fullscreen',
  'openExternal',
  'pointerLock',
  'hid',
  'serial',
  'usb',
  'display-capture',
  'unknown',
];

describe('denyAllPermissions', () => {
  it('installs a request, a check and a device handler that all refuse', () => {
    const { session, handlers } = fakeSession();
    const denied: string[] = [];
    denyAllPermissions(session, (what) => denied.push(what));
    expect(handlers.request).toBeTypeOf('function');
    expect(handlers.check).toBeTypeOf('function');
    expect(handlers.device).toBeTypeOf('function');
    for (const permission of PERMISSIONS) {
      const answers: boolean[] = [];
      handlers.request!({}, permission, (granted) => answers.push(granted));
      expect(answers, permission).toEqual([false]);
      expect(handlers.check!({}, permission, 'app://raftlab'), permission).toBe(false);
    }
    expect(handlers.device!({ deviceType: 'usb', origin: 'app://raftlab' })).toBe(false);
    expect(denied).toEqual([...PERMISSIONS, 'device:usb']);
  });

  it('decides no for every permission', () => {
    for (const permission of PERMISSIONS) expect(permissionAllowed(permission)).toBe(false);
  });
});

vi.mock('electron', () => {
  throw new Error('electron-permissions.ts must not need Electron');
});
