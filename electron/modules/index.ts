import { autostartModule } from './autostart.js';
import { crashModule } from './crash.js';
import { gpuModule } from './gpu.js';
import { ipcModule } from './ipc.js';
import { powerModule } from './power.js';
import { securityModule } from './security.js';
import type { ShellModule } from './types.js';

/** The main process's parts, started in this order and stopped in reverse (security first: before any page loads). */
export function defaultModules(): ShellModule[] {
  return [securityModule, ipcModule(), crashModule(), gpuModule(), powerModule(), autostartModule()];
}

export type { ShellContext, ShellModule, ShellSettings, StationHandle, KioskAlert } from './types.js';
