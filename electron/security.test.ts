import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { autostartModule, ensureLoginItem, hasVersionedSegment, stableLauncher } from './modules/autostart.js';
import { recordCrash } from './modules/crash.js';
import { CHANNELS, handleChecked, isTrustedSender } from './modules/ipc.js';
import { decidePermissionCheck, decidePermissionRequest, hardenContents, hardenSession, isAllowedNavigation } from './modules/security.js';
import type { ShellContext } from './modules/types.js';
import { kioskUrl, parseHostArgs } from './station-host.js';
import { createFakeElectron, FakeSession, FakeWebContents, frame } from './testing/fake-electron.js';

const here = dirname(fileURLToPath(import.meta.url));
const ORIGIN = 'http://127.0.0.1:8080';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('permissions: only the camera, only for the station page', () => {
  it('grants video capture to the station origin', () => {
    expect(decidePermissionRequest('media', { requestingUrl: `${ORIGIN}/operator`, mediaTypes: ['video'], isMainFrame: true }, ORIGIN)).toBe(true);
  });

  it('refuses the microphone, other origins, subframes and every other permission', () => {
    expect(decidePermissionRequest('media', { requestingUrl: ORIGIN, mediaTypes: ['audio'] }, ORIGIN)).toBe(false);
    expect(decidePermissionRequest('media', { requestingUrl: ORIGIN, mediaTypes: ['video', 'audio'] }, ORIGIN)).toBe(false);
    expect(decidePermissionRequest('media', { requestingUrl: ORIGIN, mediaTypes: [] }, ORIGIN)).toBe(false);
    expect(decidePermissionRequest('media', { requestingUrl: 'http://127.0.0.1:9999/', mediaTypes: ['video'] }, ORIGIN)).toBe(false);
    expect(decidePermissionRequest('media', { requestingUrl: ORIGIN, mediaTypes: ['video'], isMainFrame: false }, ORIGIN)).toBe(false);
    for (const p of ['geolocation', 'notifications', 'hid', 'serial', 'usb', 'clipboard-read', 'display-capture', 'openExternal', 'fullscreen', 'pointerLock'])
      expect(decidePermissionRequest(p, { requestingUrl: ORIGIN, mediaTypes: ['video'] }, ORIGIN)).toBe(false);
    expect(decidePermissionCheck('media', ORIGIN, { mediaType: 'video' }, ORIGIN)).toBe(true);
    expect(decidePermissionCheck('media', ORIGIN, { mediaType: 'audio' }, ORIGIN)).toBe(false);
    expect(decidePermissionCheck('notifications', ORIGIN, {}, ORIGIN)).toBe(false);
  });

  it('the session handlers apply those decisions and refuse device pickers', () => {
    const s = new FakeSession();
    hardenSession(s, ORIGIN);
    expect(s.ask('media', { requestingUrl: ORIGIN, mediaTypes: ['video'] })).toBe(true);
    expect(s.ask('media', { requestingUrl: ORIGIN, mediaTypes: ['audio'] })).toBe(false);
    expect(s.device?.({ deviceType: 'hid' })).toBe(false);
  });

  it('property: nothing but media/video from the station origin is ever granted', () => {
    fc.assert(
      fc.property(fc.string(), fc.webUrl(), fc.array(fc.constantFrom('video', 'audio', 'x')), (perm, url, types) => {
        const granted = decidePermissionRequest(perm, { requestingUrl: url, mediaTypes: types }, ORIGIN);
        return !granted || (perm === 'media' && new URL(url).origin === ORIGIN && types.every((t) => t === 'video'));
      }),
    );
  });
});

