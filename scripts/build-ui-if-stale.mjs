#!/usr/bin/env node
// `npm start` runs this: the UI is rebuilt only when a source it bundles is newer than the last build, so a
// second start is not slowed by an unchanged build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'src/ui/dist/index.html');
const sources = ['src/ui', 'src/server/api-types.ts', 'src/server/api', 'devices/scanner', 'devices/camera', 'package-lock.json'];

function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'dist' || entry === 'node_modules') continue;
    max = Math.max(max, newest(join(path, entry)));
  }
  return max;
}

const built = existsSync(out) ? statSync(out).mtimeMs : 0;
const src = Math.max(...sources.map((s) => newest(join(root, s))));
if (built > src) process.exit(0);
const r = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'src/ui/vite.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
