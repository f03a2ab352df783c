import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { StationError, errorMessage } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { SCHEMA_VERSION, migrations } from './migrations.js';

const log = createLogger('store');

export interface StationDbOptions {
  /** ms a writer waits for another connection's lock before SQLITE_BUSY (BUG-52). */
  busyTimeoutMs?: number;
  /** Upper bound for the -wal file after a checkpoint, bytes (default 64 MiB). */
  journalSizeLimit?: number;
  /** SQLite page cache of this connection, KiB (default 4 MiB). */
  cacheKiB?: number;
  /** Skip `PRAGMA quick_check` (only for throwaway databases such as benchmarks' peers). */
  skipQuickCheck?: boolean;
  readonly?: boolean;
}

export interface StationDb {
  readonly db: BetterSqlite3.Database;
  readonly path: string;
  /** Per-install UUID (created on first open); MQTT client ids derive from it (BUG-45). */
  readonly installId: string;
  /** Statements are prepared once per connection; repositories keep theirs here. */
  readonly cache: Map<string, BetterSqlite3.Statement>;
  prepare(sql: string): BetterSqlite3.Statement;
  close(): void;
}

/**
 * Opens (and creates or migrates) a station database. Refuses a damaged file with DB_CORRUPT instead of
 * running on it, because writing into a malformed database loses returns silently (BUG-54).
 */
export function openStationDb(path: string, opts: StationDbOptions = {}): StationDb {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: BetterSqlite3.Database;
  try {
    db = new Database(path, { readonly: opts.readonly ?? false });
  } catch (e) {
    throw new StationError('DB_OPEN_FAILED', `The station database ${path} could not be opened: ${errorMessage(e)}`, {
      hint: 'Check that the folder exists and is writable, and that no other program holds the file.',
      cause: e,
    });
  }
  try {
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
    // better-sqlite3 builds SQLite with a 16 MB page cache per connection, and the start-up quick_check reads every
    // page into it: ~12 MB of a kiosk's memory for pages nobody asks for again. 4 MiB holds what the station works on
    // (the tails of items, outbox and their indexes; measured: items/s unchanged, steady RSS 110 → 100 MB); the OS's
    // file cache keeps the rest a read() away.
    db.pragma(`cache_size = -${opts.cacheKiB ?? 4096}`);
    if (!opts.skipQuickCheck) quickCheck(db, path);
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      // FULL, never NORMAL/OFF: a power cut must not lose a committed return (BUG-54 b).
      db.pragma('synchronous = FULL');
      db.pragma(`journal_size_limit = ${opts.journalSizeLimit ?? 64 * 1024 * 1024}`);
    }
    db.pragma('foreign_keys = ON');
    // Group commit runs each action in its own savepoint; SQLite keeps the pages a savepoint may have to restore in a
    // sub-journal that spills to a temp file past 64 KiB: some 50 pwrite calls per RFID item. In memory it holds one
    // transaction's touched pages at most (sorts' temp tables live there too, small at a station's size). Durability
    // is untouched: that is the WAL, fsynced at every commit; a crash rolls an open transaction back either way.
    db.pragma('temp_store = MEMORY');
    if (!opts.readonly) migrate(db);
  } catch (e) {
    db.close();
    throw e;
  }
  const installId = ensureInstallId(db, opts.readonly ?? false);
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    db,
    path,
    installId,
    cache,
    prepare(sql: string): BetterSqlite3.Statement {
      let st = cache.get(sql);
      if (!st) {
        st = db.prepare(sql);
        cache.set(sql, st);
      }
      return st;
    },
    close(): void {
      if (!db.open) return;
      try {
        // Folding the WAL back on a clean close keeps the -wal file from outliving the process.
        if (!opts.readonly) db.pragma('wal_checkpoint(TRUNCATE)');
      } catch (e) {
        log.warn({ err: errorMessage(e) }, 'checkpoint on close failed');
      }
      db.close();
    },
  };
}

function quickCheck(db: BetterSqlite3.Database, path: string): void {
  let result: string;
  try {
    const rows = db.pragma('quick_check') as Array<{ quick_check: string }>;
    result = rows.map((r) => r.quick_check).join('; ');
  } catch (e) {
    result = errorMessage(e);
  }
  if (result !== 'ok') {
    throw new StationError('DB_CORRUPT', `The station database ${path} is damaged (${result.slice(0, 200)}).`, {
      // The station itself restores at start-up (openStationDbRecovering); this is for tools that open the file.
      hint:
        `Start the station: it moves ${basename(path)} and its -wal/-shm aside and restores the newest good backup from ` +
        `${join(dirname(path), 'backups')} itself; or stop it and run \`returns-station db restore <backup>\` (docs/sync.md, Recovery). ` +
        'Events HQ already holds come back from HQ.',
      details: { path, quickCheck: result.slice(0, 1000) },
    });
  }
}

function migrate(db: BetterSqlite3.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new StationError(
      'DB_TOO_NEW',
      `The station database was written by a newer version of the software (schema ${current}, this one knows ${SCHEMA_VERSION}).`,
      { hint: 'Update the station software, or restore a backup made by this version.' },
    );
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    const step = migrations[v];
    if (!step) break;
    // One transaction per step: a crash mid-migration leaves the previous version intact.
    db.transaction(() => {
      step(db);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
    // A new database passes through every step: that is its creation, not news for the log (one line for the lot).
    if (current > 0) log.info({ from: v, to: v + 1 }, 'database migrated');
  }
  if (current === 0) log.debug({ version: SCHEMA_VERSION }, 'database created');
}

function ensureInstallId(db: BetterSqlite3.Database, readonly: boolean): string {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").get();
  if (!hasMeta) return '';
  const row = db.prepare("SELECT value FROM meta WHERE key='install_id'").get() as { value: string } | undefined;
  if (row) return row.value;
  if (readonly) return '';
  const id = crypto.randomUUID();
  db.prepare("INSERT OR IGNORE INTO meta(key, value) VALUES ('install_id', ?)").run(id);
  return (db.prepare("SELECT value FROM meta WHERE key='install_id'").get() as { value: string }).value;
}

/** True when a file at `path` exists (used by restore and CLI to word their messages). */
export function dbExists(path: string): boolean {
  return existsSync(path);
}