describe('navigation and new windows', () => {
  it('the page may move within the station and nowhere else', () => {
    expect(isAllowedNavigation(`${ORIGIN}/login?next=%2F`, ORIGIN)).toBe(true);
    for (const u of ['https://example.com/', 'http://127.0.0.1:8081/', 'file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,x', 'not a url'])
      expect(isAllowedNavigation(u, ORIGIN)).toBe(false);
  });

  it('navigation, redirects, window.open and <webview> are refused on the web contents', () => {
    const wc = new FakeWebContents([]);
    hardenContents(wc, ORIGIN, quiet);
    expect(wc.navigate(`${ORIGIN}/supervisor`)).toBe(true);
    expect(wc.navigate('https://phish.example/')).toBe(false);
    expect(wc.navigate('https://phish.example/', 'will-redirect')).toBe(false);
    expect(wc.openHandler?.({ url: `${ORIGIN}/popup` })).toEqual({ action: 'deny' });
    let prevented = false;
    wc.emit('will-attach-webview', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
  });
});

describe('IPC: every handler checks its sender', () => {
  const maint = 'file:///opt/rs/electron/maintenance.html';
  const rule = { origins: [ORIGIN], files: [maint] };

  it('trusts the top frame of the station page or of our maintenance page only', () => {
    expect(isTrustedSender(frame(`${ORIGIN}/operator`), rule)).toBe(true);
    expect(isTrustedSender(frame(`${maint}?reason=crash-loop#x`), rule)).toBe(true);
    expect(isTrustedSender(frame(`${ORIGIN}/x`, frame(ORIGIN)), rule)).toBe(false);
    expect(isTrustedSender(frame('https://evil.example/'), rule)).toBe(false);
    expect(isTrustedSender(frame('file:///tmp/evil.html'), rule)).toBe(false);
    expect(isTrustedSender(frame('http://127.0.0.1:8081/'), rule)).toBe(false);
    expect(isTrustedSender(null, rule)).toBe(false);
  });

  it('an untrusted caller gets an error and the handler does not run', async () => {
    const fake = createFakeElectron('/tmp/x');
    let ran = 0;
    handleChecked({ electron: fake, log: quiet } as unknown as ShellContext, 'shell:test', rule, () => ++ran);
    await expect(fake.ipcMain.invoke('shell:test', frame('https://evil.example/'))).rejects.toMatchObject({ code: 'KIOSK_UNTRUSTED_SENDER' });
    expect(ran).toBe(0);
    expect(await fake.ipcMain.invoke('shell:test', frame(ORIGIN))).toBe(1);
  });

  it('the preload exposes named functions only, on exactly the channels main handles', () => {
    const src = readFileSync(join(here, 'preload.cts'), 'utf8');
    const invoked = [...src.matchAll(/ipcRenderer\.invoke\('([^']+)'/g)].map((m) => m[1]).sort();
    expect(invoked).toEqual(Object.values(CHANNELS).sort());
    expect(src.match(/contextBridge\.exposeInMainWorld\(/g)).toHaveLength(1);
    // Never the raw ipcRenderer, never a channel chosen by the page, never send/on.
    expect(src).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer\s*[,)]/);
    expect(src).not.toMatch(/ipcRenderer\.invoke\((?!')/);
    expect(src).not.toMatch(/ipcRenderer\.(send|on|sendSync)\b/);
  });

  it('the maintenance page loads no remote content and no inline script or style', () => {
    const html = readFileSync(join(here, 'maintenance.html'), 'utf8');
    expect(html).toContain(`content="default-src 'none'; script-src 'self'; style-src 'self'"`);
    expect(html).not.toMatch(/<style|style=|unsafe-inline/i);
    expect(html).toContain('<link rel="stylesheet" href="maintenance.css">');
    expect(html).not.toMatch(/<script>(?!<\/script>)/);
    expect(html).not.toMatch(/https?:\/\//);
  });
});

describe('crash window', () => {
  it('property: never more than max-1 reloads inside any window', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30 * 60_000 }), { maxLength: 40 }), (gaps) => {
        let times: number[] = [];
        let t = 0;
        for (const g of gaps) {
          t += g;
          const r = recordCrash(times, t, 3, 10 * 60_000);
          times = r.times;
          if (r.tooMany) return times.length >= 3 && times.every((x) => t - x < 10 * 60_000);
        }
        return times.length < 3;
      }),
    );
  });
});

describe('BUG-58: start at login survives updates', () => {
  const v12 = 'C:\\Users\\ops\\AppData\\Local\\ReturnsStation\\app-1.2.0\\ReturnsStation.exe';
  const v13 = 'C:\\Users\\ops\\AppData\\Local\\ReturnsStation\\app-1.3.0\\ReturnsStation.exe';

  it('BUG-58: the launcher is the version-independent Update.exe stub, not app-x.y.z', () => {
    const l = stableLauncher('win32', v13, {});
    expect(l).toEqual({ path: 'C:\\Users\\ops\\AppData\\Local\\ReturnsStation\\Update.exe', args: ['--processStart', 'ReturnsStation.exe'] });
    expect(hasVersionedSegment(l.path)).toBe(false);
    expect(hasVersionedSegment(v12)).toBe(true);
    expect(stableLauncher('linux', '/tmp/.mount_Rs1a2b/returns-station-kiosk', { APPIMAGE: '/opt/returns-station/ReturnsStation.AppImage' }).path).toBe('/opt/returns-station/ReturnsStation.AppImage');
  });

  it('BUG-58: after updating 1.2.0 → 1.3.0 the stale item is switched off and the stable one registered', () => {
    const fake = createFakeElectron('/tmp/x');
    fake.app.loginItems = [{ path: v12, args: [], enabled: true }];
    expect(ensureLoginItem(fake.app, 'win32', v13, {})).toBe('repaired');
    expect(fake.app.loginItems).toEqual([{ path: 'C:\\Users\\ops\\AppData\\Local\\ReturnsStation\\Update.exe', args: ['--processStart', 'ReturnsStation.exe'], enabled: true }]);
    expect(fake.app.loginItems.every((i) => !hasVersionedSegment(i.path))).toBe(true);
    // Checked again on the next start: nothing to do.
    expect(ensureLoginItem(fake.app, 'win32', v13, {})).toBe('ok');
  });

  it('BUG-58: on Linux the systemd unit starts the kiosk; no login item is written', async () => {
    const fake = createFakeElectron('/tmp/x');
    fake.app.isPackaged = true;
    await autostartModule('linux', {}).init({ electron: fake, log: quiet } as unknown as ShellContext);
    expect(fake.app.loginItems).toEqual([]);
  });
});

describe('station host', () => {
  it('reads our flags among Chromium ones, with env fallbacks', () => {
    expect(parseHostArgs(['/opt/rs/kiosk', '--ozone-platform=wayland', '--config', '/etc/rs.yaml', '--demo'], {})).toEqual({ config: '/etc/rs.yaml', dataDir: undefined, demo: true });
    expect(parseHostArgs(['kiosk', '--data-dir=/var/lib/rs'], { RETURNS_STATION_CONFIG: '/etc/x.yaml' })).toEqual({ config: '/etc/x.yaml', dataDir: '/var/lib/rs', demo: false });
  });

  it('the kiosk always opens a loopback address, https when the station serves TLS', () => {
    expect(kioskUrl({ host: '127.0.0.1' }, 8080)).toBe('http://127.0.0.1:8080');
    expect(kioskUrl({ host: '0.0.0.0', tls: { cert: 'c', key: 'k' } }, 8443)).toBe('https://127.0.0.1:8443');
    expect(kioskUrl({ host: '::1' }, 8080)).toBe('http://[::1]:8080');
  });
});
