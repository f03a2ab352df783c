import type { ElectronApi, BrowserWindowLike } from '../electron-api.js';

export interface ShellLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What the shell needs from the station it hosts in the same process. */
export interface StationHandle {
  /** Where the kiosk page is served, e.g. http://127.0.0.1:8080 (always a loopback address). */
  url: string;
  /** The station's own TLS certificate (PEM) when it serves HTTPS, so the kiosk trusts exactly that one. */
  certificatePem?: string | undefined;
  /** Closes ports, devices and the database in order. */
  stop(): Promise<void>;
  /** Tells HQ something is wrong with this station's screen. */
  alert(a: KioskAlert): void;
}

export interface KioskAlert {
  code: 'KIOSK_CRASH_LOOP' | 'KIOSK_GPU_DISABLED' | 'KIOSK_STATION_FAILED';
  message: string;
  at: number;
  details?: Record<string, unknown>;
}

export interface ShellSettings {
  /** Renderer crashes tolerated within `crashWindowMs` before the maintenance screen (BUG-55: 3 in 10 minutes). */
  maxCrashes: number;
  crashWindowMs: number;
  /** Delay before reloading after a crash: long enough not to spin, short enough to be back within 3 s. */
  reloadDelayMs: number;
  /** A renderer that stays unresponsive this long is crashed on purpose, so the crash path reloads it. */
  unresponsiveMs: number;
  maxGpuCrashes: number;
  gpuWindowMs: number;
  /** Where flag files (GPU off) live: Electron's userData folder. */
  stateDir: string;
  /** The maintenance page shipped with the shell (electron/maintenance.html). */
  maintenancePage: string;
}

export const DEFAULT_SETTINGS: Omit<ShellSettings, 'stateDir' | 'maintenancePage'> = {
  maxCrashes: 3,
  crashWindowMs: 10 * 60_000,
  reloadDelayMs: 1000,
  unresponsiveMs: 15_000,
  maxGpuCrashes: 3,
  gpuWindowMs: 10 * 60_000,
};

export interface ShellContext {
  electron: ElectronApi;
  window: BrowserWindowLike;
  station: StationHandle;
  settings: ShellSettings;
  log: ShellLog;
  now(): number;
  /** Starts the clean shutdown (station stopped first); with `relaunch` the app starts again afterwards. */
  requestQuit(opts?: { relaunch?: boolean }): void;
  /** Shows the maintenance screen with a reason; the shell stops reloading until a supervisor retries. */
  showMaintenance(reason: string, details?: Record<string, string>): void;
  /** Loads the station's page again (after a crash, or from the maintenance screen). */
  loadStation(): void;
  /** Shared state modules read: whether the last load followed a crash, whether GPU acceleration is off. */
  state: ShellState;
}

export interface ShellState {
  /** Times of recent renderer crashes (the sliding window of BUG-55). */
  crashTimes: number[];
  crashes: number;
  recoveredFromCrash: boolean;
  gpuDisabled: boolean;
  maintenance: boolean;
  quitting: boolean;
}

/** A piece of the main process, like trezor-suite's modules: wired at start, torn down at quit. */
export interface ShellModule {
  name: string;
  init(ctx: ShellContext): void | Promise<void>;
  onQuit?(): void | Promise<void>;
}
