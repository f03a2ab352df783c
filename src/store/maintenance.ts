import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { StationError, errorMessage } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { openStationDb, type StationDb } from './db.js';
import type { ItemRow } from './items.js';
import { markRestored, moveAside } from './recovery.js';
import { dbFileKind, isHqTables, isStationTables } from './db-file.js';

const log = createLogger('store');

/**
 * Online backup with SQLite's backup API: consistent while the station keeps writing, unlike a file copy
 * that can catch the main file and the WAL at different moments (BUG-54).
 */
export async function backupStationDb(sdb: StationDb, destPath: string): Promise<{ path: string; bytes: number }> {
  mkdirSync(dirname(destPath), { recursive: true });
  const tmp = `${destPath}.partial`;
  rmSync(tmp, { force: true });
  await sdb.db.backup(tmp);
  // A backup is only useful if it opens clean; check it before it replaces the previous one. The copy is switched
  // to a rollback journal so it is one self-contained file: a WAL-mode copy grows -wal/-shm files beside it as soon
  // as it is opened, and those would pile up in the backups folder.
  const check = new Database(tmp);
  try {
    check.pragma('journal_mode = DELETE');
    const r = check.pragma('quick_check', { simple: true });
    if (r !== 'ok') throw new StationError('BACKUP_BAD', `The new backup failed its check (${String(r)}); the previous backup was kept.`);
  } finally {
    check.close();
    for (const f of [`${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  }
  renameSync(tmp, destPath);
  const bytes = (await import('node:fs')).statSync(destPath).size;
  log.info({ destPath, bytes }, 'backup written');
  return { path: destPath, bytes };
}

/** Newest first: backups named `<anything>.db` in `dir`. */
export function listBackups(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.db'))
    .map((f) => join(dir, f))
    .sort()
    .reverse();
}

/**
 * Restores `backupPath` as the database at `dbPath`. The station must be stopped. The current file and its
 * `-wal`/`-shm` are moved aside as `<name>.corrupt-<time>` (never deleted: they may be the only copy of recent returns); a stale WAL
 * left next to a restored file is what turns it "malformed" (BUG-54 a).
 */
export function restoreStationDb(backupPath: string, dbPath: string, now = Date.now()): { movedAside: string[] } {
  if (!existsSync(backupPath)) throw new StationError('BACKUP_NOT_FOUND', `Backup ${backupPath} does not exist.`);
  // Checked before anything is moved aside: a file that is not a station's database is refused as it is.
  const kind = dbFileKind(backupPath);
  const hint = 'Give one of the station\'s backups: the .db files in the backups folder next to station.db (`returns-station db check` lists them).';
  if (kind.kind === 'empty' || kind.kind === 'not-sqlite') {
    const why = kind.kind === 'empty' ? 'the file is empty' : kind.why;
    throw new StationError('BACKUP_NOT_DATABASE', `${backupPath} is not a database backup (${why}); nothing was restored.`, { hint, details: { path: backupPath } });
  }
  if (kind.kind === 'sqlite' && !isStationTables(kind.tables)) {
    const what = isHqTables(kind.tables) ? 'it is HQ\'s database' : 'it has no items or outbox table';
    throw new StationError('BACKUP_NOT_STATION', `${backupPath} is a database, but not a station's (${what}); nothing was restored.`, { hint, details: { path: backupPath } });
  }
  const probe = new Database(backupPath, { readonly: true });
  try {
    const r = probe.pragma('quick_check', { simple: true });
    if (r !== 'ok') throw new StationError('BACKUP_BAD', `Backup ${backupPath} is damaged too (${String(r)}); pick an older one.`);
  } finally {
    probe.close();
  }
  const movedAside = moveAside(dbPath, now);
  mkdirSync(dirname(dbPath), { recursive: true });
  copyFileSync(backupPath, dbPath);
  // The restored file reuses sequence numbers HQ may hold under later events: mark it, so the publisher waits
  // for HQ's highest sequence and continues above it (docs/sync.md, Recovery).
  const sdb = openStationDb(dbPath);
  try {
    markRestored(sdb, backupPath, now);
  } finally {
    sdb.close();
  }
  log.warn({ backupPath, dbPath, movedAside }, 'database restored from backup');
  return { movedAside };
}

/**
 * Opening helper for start-up: on DB_CORRUPT, move the file aside and restore the newest good backup instead
 * of crash-looping (BUG-54). Returns what it did so the UI can say so.
 */
export function recoverFromLatestBackup(dbPath: string, backupDir: string): { restoredFrom?: string; movedAside: string[] } {
  for (const b of listBackups(backupDir)) {
    try {
      const r = restoreStationDb(b, dbPath);
      return { restoredFrom: b, movedAside: r.movedAside };
    } catch (e) {
      log.error({ backup: b, err: errorMessage(e) }, 'backup unusable, trying an older one');
    }
  }
  return { movedAside: [] };
}

/**
 * Keeps the WAL bounded: a PASSIVE checkpoint when the station is idle never blocks writers; TRUNCATE when
 * nothing is reading resets the file to zero. journal_size_limit caps what is left after a checkpoint.
 */
export function checkpoint(sdb: StationDb, mode: 'PASSIVE' | 'TRUNCATE' = 'PASSIVE'): { busy: number; log: number; checkpointed: number } {
  const r = sdb.db.pragma(`wal_checkpoint(${mode})`) as Array<{ busy: number; log: number; checkpointed: number }>;
  return r[0] ?? { busy: 0, log: 0, checkpointed: 0 };
}

const CSV_COLUMNS: Array<keyof ItemRow> = [
  'id', 'case_id', 'created_at', 'source', 'gtin', 'serial', 'epc', 'rma', 'disposition', 'bin', 'next_department', 'status', 'exception_code', 'operator',
];

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  // Leading = + - @ would run as a formula in a spreadsheet; a quote in front keeps it text.
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Streams items as CSV (iterate, never load everything) — for a supervisor's spreadsheet. */
export async function exportItemsCsv(sdb: StationDb, destPath: string, opts: { sinceMs?: number } = {}): Promise<{ rows: number }> {
  const out = createWriteStream(destPath);
  const write = (s: string): Promise<void> =>
    out.write(s) ? Promise.resolve() : new Promise((resolve) => out.once('drain', () => resolve()));
  await write(CSV_COLUMNS.join(',') + '\n');
  let rows = 0;
  const it = sdb.db.prepare('SELECT * FROM items WHERE created_at >= ? ORDER BY created_at, id').iterate(opts.sinceMs ?? 0) as IterableIterator<ItemRow>;
  for (const row of it) {
    const line = CSV_COLUMNS.map((c) => (c === 'created_at' ? new Date(row.created_at).toISOString() : csvCell(row[c]))).join(',');
    // Sync write inside the iterator: awaiting here would keep the read statement open across ticks.
    if (!out.write(line + '\n')) {
      /* buffered; flushed on end */
    }
    rows++;
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return { rows };
}
