/**
 * The part of Electron's main-process API the shell uses, typed here because the `electron` package (and its
 * binary) is not installed on our build machines. Real Electron objects satisfy these interfaces; tests pass fakes.
 * Keep this list short: every member is something the shell is allowed to do.
 */
export interface ElectronEvent {
  preventDefault(): void;
  /** Electron ≥ 25 passes navigation details on the event itself. */
  url?: string;
}

export type RenderGoneReason = 'clean-exit' | 'abnormal-exit' | 'killed' | 'crashed' | 'oom' | 'launch-failed' | 'integrity-failure' | 'memory-eviction';

export interface RenderProcessGoneDetails {
  reason: RenderGoneReason;
  exitCode: number;
}

export interface ChildProcessGoneDetails {
  type: string;
  reason: string;
  exitCode: number;
  name?: string;
}

export interface WebFrameLike {
  url: string;
  parent: WebFrameLike | null;
}

export interface IpcMainInvokeEventLike {
  senderFrame: WebFrameLike | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export interface PermissionRequestDetails {
  requestingUrl?: string;
  mediaTypes?: string[];
  isMainFrame?: boolean;
}

export interface PermissionCheckDetails {
  requestingUrl?: string;
  mediaType?: string;
  isMainFrame?: boolean;
}

export interface SessionLike {
  setPermissionRequestHandler(handler: ((wc: unknown, permission: string, callback: (granted: boolean) => void, details: PermissionRequestDetails) => void) | null): void;
  setPermissionCheckHandler(handler: ((wc: unknown, permission: string, requestingOrigin: string, details: PermissionCheckDetails) => boolean) | null): void;
  setDevicePermissionHandler(handler: ((details: unknown) => boolean) | null): void;
}

export interface WebContentsLike {
  on(event: 'render-process-gone', listener: (e: ElectronEvent, details: RenderProcessGoneDetails) => void): unknown;
  on(event: 'will-navigate' | 'will-redirect' | 'will-frame-navigate', listener: (e: ElectronEvent, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (e: ElectronEvent) => void): unknown;
  on(event: 'unresponsive' | 'responsive' | 'did-finish-load', listener: () => void): unknown;
  on(event: 'did-fail-load', listener: (e: ElectronEvent, errorCode: number, description: string, url: string, isMainFrame: boolean) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' } | { action: 'allow' }): void;
  loadURL(url: string): Promise<void>;
  loadFile(path: string, options?: { query?: Record<string, string> }): Promise<void>;
  getURL(): string;
  forcefullyCrashRenderer(): void;
  isDestroyed(): boolean;
  session: SessionLike;
}

export interface BrowserWindowOptions {
  show: boolean;
  kiosk: boolean;
  fullscreen: boolean;
  autoHideMenuBar: boolean;
  backgroundColor: string;
  title: string;
  webPreferences: {
    preload: string;
    contextIsolation: boolean;
    sandbox: boolean;
    nodeIntegration: boolean;
    nodeIntegrationInWorker: boolean;
    nodeIntegrationInSubFrames: boolean;
    webSecurity: boolean;
    allowRunningInsecureContent: boolean;
    webviewTag: boolean;
    navigateOnDragDrop: boolean;
    spellcheck: boolean;
    devTools: boolean;
    backgroundThrottling: boolean;
  };
}

export interface BrowserWindowLike {
  webContents: WebContentsLike;
  show(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isDestroyed(): boolean;
  once(event: 'ready-to-show', listener: () => void): unknown;
  on(event: 'closed', listener: () => void): unknown;
}

export interface LoginItemSettings {
  openAtLogin: boolean;
  path?: string;
  args?: string[];
}

export interface AppLike {
  requestSingleInstanceLock(): boolean;
  quit(): void;
  exit(code?: number): void;
  relaunch(): void;
  whenReady(): Promise<void>;
  disableHardwareAcceleration(): void;
  getPath(name: 'userData' | 'exe'): string;
  getVersion(): string;
  isPackaged: boolean;
  on(event: 'second-instance' | 'window-all-closed', listener: () => void): unknown;
  on(event: 'before-quit' | 'will-quit', listener: (e: ElectronEvent) => void): unknown;
  on(event: 'child-process-gone', listener: (e: ElectronEvent, details: ChildProcessGoneDetails) => void): unknown;
  on(event: 'web-contents-created', listener: (e: ElectronEvent, contents: WebContentsLike) => void): unknown;
  on(
    event: 'certificate-error',
    listener: (e: ElectronEvent, wc: unknown, url: string, error: string, certificate: { data: string }, callback: (trust: boolean) => void) => void,
  ): unknown;
  getLoginItemSettings(options?: { path?: string; args?: string[] }): { openAtLogin: boolean; launchItems?: Array<{ path: string; args: string[]; enabled: boolean }> };
  setLoginItemSettings(settings: LoginItemSettings): void;
}

export interface PowerSaveBlockerLike {
  start(type: 'prevent-app-suspension' | 'prevent-display-sleep'): number;
  stop(id: number): void;
  isStarted(id: number): boolean;
}

export interface ElectronApi {
  app: AppLike;
  BrowserWindow: new (options: BrowserWindowOptions) => BrowserWindowLike;
  ipcMain: IpcMainLike;
  powerSaveBlocker: PowerSaveBlockerLike;
}

/**
 * Loads Electron at run time. The specifier is a variable so TypeScript does not look for the package's types;
 * in tests `vi.mock('electron')` stands in for it.
 */
export async function loadElectron(): Promise<ElectronApi> {
  const id = 'electron';
  const mod = (await import(id)) as ElectronApi & { default?: ElectronApi };
  return mod.app ? mod : (mod.default as ElectronApi);
}
