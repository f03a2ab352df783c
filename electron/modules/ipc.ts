import { pathToFileURL } from 'node:url';
import type { IpcMainInvokeEventLike, WebFrameLike } from '../electron-api.js';
import { originOf } from './security.js';
import type { ShellContext, ShellModule } from './types.js';

/** The channels the preload exposes; electron/preload.cts names the same strings (a test keeps them in step). */
export const CHANNELS = { info: 'shell:info', retry: 'shell:retry' } as const;

export interface SenderRule {
  /** Origins allowed to call (the station's page). */
  origins: string[];
  /** Exact file pages allowed to call (the maintenance screen), compared without query or hash. */
  files?: string[];
}

/**
 * A call is trusted only from the top frame of a page we loaded: the station's origin, or our own maintenance page.
 * An iframe, a page navigated elsewhere, or a missing frame (the page went away mid-call) is refused.
 */
export function isTrustedSender(frame: WebFrameLike | null | undefined, rule: SenderRule): boolean {
  if (!frame || frame.parent !== null) return false;
  const origin = originOf(frame.url);
  if (origin !== undefined) return rule.origins.includes(origin);
  try {
    const u = new URL(frame.url);
    if (u.protocol !== 'file:') return false;
    u.search = '';
    u.hash = '';
    return (rule.files ?? []).includes(u.href);
  } catch {
    return false;
  }
}

export class UntrustedSenderError extends Error {
  readonly code = 'KIOSK_UNTRUSTED_SENDER';
}

export function handleChecked(ctx: ShellContext, channel: string, rule: SenderRule, fn: (...args: unknown[]) => unknown): void {
  ctx.electron.ipcMain.handle(channel, (event: IpcMainInvokeEventLike, ...args: unknown[]) => {
    if (!isTrustedSender(event.senderFrame, rule)) {
      ctx.log.warn({ channel, url: event.senderFrame?.url }, 'IPC call from an untrusted frame refused');
      throw new UntrustedSenderError(`${channel} refused`);
    }
    return fn(...args);
  });
}

export interface ShellInfo {
  version: string;
  recoveredFromCrash: boolean;
  crashes: number;
  gpuDisabled: boolean;
  maintenance: boolean;
}

export function ipcModule(): ShellModule {
  let remove: (() => void) | undefined;
  return {
    name: 'ipc',
    init(ctx) {
      const origin = originOf(ctx.station.url) ?? '';
      const maintenance = pathToFileURL(ctx.settings.maintenancePage).href;
      handleChecked(ctx, CHANNELS.info, { origins: [origin], files: [maintenance] }, (): ShellInfo => ({
        version: ctx.electron.app.getVersion(),
        recoveredFromCrash: ctx.state.recoveredFromCrash,
        crashes: ctx.state.crashes,
        gpuDisabled: ctx.state.gpuDisabled,
        maintenance: ctx.state.maintenance,
      }));
      // Only the maintenance screen may ask for another try; the station's page has no use for it.
      handleChecked(ctx, CHANNELS.retry, { origins: [], files: [maintenance] }, () => {
        ctx.log.info({}, 'retry requested from the maintenance screen');
        ctx.state.maintenance = false;
        ctx.state.crashTimes = [];
        ctx.loadStation();
        return true;
      });
      remove = () => {
        for (const c of Object.values(CHANNELS)) ctx.electron.ipcMain.removeHandler(c);
      };
    },
    onQuit() {
      remove?.();
    },
  };
}
