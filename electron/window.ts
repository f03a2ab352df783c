import type { BrowserWindowOptions } from './electron-api.js';

/**
 * The one kiosk window, per Electron's security checklist: isolated context, sandboxed renderer, no Node in the
 * page or its workers and frames, no <webview>, web security on. A dark background so a reload never flashes white.
 */
export function kioskWindowOptions(preload: string, opts: { devTools: boolean }): BrowserWindowOptions {
  return {
    show: false,
    kiosk: true,
    fullscreen: true,
    autoHideMenuBar: true,
    backgroundColor: '#111827',
    title: 'Returns Station',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: opts.devTools,
      // The wedge scanner's timing detection needs timers that run at full rate.
      backgroundThrottling: false,
    },
  };
}
