/**
 * The kiosk shell's main process. Order matters and is tested (electron/main.test.ts):
 * 1. single-instance lock — before anything opens a serial port, a HID device or the database;
 * 2. the GPU flag — before Chromium is ready, when it decides on acceleration;
 * 3. the station starts (in this process) while Chromium starts;
 * 4. one hardened kiosk window on the station's loopback URL, with the modules in ./modules wired to it;
 * 5. quitting stops the modules, then the station (ports, devices, database), then exits.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyGpuFlagBeforeReady } from './modules/gpu.js';
import { defaultModules } from './modules/index.js';
import { createQuitFlow, type QuitFlow } from './modules/quit.js';
import { originOf, shouldTrustCertificate } from './modules/security.js';
import { DEFAULT_SETTINGS, type ShellContext, type ShellLog, type ShellModule, type ShellSettings, type StationHandle } from './modules/types.js';
import type { ElectronApi } from './electron-api.js';
import { kioskWindowOptions } from './window.js';

export interface BootOptions {
  /** Starts the station; called only once the single-instance lock is held. */
  startStation: () => Promise<StationHandle>;
  preloadPath: string;
  maintenancePage: string;
  log: ShellLog;
  stateDir?: string;
  settings?: Partial<ShellSettings>;
  modules?: ShellModule[];
  now?: () => number;
  /** Where SIGTERM/SIGINT are hooked (systemd stops the kiosk with SIGTERM). */
  onSignal?: (signal: 'SIGTERM' | 'SIGINT', handler: () => void) => void;
}

export interface Shell {
  ctx: ShellContext;
  quit: QuitFlow;
}

export async function bootstrap(electron: ElectronApi, o: BootOptions): Promise<Shell | undefined> {
  const { app } = electron;
  const log = o.log;
  if (!app.requestSingleInstanceLock()) {
    log.warn({}, 'another kiosk is already running on this machine; this one exits');
    app.quit();
    return undefined;
  }
  const stateDir = o.stateDir ?? app.getPath('userData');
  const gpuDisabled = applyGpuFlagBeforeReady(app, stateDir);
  if (gpuDisabled) log.warn({ stateDir }, 'graphics acceleration is off (flag file from earlier GPU crashes)');

  // Any web contents created later (there should be none) get the same refusals as the kiosk window.
  app.on('web-contents-created', (_e, wc) => {
    wc.on('will-attach-webview', (ev) => ev.preventDefault());
    wc.setWindowOpenHandler(() => ({ action: 'deny' }));
  });

  const stationP = o.startStation().then(
    (s) => ({ ok: true as const, s }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  await app.whenReady();
  const started = await stationP;
  const failed = !started.ok;
  const station: StationHandle = started.ok
    ? started.s
    : { url: 'http://127.0.0.1:0', stop: async () => undefined, alert: (a) => log.error({ alert: a }, a.message) };

  const stationOrigin = originOf(station.url) ?? '';
  app.on('certificate-error', (e, _wc, url, _error, certificate, callback) => {
    if (shouldTrustCertificate(url, certificate.data, stationOrigin, station.certificatePem)) {
      e.preventDefault();
      callback(true);
    } else {
      callback(false);
    }
  });

  const win = new electron.BrowserWindow(kioskWindowOptions(o.preloadPath, { devTools: !app.isPackaged }));
  const settings: ShellSettings = { ...DEFAULT_SETTINGS, stateDir, maintenancePage: o.maintenancePage, ...o.settings };
  const modules = o.modules ?? defaultModules();
  // Filled once the modules are wired; the context's requestQuit reads it lazily.
  const holder: { quit?: QuitFlow } = {};

  const ctx: ShellContext = {
    electron,
    window: win,
    station,
    settings,
    log,
    now: o.now ?? (() => Date.now()),
    state: { crashTimes: [], crashes: 0, recoveredFromCrash: false, gpuDisabled, maintenance: false, quitting: false },
    requestQuit: (opts) => holder.quit?.request(opts),
    showMaintenance: (reason, details = {}) => {
      ctx.state.maintenance = true;
      win.webContents.loadFile(settings.maintenancePage, { query: { reason, ...details } }).catch((e: unknown) => log.error({ err: e }, 'the maintenance screen did not load'));
    },
    loadStation: () => {
      // A station that failed to start cannot be reloaded into; restart the whole app instead.
      if (failed) return ctx.requestQuit({ relaunch: true });
      win.webContents.loadURL(station.url).catch((e: unknown) => log.warn({ err: e, url: station.url }, 'the station page did not load'));
    },
  };

  for (const m of modules) await m.init(ctx);
  const quit = createQuitFlow(
    app,
    [...[...modules].reverse().map((m) => ({ name: m.name, run: () => m.onQuit?.() })), { name: 'station', run: () => station.stop() }],
    log,
    10_000,
    () => {
      ctx.state.quitting = true;
    },
  );
  holder.quit = quit;
  const onSignal = o.onSignal ?? ((sig, h) => process.once(sig, h));
  onSignal('SIGTERM', () => app.quit());
  onSignal('SIGINT', () => app.quit());

  app.on('second-instance', () => {
    if (win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  win.once('ready-to-show', () => win.show());

  if (failed) {
    const message = started.ok ? '' : started.e instanceof Error ? started.e.message : String(started.e);
    log.error({ err: started.ok ? undefined : started.e }, 'the station did not start');
    station.alert({ code: 'KIOSK_STATION_FAILED', message: `The station did not start: ${message}`, at: ctx.now() });
    ctx.showMaintenance('station-failed', { error: message.slice(0, 300) });
  } else {
    ctx.loadStation();
  }
  return { ctx, quit };
}

/** Finds a file shipped beside the shell, whether running from electron/ (dev) or dist/electron/ (packaged). */
export function locateAsset(here: string, name: string): string {
  const candidates = [join(here, name), join(here, '..', '..', 'electron', name)];
  return candidates.find((p) => existsSync(p)) ?? (candidates[0] as string);
}

async function run(): Promise<void> {
  const { loadElectron } = await import('./electron-api.js');
  const { createLogger } = await import('../src/core/logger.js');
  const { parseHostArgs, startStation } = await import('./station-host.js');
  const electron = await loadElectron();
  const log = createLogger('kiosk');
  const here = dirname(fileURLToPath(import.meta.url));
  const args = parseHostArgs(process.argv, process.env);
  await bootstrap(electron, {
    startStation: () => startStation(args),
    preloadPath: join(here, 'preload.cjs'),
    maintenancePage: locateAsset(here, 'maintenance.html'),
    log,
  });
}

if (process.versions.electron) {
  run().catch((e: unknown) => {
    process.stderr.write(`returns-station kiosk: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
