import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadElectron } from './electron-api.js';
import { bootstrap, type BootOptions } from './main.js';
import { GPU_FLAG_FILE } from './modules/gpu.js';
import { CHANNELS } from './modules/ipc.js';
import type { KioskAlert, StationHandle } from './modules/types.js';
import { createFakeElectron, frame, type FakeElectron } from './testing/fake-electron.js';

vi.mock('electron', async () => {
  const { createFakeElectron: make } = await import('./testing/fake-electron.js');
  return make('/tmp/returns-station-mocked');
});

const STATION = 'http://127.0.0.1:8080';
const MAINT = '/opt/rs/electron/maintenance.html';

interface Harness {
  fake: FakeElectron;
  station: StationHandle & { stopped: number; alerts: KioskAlert[] };
  opts: BootOptions;
  clock: { t: number };
  signals: Map<string, () => void>;
}

function harness(over: Partial<BootOptions> = {}, stateDir = mkdtempSync(join(tmpdir(), 'rs-kiosk-'))): Harness {
  const fake = createFakeElectron(stateDir);
  const clock = { t: 1_000_000 };
  const signals = new Map<string, () => void>();
  const station = {
    url: STATION,
    stopped: 0,
    alerts: [] as KioskAlert[],
    async stop() {
      fake.log.push('station.stop');
      await new Promise((r) => setTimeout(r, 5));
      station.stopped++;
    },
    alert(a: KioskAlert) {
      station.alerts.push(a);
    },
  };
  const opts: BootOptions = {
    startStation: async () => {
      fake.log.push('startStation');
      return station;
    },
    preloadPath: '/opt/rs/dist/electron/preload.cjs',
    maintenancePage: MAINT,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    stateDir,
    settings: { reloadDelayMs: 5, unresponsiveMs: 20 },
    now: () => clock.t,
    onSignal: (sig, h) => signals.set(sig, h),
    ...over,
  };
  return { fake, station, opts, clock, signals };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('kiosk start-up', () => {
  it('loads Electron through the `electron` module (mocked here)', async () => {
    const e = await loadElectron();
    expect(typeof e.app.requestSingleInstanceLock).toBe('function');
    expect(e.app.getPath('userData')).toBe('/tmp/returns-station-mocked');
  });

  it('takes the single-instance lock before the station (devices, database) starts', async () => {
    const h = harness();
    await bootstrap(h.fake, h.opts);
    const log = h.fake.log;
    expect(log.indexOf('requestSingleInstanceLock')).toBe(0);
    expect(log.indexOf('startStation')).toBeGreaterThan(log.indexOf('requestSingleInstanceLock'));
    expect(log.indexOf('new BrowserWindow')).toBeGreaterThan(log.indexOf('whenReady'));
    expect(log.at(-1)).toBe(`loadURL ${STATION}`);
  });

  it('a second kiosk on the same machine starts nothing and quits', async () => {
    const h = harness();
    h.fake.app.lock = false;
    const start = vi.fn(h.opts.startStation);
    expect(await bootstrap(h.fake, { ...h.opts, startStation: start })).toBeUndefined();
    expect(start).not.toHaveBeenCalled();
    expect(h.fake.windows).toHaveLength(0);
    expect(h.fake.app.quitted).toBe(true);
  });

  it('the first kiosk comes to the front when a second one is started', async () => {
    const h = harness();
    await bootstrap(h.fake, h.opts);
    h.fake.app.emit('second-instance');
    expect(h.fake.windows[0]?.focused).toBe(1);
  });

  it('opens one hardened kiosk window: kiosk, contextIsolation, sandbox, no Node, no webview', async () => {
    const h = harness();
    await bootstrap(h.fake, h.opts);
    const o = h.fake.windows[0]?.options;
    expect(o).toMatchObject({ kiosk: true, show: false });
    expect(o?.webPreferences).toMatchObject({
      preload: '/opt/rs/dist/electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    h.fake.windows[0]?.emit('ready-to-show');
    expect(h.fake.windows[0]?.shown).toBe(true);
    expect(h.fake.powerSaveBlocker.types).toEqual(['prevent-display-sleep']);
  });

  it('a station that cannot start shows the maintenance screen (never a white page) and alerts HQ', async () => {
    const h = harness({
      startStation: async () => {
        throw new Error('database is locked');
      },
    });
    const errors: string[] = [];
    const shell = await bootstrap(h.fake, { ...h.opts, log: { ...h.opts.log, error: (_o, msg) => errors.push(msg) } });
    const wc = h.fake.windows[0]?.webContents;
    expect(wc?.loads).toEqual([`file://${MAINT}?reason=station-failed&error=database+is+locked`]);
    // "Try again" from the maintenance screen restarts the whole app, station included.
    await h.fake.ipcMain.invoke(CHANNELS.retry, frame(`file://${MAINT}?reason=station-failed`));
    await shell?.quit.done;
    expect(h.fake.app.relaunched).toBe(1);
    expect(errors).toContain('The station did not start: database is locked');
  });
});

describe('BUG-55: renderer crashes', () => {
  it('BUG-55: a crash reloads the station page within 3 s (the in-progress return comes back from the station)', async () => {
    const h = harness({ settings: {} });
    const shell = await bootstrap(h.fake, h.opts);
    expect(shell?.ctx.settings.reloadDelayMs).toBeLessThan(3000);
    const wc = h.fake.windows[0]?.webContents;
    vi.useFakeTimers();
    try {
      wc?.forcefullyCrashRenderer();
      expect(wc?.loads).toEqual([STATION]);
      await vi.advanceTimersByTimeAsync(3000);
      expect(wc?.loads).toEqual([STATION, STATION]);
    } finally {
      vi.useRealTimers();
    }
    expect(await h.fake.ipcMain.invoke(CHANNELS.info, frame(`${STATION}/`))).toMatchObject({ recoveredFromCrash: true, crashes: 1, maintenance: false });
  });

  it('BUG-55: three crashes within 10 minutes show the maintenance screen, alert HQ, and stop reloading', async () => {
    const h = harness();
    await bootstrap(h.fake, h.opts);
    const wc = h.fake.windows[0]?.webContents;
    for (let i = 0; i < 3; i++) {
      wc?.forcefullyCrashRenderer();
      await sleep(20);
      h.clock.t += 4 * 60_000 - 1;
    }
    const loads = wc?.loads ?? [];
    expect(loads.filter((u) => u === STATION)).toHaveLength(3);
    expect(loads.at(-1)).toBe(`file://${MAINT}?reason=crash-loop&crashes=3&minutes=10`);
    expect(h.station.alerts.map((a) => a.code)).toEqual(['KIOSK_CRASH_LOOP']);
    // A fourth crash (the maintenance page itself) does not start a reload loop.
    wc?.forcefullyCrashRenderer();
    await sleep(20);
    expect(wc?.loads.at(-1)).toContain('maintenance.html');
    // The supervisor's "Try again" loads the station again with a fresh crash budget.
    expect(await h.fake.ipcMain.invoke(CHANNELS.retry, frame(`file://${MAINT}?reason=crash-loop`))).toBe(true);
    expect(wc?.loads.at(-1)).toBe(STATION);
  });

  it('BUG-55: crashes spread over more than the window keep reloading', async () => {
    const h = harness();
    await bootstrap(h.fake, h.opts);
    const wc = h.fake.windows[0]?.webContents;
    for (let i = 0; i < 5; i++) {
      wc?.forcefullyCrashRenderer();
      await sleep(20);
      h.clock.t += 6 * 60_000;
    }
    expect(wc?.loads.every((u) => u === STATION)).toBe(true);
    expect(wc?.loads).toHaveLength(6);
  });

  it('a hung page is crashed on purpose after the limit, unless it recovers first', async () => {
    const h = harness();
    await bootstrap(h.fake, h.opts);
    const wc = h.fake.windows[0]?.webContents;
    wc?.emit('unresponsive');
    wc?.emit('responsive');
    await sleep(40);
    expect(wc?.crashedOnPurpose).toBe(0);
    wc?.emit('unresponsive');
    await sleep(40);
    expect(wc?.crashedOnPurpose).toBe(1);
  });
});

describe('GPU crashes', () => {
  it('after three GPU crashes a flag file turns acceleration off, applied before ready on the next start', async () => {
    const h = harness();
    await bootstrap(h.fake, h.opts);
    for (let i = 0; i < 3; i++) h.fake.app.emit('child-process-gone', { preventDefault() {} }, { type: 'GPU', reason: 'crashed', exitCode: 139 });
    const flagPath = join(h.opts.stateDir ?? '', GPU_FLAG_FILE);
    expect(existsSync(flagPath)).toBe(true);
    expect(JSON.parse(readFileSync(flagPath, 'utf8'))).toMatchObject({ reason: 'crashed', crashes: 3 });
    expect(h.station.alerts.map((a) => a.code)).toEqual(['KIOSK_GPU_DISABLED']);
    await sleep(30);
    expect(h.station.stopped).toBe(1);
    expect(h.fake.app.relaunched).toBe(1);

    const next = harness({}, h.opts.stateDir);
    await bootstrap(next.fake, next.opts);
    const log = next.fake.log;
    expect(log.indexOf('disableHardwareAcceleration')).toBeGreaterThan(-1);
    expect(log.indexOf('disableHardwareAcceleration')).toBeLessThan(log.indexOf('whenReady'));
    expect(await next.fake.ipcMain.invoke(CHANNELS.info, frame(STATION))).toMatchObject({ gpuDisabled: true });
  });

  it('other child processes and clean GPU exits are not counted', async () => {
    const h = harness();
    await bootstrap(h.fake, h.opts);
    for (let i = 0; i < 5; i++) {
      h.fake.app.emit('child-process-gone', { preventDefault() {} }, { type: 'Utility', reason: 'crashed', exitCode: 1 });
      h.fake.app.emit('child-process-gone', { preventDefault() {} }, { type: 'GPU', reason: 'clean-exit', exitCode: 0 });
    }
    expect(existsSync(join(h.opts.stateDir ?? '', GPU_FLAG_FILE))).toBe(false);
  });
});

describe('quitting', () => {
  it('holds the quit until the station has stopped, then quits; SIGTERM takes the same path', async () => {
    const h = harness();
    const shell = await bootstrap(h.fake, h.opts);
    h.signals.get('SIGTERM')?.();
    expect(h.fake.app.quitted).toBe(false);
    await shell?.quit.done;
    expect(h.station.stopped).toBe(1);
    expect(h.fake.app.quitted).toBe(true);
    expect(h.fake.log.indexOf('station.stop')).toBeLessThan(h.fake.log.indexOf('quit'));
    expect(h.fake.powerSaveBlocker.active.size).toBe(0);
    expect(h.fake.ipcMain.handlers.size).toBe(0);
    // A crash while quitting does not reload anything.
    const loads = h.fake.windows[0]?.webContents.loads.length;
    h.fake.windows[0]?.webContents.forcefullyCrashRenderer();
    await sleep(20);
    expect(h.fake.windows[0]?.webContents.loads.length).toBe(loads);
  });
});

describe('TLS station', () => {
  it('trusts exactly the station certificate for exactly the station origin', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    const h = harness();
    const station = { url: 'https://127.0.0.1:8443', certificatePem: pem, stop: async () => undefined, alert: () => undefined };
    await bootstrap(h.fake, { ...h.opts, startStation: async () => station });
    const decide = (url: string, data: string): boolean => {
      let trusted = false;
      h.fake.app.emit('certificate-error', { preventDefault() {} }, null, url, 'net::ERR_CERT_AUTHORITY_INVALID', { data }, (t: boolean) => (trusted = t));
      return trusted;
    };
    expect(decide('https://127.0.0.1:8443/', pem)).toBe(true);
    expect(decide('https://127.0.0.1:8443/', pem.replace('AAAA', 'BBBB'))).toBe(false);
    expect(decide('https://evil.example/', pem)).toBe(false);
  });
});
