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

// `npm start` builds the web UI first; running `demo` (or `station`) directly on a fresh clone should serve the same
// page, so the UI is built here when it has never been built. A failed build (no dev dependencies) leaves the
// station running with a page that says how to build it.
const command = process.argv.slice(2).find((a) => !a.startsWith('-'));
if (command === 'demo' || command === 'station') {
  const { existsSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const ui = fileURLToPath(new URL('../src/ui/dist/index.html', import.meta.url));
  if (!existsSync(ui)) {
    const { spawnSync } = await import('node:child_process');
    process.stderr.write('returns-station: building the web UI once (a minute at most)…\n');
    spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/build-ui-if-stale.mjs', import.meta.url))], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
}

const { register } = await import('tsx/esm/api');
register();
await import('../src/cli.ts');
