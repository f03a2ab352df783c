import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppLike } from '../electron-api.js';
import { recordCrash } from './crash.js';
import type { ShellContext, ShellModule } from './types.js';

export const GPU_FLAG_FILE = 'gpu-disabled.json';

export interface GpuFlag {
  disabledAt: string;
  reason: string;
  crashes: number;
}

export function readGpuFlag(stateDir: string): GpuFlag | undefined {
  const p = join(stateDir, GPU_FLAG_FILE);
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as GpuFlag;
  } catch {
    // A damaged flag still means someone decided the GPU is unsafe here: keep it off.
    return { disabledAt: 'unknown', reason: 'unreadable flag file', crashes: 0 };
  }
}

export function writeGpuFlag(stateDir: string, flag: GpuFlag): void {
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(join(stateDir, GPU_FLAG_FILE), `${JSON.stringify(flag, null, 2)}\n`);
}

/**
 * Must run before `app.whenReady()`: Chromium decides on GPU use at start. Returns whether acceleration is off.
 * Delete the flag file (docs/kiosk.md) after a driver fix to turn acceleration back on.
 */
export function applyGpuFlagBeforeReady(app: AppLike, stateDir: string): boolean {
  if (!readGpuFlag(stateDir)) return false;
  app.disableHardwareAcceleration();
  return true;
}

/** GPU process deaths that are crashes (not a clean exit when the app quits). */
export function isGpuCrash(details: { type: string; reason: string }): boolean {
  return details.type === 'GPU' && details.reason !== 'clean-exit';
}

/**
 * Repeated GPU process crashes (bad drivers on cheap panel PCs) make Chromium fall back slowly or show black frames.
 * After `maxGpuCrashes` within `gpuWindowMs` the flag file is written and the app restarts cleanly without the GPU.
 */
export function gpuModule(): ShellModule {
  let times: number[] = [];
  return {
    name: 'gpu',
    init(ctx: ShellContext) {
      ctx.electron.app.on('child-process-gone', (_e, details) => {
        if (!isGpuCrash(details) || ctx.state.gpuDisabled || ctx.state.quitting) return;
        const now = ctx.now();
        const r = recordCrash(times, now, ctx.settings.maxGpuCrashes, ctx.settings.gpuWindowMs);
        times = r.times;
        ctx.log.warn({ reason: details.reason, exitCode: details.exitCode, recent: times.length }, 'the GPU process crashed');
        if (!r.tooMany) return;
        writeGpuFlag(ctx.settings.stateDir, { disabledAt: new Date(now).toISOString(), reason: details.reason, crashes: times.length });
        ctx.state.gpuDisabled = true;
        ctx.station.alert({ code: 'KIOSK_GPU_DISABLED', message: 'The screen turned off graphics acceleration after repeated GPU crashes and restarts.', at: now });
        ctx.requestQuit({ relaunch: true });
      });
    },
  };
}
