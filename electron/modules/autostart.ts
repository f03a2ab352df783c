import type { AppLike } from '../electron-api.js';
import type { ShellModule } from './types.js';

export interface Launcher {
  path: string;
  args: string[];
}

const VERSIONED = /[\\/]app-\d+\.\d+\.\d+[^\\/]*[\\/]/i;

export function hasVersionedSegment(path: string): boolean {
  return VERSIONED.test(path);
}

/**
 * BUG-58: start-at-login must name a launcher that survives updates. Squirrel installs each version in
 * `…\app-x.y.z\` beside a stable `Update.exe` stub; an AppImage runs from a temporary mount, its stable path is
 * $APPIMAGE. Everything else (deb in /opt, macOS bundle) already has a stable path.
 */
export function stableLauncher(platform: string, execPath: string, env: Record<string, string | undefined>): Launcher {
  if (platform === 'win32') {
    const m = /^(.*)[\\/]app-\d+\.\d+\.\d+[^\\/]*[\\/]([^\\/]+\.exe)$/i.exec(execPath);
    if (m?.[1] && m[2]) return { path: `${m[1]}\\Update.exe`, args: ['--processStart', m[2]] };
  }
  if (platform === 'linux' && env.APPIMAGE) return { path: env.APPIMAGE, args: [] };
  return { path: execPath, args: [] };
}

export type AutostartResult = 'systemd' | 'ok' | 'registered' | 'repaired';

/**
 * Checked on every start: registers the stable launcher if missing, and switches off any login item that points
 * into a versioned folder. On Linux the systemd unit starts the kiosk (packaging/systemd), so nothing is registered.
 */
export function ensureLoginItem(app: AppLike, platform: string, execPath: string, env: Record<string, string | undefined>): AutostartResult {
  if (platform !== 'win32' && platform !== 'darwin') return 'systemd';
  const launcher = stableLauncher(platform, execPath, env);
  const current = app.getLoginItemSettings({ path: launcher.path, args: launcher.args });
  const stale = (current.launchItems ?? []).filter((i) => hasVersionedSegment(i.path));
  for (const item of stale) app.setLoginItemSettings({ openAtLogin: false, path: item.path, args: item.args });
  if (!current.openAtLogin) {
    app.setLoginItemSettings({ openAtLogin: true, path: launcher.path, args: launcher.args });
    return stale.length > 0 ? 'repaired' : 'registered';
  }
  return stale.length > 0 ? 'repaired' : 'ok';
}

export function autostartModule(platform: string = process.platform, env: Record<string, string | undefined> = process.env): ShellModule {
  return {
    name: 'autostart',
    init(ctx) {
      const app = ctx.electron.app;
      if (!app.isPackaged) return;
      const result = ensureLoginItem(app, platform, app.getPath('exe'), env);
      if (result === 'repaired') ctx.log.warn({}, 'start-at-login pointed at an old version; repaired');
    },
  };
}
