import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StationError } from '../core/errors.js';
import { ensureWritableDir } from './data-dir.js';

function codeOf(fn: () => void): { code?: string; errno?: unknown } {
  try {
    fn();
    return {};
  } catch (e) {
    expect(e).toBeInstanceOf(StationError);
    const se = e as StationError & { details?: { errno?: unknown } };
    return { code: se.code, errno: se.details?.errno };
  }
}

describe('the data folder', () => {
  it('creates missing folders several levels deep and leaves no probe file behind', () => {
    const base = mkdtempSync(join(tmpdir(), 'rs-datadir-'));
    const dir = join(base, 'a', 'b', 'c');
    ensureWritableDir(dir);
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(existsSync(join(dir, `.write-test-${process.pid}`))).toBe(false);
    // A second start finds it in place.
    ensureWritableDir(dir);
  });

  it('a folder under a regular file is DATA_DIR_NOT_WRITABLE', () => {
    const base = mkdtempSync(join(tmpdir(), 'rs-datadir-'));
    const file = join(base, 'station.db');
    writeFileSync(file, '');
    expect(codeOf(() => ensureWritableDir(join(file, 'sub'))).code).toBe('DATA_DIR_NOT_WRITABLE');
  });

  // Node's recursive mkdir never returns for a path under /proc (the CLI hung on `--data-dir /proc/x`); a hang
  // fails this test by its timeout.
  it.skipIf(process.platform !== 'linux' || !existsSync('/proc/self'))('a folder under /proc is refused at once instead of hanging', () => {
    expect(codeOf(() => ensureWritableDir('/proc/returns-station-x/data'))).toEqual({ code: 'DATA_DIR_NOT_WRITABLE', errno: 'ENOENT' });
  });
});
