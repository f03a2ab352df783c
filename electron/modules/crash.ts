import type { RenderGoneReason } from '../electron-api.js';
import type { ShellContext, ShellModule } from './types.js';

/** Adds a crash at `now` to the sliding window; true when the window now holds too many (stop reloading). */
export function recordCrash(times: number[], now: number, max: number, windowMs: number): { times: number[]; tooMany: boolean } {
  const recent = [...times.filter((t) => now - t < windowMs), now];
  return { times: recent, tooMany: recent.length >= max };
}

/** A clean exit happens when we close the window ourselves; everything else means the page is gone. */
export function isCrash(reason: RenderGoneReason): boolean {
  return reason !== 'clean-exit';
}

/**
 * BUG-55: the renderer dies after hours of uptime and leaves a white screen. On `render-process-gone` the page is
 * reloaded from the station (which keeps the in-progress return in SQLite, so it comes back as it was); after
 * `maxCrashes` within `crashWindowMs` the maintenance screen is shown and HQ alerted, instead of a reload loop.
 * A renderer that hangs is crashed on purpose after `unresponsiveMs`, so it takes the same path.
 */
export function crashModule(): ShellModule {
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const later = (ms: number, fn: () => void): ReturnType<typeof setTimeout> => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };

  return {
    name: 'crash',
    init(ctx: ShellContext) {
      const wc = ctx.window.webContents;
      const s = ctx.settings;

      wc.on('render-process-gone', (_e, details) => {
        if (ctx.state.quitting || !isCrash(details.reason)) return;
        const now = ctx.now();
        const r = recordCrash(ctx.state.crashTimes, now, s.maxCrashes, s.crashWindowMs);
        ctx.state.crashTimes = r.times;
        ctx.state.crashes += 1;
        ctx.log.error({ reason: details.reason, exitCode: details.exitCode, recent: r.times.length }, 'the screen crashed');
        if (r.tooMany) {
          const minutes = String(Math.round(s.crashWindowMs / 60_000));
          ctx.station.alert({
            code: 'KIOSK_CRASH_LOOP',
            message: `The station's screen crashed ${r.times.length} times in ${minutes} minutes; it shows the maintenance screen.`,
            at: now,
            details: { reason: details.reason, crashes: r.times.length },
          });
          ctx.showMaintenance('crash-loop', { crashes: String(r.times.length), minutes });
          return;
        }
        later(s.reloadDelayMs, () => {
          if (ctx.state.quitting || ctx.state.maintenance || ctx.window.isDestroyed()) return;
          ctx.state.recoveredFromCrash = true;
          ctx.loadStation();
        });
      });

      let hang: ReturnType<typeof setTimeout> | undefined;
      wc.on('unresponsive', () => {
        if (hang) return;
        ctx.log.warn({ afterMs: s.unresponsiveMs }, 'the screen stopped responding');
        hang = later(s.unresponsiveMs, () => {
          hang = undefined;
          if (!wc.isDestroyed()) wc.forcefullyCrashRenderer();
        });
      });
      wc.on('responsive', () => {
        if (hang) {
          clearTimeout(hang);
          timers.delete(hang);
          hang = undefined;
        }
      });

      // The station answers before the window exists, but a page load can still fail (station restarting): retry.
      wc.on('did-fail-load', (_e, errorCode, description, url, isMainFrame) => {
        // -3 is ERR_ABORTED: a navigation replaced by another one, not a failure.
        if (!isMainFrame || errorCode === -3 || ctx.state.maintenance || ctx.state.quitting) return;
        ctx.log.warn({ errorCode, description, url }, 'the station page did not load; trying again');
        later(Math.max(1000, s.reloadDelayMs), () => {
          if (!ctx.state.maintenance && !ctx.state.quitting && !ctx.window.isDestroyed()) ctx.loadStation();
        });
      });
    },
    onQuit() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
