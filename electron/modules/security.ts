import type { PermissionCheckDetails, PermissionRequestDetails, SessionLike, WebContentsLike } from '../electron-api.js';
import type { ShellContext, ShellModule } from './types.js';

export function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

/** The page may move within the station's own origin (e.g. /login → /) and nowhere else. */
export function isAllowedNavigation(url: string, stationOrigin: string): boolean {
  return originOf(url) === stationOrigin;
}

/**
 * Only the camera, only for the station's own top-level page. Microphone, geolocation, notifications, HID, serial,
 * USB … are refused: devices belong to the station process, not the page.
 */
export function decidePermissionRequest(permission: string, details: PermissionRequestDetails, stationOrigin: string): boolean {
  if (permission !== 'media') return false;
  if (details.isMainFrame === false) return false;
  if (originOf(details.requestingUrl ?? '') !== stationOrigin) return false;
  const types = details.mediaTypes ?? [];
  return types.length > 0 && types.every((t) => t === 'video');
}

export function decidePermissionCheck(permission: string, requestingOrigin: string, details: PermissionCheckDetails, stationOrigin: string): boolean {
  if (permission !== 'media') return false;
  if (originOf(requestingOrigin) !== stationOrigin) return false;
  return details.mediaType === undefined || details.mediaType === 'video';
}

export function hardenSession(session: SessionLike, stationOrigin: string): void {
  session.setPermissionRequestHandler((_wc, permission, callback, details) => callback(decidePermissionRequest(permission, details, stationOrigin)));
  session.setPermissionCheckHandler((_wc, permission, origin, details) => decidePermissionCheck(permission, origin, details, stationOrigin));
  session.setDevicePermissionHandler(() => false);
}

/** Navigation, redirects, new windows and <webview> for any web contents the app ever creates. */
export function hardenContents(wc: WebContentsLike, stationOrigin: string, log: ShellContext['log']): void {
  const guard = (kind: string) => (e: { preventDefault(): void; url?: string }, url: string) => {
    const target = typeof url === 'string' ? url : (e.url ?? '');
    if (!isAllowedNavigation(target, stationOrigin)) {
      e.preventDefault();
      log.warn({ kind, url: target }, 'navigation away from the station refused');
    }
  };
  wc.on('will-navigate', guard('navigate'));
  wc.on('will-redirect', guard('redirect'));
  wc.on('will-attach-webview', (e) => e.preventDefault());
  wc.setWindowOpenHandler(({ url }) => {
    log.warn({ url }, 'new window refused');
    return { action: 'deny' };
  });
}

export const securityModule: ShellModule = {
  name: 'security',
  init(ctx) {
    const origin = originOf(ctx.station.url);
    if (!origin) throw new Error(`the station URL ${ctx.station.url} is not http(s)`);
    hardenSession(ctx.window.webContents.session, origin);
    hardenContents(ctx.window.webContents, origin, ctx.log);
  },
};

/**
 * The station may serve HTTPS with its own (self-signed) certificate; the kiosk trusts exactly that certificate
 * for exactly the station's origin, and nothing else Chromium would reject.
 */
export function shouldTrustCertificate(url: string, presentedPem: string, stationOrigin: string, stationPem: string | undefined): boolean {
  if (!stationPem || originOf(url) !== stationOrigin) return false;
  const norm = (p: string): string => p.replace(/\r/g, '').trim();
  return norm(presentedPem) === norm(stationPem);
}
