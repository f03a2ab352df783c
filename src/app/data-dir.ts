/**
 * The data folder is checked before anything opens a database in it, so a folder that cannot be written gives one
 * error naming the folder instead of SQLite's "unable to open database file" or a raw ENOTDIR.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StationError, errorMessage } from '../core/errors.js';

/** Creates `dir` if needed and proves it writable with a probe file; throws DATA_DIR_NOT_WRITABLE naming the path. */
export function ensureWritableDir(dir: string): void {
  const abs = resolve(dir);
  const probe = join(abs, `.write-test-${process.pid}`);
  try {
    mkdirSync(abs, { recursive: true });
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOTDIR' || code === 'EEXIST' ? 'part of the path is a file, not a folder'
      : code === 'EACCES' || code === 'EPERM' ? 'this user may not write there'
      : code === 'EROFS' ? 'the disk is read-only'
      : code === 'ENOSPC' ? 'the disk is full'
      : errorMessage(e);
    throw new StationError('DATA_DIR_NOT_WRITABLE', `The data folder ${abs} cannot be used: ${why}.`, {
      hint: 'Pass --data-dir <folder> (or dataDir in station.yaml) naming a folder this user can write.',
      details: { dataDir: abs, ...(code ? { errno: code } : {}) },
      cause: e,
    });
  }
}
