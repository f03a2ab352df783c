/**
 * First-user test: `hq --stations --db data/station.db` (a station's database given by mistake) added six hq_* tables
 * to the station's file and printed an empty view; a file that is not a database at all got the hint "Check that the
 * folder exists and is writable"; `db restore <not a database>` ended as START_FAILED "file is not a database" with no
 * hint. Such files are now refused as they are, byte for byte unchanged, with their own codes and hints.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { isStationError } from '../core/errors.js';
import { openStationDb } from '../store/index.js';
import { dbRestore } from './db.js';
import { checkHqDbFile } from './hq.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'returns-station.js');
const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'rs-db-file-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A migrated station database, closed (its WAL folded in), as `data/station.db`. */
function stationDb(dir: string): string {
  const path = join(dir, 'station.db');
  openStationDb(path).close();
  return path;
}

const tables = (path: string): string[] => {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
  } finally {
    db.close();
  }
};

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isStationError(e) ? e.code : `not a StationError: ${String(e)}`;
  }
  return undefined;
}

describe('hq --stations --db <a file that is not HQ\'s database>', () => {
  it('a station\'s database is refused with HQ_DB_IS_STATION (exit 1, one JSON line) and gets no hq_* tables', () => {
    const path = stationDb(tempDir());
    const before = readFileSync(path);
    const r = spawnSync(process.execPath, [BIN, 'hq', '--stations', '--db', path, '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout.trim()) as { ok: boolean; error: { code: string; message: string; hint: string } };
    expect(out).toMatchObject({ ok: false, error: { code: 'HQ_DB_IS_STATION' } });
    expect(out.error.hint).toContain('data/hq.db');
    expect(tables(path).filter((t) => t.startsWith('hq_'))).toEqual([]);
    expect(readFileSync(path).equals(before)).toBe(true);
  }, 60_000);

  it('a file that is not a database: HQ_DB_NOT_DATABASE, and the hint is not about the folder', () => {
    const dir = tempDir();
    const path = join(dir, 'stations.json');
    writeFileSync(path, '{"stations":[]}\n');
    for (const forView of [true, false]) expect(codeOf(() => checkHqDbFile(path, forView))).toBe('HQ_DB_NOT_DATABASE');
    try {
      checkHqDbFile(path, true);
    } catch (e) {
      expect(isStationError(e) && e.hint).not.toMatch(/folder exists/);
    }
    expect(readFileSync(path, 'utf8')).toBe('{"stations":[]}\n');
  });

  it('a database of something else (no hq_events) is HQ_DB_NOT_HQ; an empty file is not a view', () => {
    const dir = tempDir();
    const other = join(dir, 'other.db');
    const db = new Database(other);
    db.exec('CREATE TABLE notes (t TEXT)');
    db.close();
    expect(codeOf(() => checkHqDbFile(other, true))).toBe('HQ_DB_NOT_HQ');
    expect(codeOf(() => checkHqDbFile(other, false))).toBe('HQ_DB_NOT_HQ');
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    expect(codeOf(() => checkHqDbFile(empty, true))).toBe('HQ_DB_NOT_DATABASE');
    expect(codeOf(() => checkHqDbFile(join(dir, 'missing.db'), true))).toBe('HQ_DB_NOT_FOUND');
    // HQ ingest may start a new database where there is none (or an empty file).
    expect(codeOf(() => checkHqDbFile(join(dir, 'missing.db'), false))).toBeUndefined();
    expect(codeOf(() => checkHqDbFile(empty, false))).toBeUndefined();
    expect(codeOf(() => checkHqDbFile(stationDb(dir), false))).toBe('HQ_DB_IS_STATION');
  });
});

describe('db restore <a file that is not a station backup>', () => {
  it('a file that is not a database is BACKUP_NOT_DATABASE with a hint, and the station\'s database stays where it is', () => {
    const dataDir = tempDir();
    const path = stationDb(dataDir);
    const before = readFileSync(path);
    const notes = join(dataDir, 'notes.txt');
    writeFileSync(notes, 'not a backup\n'.repeat(200));
    let err: unknown;
    try {
      dbRestore(notes, { dataDir });
    } catch (e) {
      err = e;
    }
    expect(isStationError(err) && err.code).toBe('BACKUP_NOT_DATABASE');
    expect(isStationError(err) && err.hint).toMatch(/db check/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('HQ\'s database, or another database, is BACKUP_NOT_STATION', () => {
    const dataDir = tempDir();
    stationDb(dataDir);
    const hq = join(dataDir, 'hq.db');
    const db = new Database(hq);
    db.exec('CREATE TABLE hq_events (id TEXT)');
    db.close();
    expect(codeOf(() => dbRestore(hq, { dataDir }))).toBe('BACKUP_NOT_STATION');
  });

  it('through the command: exit 1 with the code and hint, not START_FAILED', () => {
    const dataDir = tempDir();
    stationDb(dataDir);
    const notes = join(dataDir, 'notes.txt');
    writeFileSync(notes, 'hello');
    const r = spawnSync(process.execPath, [BIN, 'db', 'restore', notes, '--data-dir', dataDir, '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ ok: false, error: { code: 'BACKUP_NOT_DATABASE', hint: expect.any(String) } });
  }, 60_000);
});
