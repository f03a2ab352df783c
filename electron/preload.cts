/**
 * The kiosk page's only bridge to the shell: two named functions, no generic `send`/`invoke`, no Node objects.
 * Sandboxed preloads must be CommonJS, hence `.cts`. The channel names match electron/modules/ipc.ts (a test
 * checks both lists); the main process checks every caller's frame and origin again.
 */
interface PreloadElectron {
  contextBridge: { exposeInMainWorld(key: string, api: Record<string, () => Promise<unknown>>): void };
  ipcRenderer: { invoke(channel: string): Promise<unknown> };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a sandboxed preload only has Electron's require
const electron = require('electron') as PreloadElectron;

electron.contextBridge.exposeInMainWorld('stationShell', {
  /** Version, whether this load follows a crash, GPU and maintenance state. */
  info: () => electron.ipcRenderer.invoke('shell:info'),
  /** From the maintenance screen: try the station's page again. */
  retry: () => electron.ipcRenderer.invoke('shell:retry'),
});
