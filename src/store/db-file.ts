/**
 * What a file given as a database is, found without writing to it: missing, empty, not SQLite at all (a JSON file, a
 * CSV, a damaged header), or a SQLite database and its tables. Commands check this before opening a file for writing,
 * so `hq --stations --db data/station.db` or `db restore notes.txt` is refused as it is, and never changed.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';

export type DbFileKind = { kind: 'missing' } | { kind: 'empty' } | { kind: 'not-sqlite'; why: string } | { kind: 'sqlite'; tables: string[] };

/** Every SQLite 3 database file starts with these 16 bytes (sqlite.org/fileformat.html, "The Database Header"). */
const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export function dbFileKind(path: string): DbFileKind {
  if (!existsSync(path)) return { kind: 'missing' };
  const st = statSync(path);
  if (!st.isFile()) return { kind: 'not-sqlite', why: 'it is a folder, not a file' };
  if (st.size === 0) return { kind: 'empty' };
  const head = Buffer.alloc(MAGIC.length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, MAGIC.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!head.equals(MAGIC)) return { kind: 'not-sqlite', why: 'it does not start like a SQLite database' };
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
    return { kind: 'sqlite', tables };
  } catch (e) {
    return { kind: 'not-sqlite', why: `SQLite cannot read it (${e instanceof Error ? e.message : String(e)})` };
  } finally {
    db?.close();
  }
}

/** A station's database has these (src/store/migrations.ts); HQ's has hq_events (src/hq/sqlite-store.ts). */
export const isStationTables = (tables: string[]): boolean => tables.includes('items') && tables.includes('outbox');
export const isHqTables = (tables: string[]): boolean => tables.includes('hq_events');
