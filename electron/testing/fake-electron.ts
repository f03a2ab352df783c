/**
 * A stand-in for the parts of Electron the shell uses, recording what the shell does. Tests use it directly and
 * through `vi.mock('electron')`; nothing of the shell itself is mocked.
 */
import { EventEmitter } from 'node:events';
import type {
  BrowserWindowOptions,
  ElectronApi,
  IpcMainInvokeEventLike,
  LoginItemSettings,
  PermissionCheckDetails,
  PermissionRequestDetails,
  WebFrameLike,
} from '../electron-api.js';

export type CallLog = string[];

function event(): { preventDefault(): void; defaultPrevented: boolean } {
  const e = {
    defaultPrevented: false,
    preventDefault() {
      e.defaultPrevented = true;
    },
  };
  return e;
}

export class FakeSession {
  request?: (wc: unknown, permission: string, cb: (granted: boolean) => void, details: PermissionRequestDetails) => void;
  check?: (wc: unknown, permission: string, origin: string, details: PermissionCheckDetails) => boolean;
  device?: (details: unknown) => boolean;
  setPermissionRequestHandler(h: FakeSession['request'] | null): void {
    this.request = h ?? undefined;
  }
  setPermissionCheckHandler(h: FakeSession['check'] | null): void {
    this.check = h ?? undefined;
  }
  setDevicePermissionHandler(h: FakeSession['device'] | null): void {
    this.device = h ?? undefined;
  }
  ask(permission: string, details: PermissionRequestDetails): boolean {
    let granted = false;
    this.request?.(null, permission, (g) => (granted = g), details);
    return granted;
  }
}

export class FakeWebContents extends EventEmitter {
  readonly session = new FakeSession();
  readonly loads: string[] = [];
  openHandler?: (d: { url: string }) => { action: 'deny' } | { action: 'allow' };
  crashedOnPurpose = 0;
  destroyed = false;
  constructor(private readonly log: CallLog) {
    super();
  }
  setWindowOpenHandler(h: FakeWebContents['openHandler']): void {
    this.openHandler = h;
  }
  async loadURL(url: string): Promise<void> {
    this.log.push(`loadURL ${url}`);
    this.loads.push(url);
  }
  async loadFile(path: string, options?: { query?: Record<string, string> }): Promise<void> {
    const q = new URLSearchParams(options?.query ?? {}).toString();
    this.log.push(`loadFile ${path}`);
    this.loads.push(`file://${path}${q ? `?${q}` : ''}`);
  }
  getURL(): string {
    return this.loads.at(-1) ?? '';
  }
  forcefullyCrashRenderer(): void {
    this.crashedOnPurpose++;
    this.emit('render-process-gone', event(), { reason: 'crashed', exitCode: 11 });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** Fires a navigation the page started; true when the shell let it through. */
  navigate(url: string, kind: 'will-navigate' | 'will-redirect' = 'will-navigate'): boolean {
    const e = event();
    this.emit(kind, e, url);
    return !e.defaultPrevented;
  }
}

export class FakeWindow extends EventEmitter {
  readonly webContents: FakeWebContents;
  shown = false;
  focused = 0;
  constructor(
    readonly options: BrowserWindowOptions,
    log: CallLog,
  ) {
    super();
    log.push('new BrowserWindow');
    this.webContents = new FakeWebContents(log);
  }
  show(): void {
    this.shown = true;
  }
  focus(): void {
    this.focused++;
  }
  restore(): void {}
  isMinimized(): boolean {
    return false;
  }
  isDestroyed(): boolean {
    return false;
  }
}

export class FakeApp extends EventEmitter {
  lock = true;
  isPackaged = false;
  quitCount = 0;
  relaunched = 0;
  exited: number | undefined;
  quitted = false;
  hardwareAccelerationDisabled = false;
  loginItems: Array<{ path: string; args: string[]; enabled: boolean }> = [];
  exePath = '/opt/Returns Station/returns-station-kiosk';
  constructor(
    private readonly log: CallLog,
    private readonly userData: string,
  ) {
    super();
  }
  requestSingleInstanceLock(): boolean {
    this.log.push('requestSingleInstanceLock');
    return this.lock;
  }
  quit(): void {
    this.quitCount++;
    const e = event();
    this.emit('before-quit', e);
    if (!e.defaultPrevented) {
      this.quitted = true;
      this.log.push('quit');
    }
  }
  exit(code = 0): void {
    this.exited = code;
  }
  relaunch(): void {
    this.relaunched++;
  }
  async whenReady(): Promise<void> {
    this.log.push('whenReady');
  }
  disableHardwareAcceleration(): void {
    this.log.push('disableHardwareAcceleration');
    this.hardwareAccelerationDisabled = true;
  }
  getPath(name: 'userData' | 'exe'): string {
    return name === 'exe' ? this.exePath : this.userData;
  }
  getVersion(): string {
    return '0.1.0';
  }
  getLoginItemSettings(o?: { path?: string; args?: string[] }): { openAtLogin: boolean; launchItems: Array<{ path: string; args: string[]; enabled: boolean }> } {
    const match = this.loginItems.find((i) => i.enabled && i.path === o?.path && JSON.stringify(i.args) === JSON.stringify(o?.args ?? []));
    return { openAtLogin: match !== undefined, launchItems: this.loginItems.map((i) => ({ ...i })) };
  }
  setLoginItemSettings(s: LoginItemSettings): void {
    const args = s.args ?? [];
    const i = this.loginItems.findIndex((x) => x.path === s.path && JSON.stringify(x.args) === JSON.stringify(args));
    if (i >= 0) this.loginItems.splice(i, 1);
    if (s.openAtLogin) this.loginItems.push({ path: s.path ?? this.exePath, args, enabled: true });
  }
}

export class FakeIpcMain {
  readonly handlers = new Map<string, (e: IpcMainInvokeEventLike, ...args: unknown[]) => unknown>();
  handle(channel: string, listener: (e: IpcMainInvokeEventLike, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** Calls a handler as a page in `frame` would through the preload. */
  async invoke(channel: string, frame: WebFrameLike | null, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`no handler for ${channel}`);
    return h({ senderFrame: frame }, ...args);
  }
}

export class FakePowerSaveBlocker {
  readonly active = new Set<number>();
  private next = 1;
  types: string[] = [];
  start(type: 'prevent-app-suspension' | 'prevent-display-sleep'): number {
    this.types.push(type);
    const id = this.next++;
    this.active.add(id);
    return id;
  }
  stop(id: number): void {
    this.active.delete(id);
  }
  isStarted(id: number): boolean {
    return this.active.has(id);
  }
}

export interface FakeElectron extends ElectronApi {
  app: FakeApp;
  ipcMain: FakeIpcMain;
  powerSaveBlocker: FakePowerSaveBlocker;
  windows: FakeWindow[];
  log: CallLog;
}

export function createFakeElectron(userData: string): FakeElectron {
  const log: CallLog = [];
  const windows: FakeWindow[] = [];
  class BrowserWindow extends FakeWindow {
    constructor(options: BrowserWindowOptions) {
      super(options, log);
      windows.push(this);
    }
  }
  return { app: new FakeApp(log, userData), BrowserWindow, ipcMain: new FakeIpcMain(), powerSaveBlocker: new FakePowerSaveBlocker(), windows, log };
}

export function frame(url: string, parent: WebFrameLike | null = null): WebFrameLike {
  return { url, parent };
}
