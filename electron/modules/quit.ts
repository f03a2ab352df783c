import type { AppLike, ElectronEvent } from '../electron-api.js';
import type { ShellLog } from './types.js';

export interface QuitFlow {
  /** Starts the clean shutdown; `relaunch` starts the app again once everything is closed. */
  request(opts?: { relaunch?: boolean }): void;
  readonly done: Promise<void>;
}

/**
 * Quitting closes the station cleanly: the first `before-quit` is held back while every stop step runs in order
 * (modules, then the station: ports, devices, database), then the app quits for real. A step that hangs is cut
 * off after `timeoutMs` so a stuck reader never keeps the kiosk from restarting.
 */
export function createQuitFlow(app: AppLike, steps: Array<{ name: string; run: () => void | Promise<void> }>, log: ShellLog, timeoutMs = 10_000, onStart?: () => void): QuitFlow {
  let state: 'running' | 'stopping' | 'stopped' = 'running';
  let relaunch = false;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((r) => (resolveDone = r));

  const stopAll = async (): Promise<void> => {
    for (const step of steps) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(step.run),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`${step.name} did not stop within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } catch (e) {
        log.error({ step: step.name, err: e }, 'a part of the station did not stop cleanly');
      } finally {
        if (timer) clearTimeout(timer);
      }
    }
  };

  const begin = (): void => {
    if (state !== 'running') return;
    state = 'stopping';
    onStart?.();
    void stopAll().then(() => {
      state = 'stopped';
      resolveDone();
      if (relaunch) app.relaunch();
      app.quit();
    });
  };

  app.on('before-quit', (e: ElectronEvent) => {
    if (state === 'stopped') return;
    e.preventDefault();
    begin();
  });
  app.on('window-all-closed', () => app.quit());

  return {
    request(opts) {
      if (opts?.relaunch) relaunch = true;
      app.quit();
    },
    done,
  };
}
