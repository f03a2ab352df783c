import type { ShellModule } from './types.js';

/** The dock screen must not blank or sleep mid-shift; released at quit so the OS can manage the panel again. */
export function powerModule(): ShellModule {
  let release: (() => void) | undefined;
  return {
    name: 'power',
    init(ctx) {
      const psb = ctx.electron.powerSaveBlocker;
      const id = psb.start('prevent-display-sleep');
      release = () => {
        if (psb.isStarted(id)) psb.stop(id);
      };
    },
    onQuit() {
      release?.();
    },
  };
}
