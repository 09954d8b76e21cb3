// The dashboard needs no browser permission: no camera, microphone, notifications, geolocation,
// clipboard reading, USB, HID or serial. Electron grants every request unless a handler says
// otherwise (security checklist item 5), so every session gets handlers that refuse them all, and
// say so, in case a feature ever silently depends on one.

/** The part of an Electron Session these handlers are installed on. */
export interface PermissionSession {
  setPermissionRequestHandler(
    handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void,
  ): void;
  setPermissionCheckHandler(
    handler: (contents: unknown, permission: string, requestingOrigin: string) => boolean,
  ): void;
  setDevicePermissionHandler(handler: (details: { deviceType: string; origin: string }) => boolean): void;
}

/** The one decision, for every permission: no. */
export function permissionAllowed(_permission: string): false {
  return false;
}

export function denyAllPermissions(
  session: PermissionSession,
  onDenied: (what: string) => void = (what) => console.warn(`raftlab: refused the permission ${what}`),
): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    onDenied(permission);
    callback(permissionAllowed(permission));
  });
  // Checks are synchronous queries (navigator.permissions.query and the like); refused quietly,
  // since pages ask them often and a refusal here is the expected answer.
  session.setPermissionCheckHandler((_contents, permission) => permissionAllowed(permission));
  session.setDevicePermissionHandler((details) => {
    onDenied(`device:${details.deviceType}`);
    return permissionAllowed(details.deviceType);
  });
}
