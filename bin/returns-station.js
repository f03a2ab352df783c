#!/usr/bin/env node
// Runs the TypeScript CLI in this same process through tsx's loader, so signals (Ctrl+C, SIGTERM) reach the station
// directly and a fresh clone works without a build step.
//
// Loading the TypeScript takes a second or two. A Ctrl+C or SIGTERM in that time is held here (not left to kill the
// process silently) until the command decides: `demo`/`station` take it over and shut down cleanly
// (src/cli/signals.ts), every other command gets Node's default back and the held signal is raised again.
const KEY = Symbol.for('returns-station.early-signals');
let pending;
const hold = (sig) => {
  pending ??= sig;
};
const off = () => {
  process.off('SIGINT', hold);
  process.off('SIGTERM', hold);
};
process.on('SIGINT', hold);
process.on('SIGTERM', hold);
globalThis[KEY] = {
  take() {
    off();
    const sig = pending;
    pending = undefined;
    return sig;
  },
  release() {
    off();
    const sig = pending;
    pending = undefined;
    if (sig) process.kill(process.pid, sig);
  },
};

const { register } = await import('tsx/esm/api');
register();
await import('../src/cli.ts');
