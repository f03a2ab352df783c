/**
 * The data folder is checked before anything opens a database in it, so a folder that cannot be written gives one
 * error naming the folder instead of SQLite's "unable to open database file" or a raw ENOTDIR.
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { StationError, errorMessage } from '../core/errors.js';

/** Creates `dir` if needed and proves it writable with a probe file; throws DATA_DIR_NOT_WRITABLE naming the path. */
export function ensureWritableDir(dir: string): void {
  const abs = resolve(dir);
  const probe = join(abs, `.write-test-${process.pid}`);
  try {
    makeDirs(abs);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOTDIR' || code === 'EEXIST' ? 'part of the path is a file, not a folder'
      : code === 'EACCES' || code === 'EPERM' ? 'this user may not write there'
      : code === 'EROFS' ? 'the disk is read-only'
      : code === 'ENOSPC' ? 'the disk is full'
      : code === 'ENOENT' ? 'no folder can be created there'
      : errorMessage(e);
    throw new StationError('DATA_DIR_NOT_WRITABLE', `The data folder ${abs} cannot be used: ${why}.`, {
      hint: 'Pass --data-dir <folder> (or dataDir in station.yaml) naming a folder this user can write.',
      details: { dataDir: abs, ...(code ? { errno: code } : {}) },
      cause: e,
    });
  }
}

/**
 * `mkdirSync(dir, { recursive: true })` one level at a time. Node's own recursive mkdir never returns on a path
 * under /proc (the kernel answers ENOENT under an existing parent and Node retries for ever), so
 * `--data-dir /proc/x` hung the CLI instead of refusing the folder.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  let d = dir;
  while (!isDir(d)) {
    missing.push(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const m of missing.reverse()) mkdirSync(m);
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
