import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { StationError, errorMessage, isStationError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { openStationDb, type StationDb, type StationDbOptions } from './db.js';
import { lastSeq } from './delivery.js';
import { listBackups } from './maintenance.js';
import { getMeta, setMeta } from './meta.js';
import { SEQ_KEY } from './outbox.js';

const log = createLogger('store.recovery');

/**
 * BUG-54: a restored (or fresh) database must not reuse sequence numbers HQ already holds under other events.
 * `restored_at` in meta is the marker: while it is there the publisher sends nothing and waits for HQ's answer
 * (its highest sequence for this station); `adoptHqSequence` then moves everything written since the restore
 * above it and clears the marker, in one transaction.
 */
const K = {
  at: 'restored_at',
  from: 'restored_from',
  seq: 'restored_backup_seq',
  adoptedAt: 'restored_adopted_at',
  adoptedBase: 'restored_adopted_base',
  resyncFrom: 'resync_from_seq',
  resyncDoneAt: 'resync_done_at',
} as const;

export interface RestoreState {
  /** set while the station must not publish: HQ's highest sequence is not known yet */
  restoredAt?: number;
  /** the backup file restored, or '' for a fresh database */
  restoredFrom?: string;
  /** highest sequence number the restored backup held */
  backupSeq?: number;
  /** HQ's highest when it was adopted; new events start above it */
  adoptedBase?: number;
  adoptedAt?: number;
  /** events above this are asked back from HQ (re-sync); undefined = nothing to ask */
  resyncFrom?: number;
  resyncDoneAt?: number;
}

export interface RecoveryInfo {
  /** path of the backup restored; undefined when no usable backup existed and a fresh database was started */
  recoveredFrom?: string;
  fresh: boolean;
  movedAside: string[];
  reason: string;
  at: number;
  /** backups tried and refused, with why */
  refused: Array<{ backup: string; reason: string }>;
}

export function ensureRecoverySchema(sdb: StationDb): void {
  sdb.db.exec(`
    CREATE TABLE IF NOT EXISTS resynced_events (
      key TEXT PRIMARY KEY,
      seq INTEGER NOT NULL,
      event_type TEXT,
      event_time TEXT,
      payload TEXT NOT NULL,
      received_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS resynced_events_seq ON resynced_events(seq);
  `);
}


const num = (v: string | undefined): number | undefined => (v === undefined || v === '' ? undefined : Number(v));

export function restoreState(sdb: StationDb): RestoreState {
  const s: RestoreState = {};
  const at = num(getMeta(sdb, K.at));
  if (at !== undefined) s.restoredAt = at;
  const from = getMeta(sdb, K.from);
  if (from !== undefined) s.restoredFrom = from;
  const seq = num(getMeta(sdb, K.seq));
  if (seq !== undefined) s.backupSeq = seq;
  const base = num(getMeta(sdb, K.adoptedBase));
  if (base !== undefined) s.adoptedBase = base;
  const adoptedAt = num(getMeta(sdb, K.adoptedAt));
  if (adoptedAt !== undefined) s.adoptedAt = adoptedAt;
  const rf = num(getMeta(sdb, K.resyncFrom));
  if (rf !== undefined) s.resyncFrom = rf;
  const done = num(getMeta(sdb, K.resyncDoneAt));
  if (done !== undefined) s.resyncDoneAt = done;
  return s;
}

/** Sets the marker on a database that was just restored (or started fresh in place of a damaged one). */
export function markRestored(sdb: StationDb, from: string, at = Date.now()): void {
  sdb.db.transaction(() => {
    const seq = lastSeq(sdb);
    setMeta(sdb, K.at, String(at));
    setMeta(sdb, K.from, from);
    setMeta(sdb, K.seq, String(seq));
    setMeta(sdb, K.resyncFrom, String(seq));
    sdb.prepare('DELETE FROM meta WHERE key IN (?, ?, ?)').run(K.adoptedAt, K.adoptedBase, K.resyncDoneAt);
  }).immediate();
}

/**
 * HQ's highest sequence for this station is known: rows written since the restore (held, never sent) are
 * renumbered to continue above max(backup's highest, HQ's highest), their payload's `rs:stationSeq` with them,
 * the sequence counter is raised, and the marker is cleared — all in one transaction, so a crash leaves either
 * the held state or the adopted one. Returns the first new number's predecessor and how many rows moved.
 */
export function adoptHqSequence(sdb: StationDb, hqHighest: number, at = Date.now()): { base: number; renumbered: number } {
  return sdb.db.transaction(() => {
    const st = restoreState(sdb);
    if (st.restoredAt === undefined) return { base: lastSeq(sdb), renumbered: 0 };
    const backupSeq = st.backupSeq ?? 0;
    const base = Math.max(backupSeq, Math.max(0, Math.floor(hqHighest)));
    const held = sdb.prepare('SELECT seq, payload FROM outbox WHERE seq > ? ORDER BY seq').all(backupSeq) as Array<{ seq: number; payload: string }>;
    const shift = base - backupSeq;
    if (shift > 0 && held.length > 0) {
      // Two steps: negative first, so no intermediate number collides with another row's primary key.
      sdb.prepare('UPDATE outbox SET seq = -seq WHERE seq > ?').run(backupSeq);
      const upd = sdb.prepare('UPDATE outbox SET seq = ?, payload = ? WHERE seq = ?');
      for (const r of held) {
        const ev = JSON.parse(r.payload) as Record<string, unknown>;
        const next = r.seq + shift;
        upd.run(next, JSON.stringify({ ...ev, [SEQ_KEY]: next }), -r.seq);
      }
    }
    const top = Math.max(base, lastSeq(sdb), held.length > 0 ? (held[held.length - 1]?.seq ?? 0) + shift : 0);
    const has = sdb.prepare("SELECT 1 FROM sqlite_sequence WHERE name = 'outbox'").get();
    if (has) sdb.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'outbox'").run(top);
    else sdb.prepare("INSERT INTO sqlite_sequence(name, seq) VALUES ('outbox', ?)").run(top);
    sdb.prepare('DELETE FROM meta WHERE key = ?').run(K.at);
    setMeta(sdb, K.adoptedAt, String(at));
    setMeta(sdb, K.adoptedBase, String(base));
    log.warn({ hqHighest, backupSeq, base, renumbered: shift > 0 ? held.length : 0 }, 'sequence continued above HQ\'s highest after a restore');
    return { base, renumbered: shift > 0 ? held.length : 0 };
  }).immediate();
}

/** Stores events HQ sent back (read-only history; idempotent by event key). Returns rows newly stored. */
export function storeResynced(sdb: StationDb, events: ReadonlyArray<{ key: string; seq: number; payload: string }>, at = Date.now()): number {
  const ins = sdb.prepare('INSERT INTO resynced_events (key, seq, event_type, event_time, payload, received_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING');
  return sdb.db.transaction(() => {
    let n = 0;
    for (const e of events) {
      let type: string | null = null;
      let time: string | null = null;
      try {
        const j = JSON.parse(e.payload) as { type?: unknown; eventTime?: unknown };
        type = typeof j.type === 'string' ? j.type : null;
        time = typeof j.eventTime === 'string' ? j.eventTime : null;
      } catch {
        continue; // HQ only stores checked JSON; anything else is not history we can show
      }
      n += ins.run(e.key, e.seq, type, time, e.payload, at).changes;
    }
    return n;
  }).immediate();
}

export function markResyncDone(sdb: StationDb, at = Date.now()): void {
  setMeta(sdb, K.resyncDoneAt, String(at));
}

export function resyncedCount(sdb: StationDb): number {
  return (sdb.prepare('SELECT COUNT(*) AS n FROM resynced_events').get() as { n: number }).n;
}

// ---- start-up recovery -----------------------------------------------------------------------------------

/** A failure that means the file itself is damaged (not a permission or lock problem). */
export function isCorruption(e: unknown): boolean {
  if (isStationError(e) && e.code === 'DB_CORRUPT') return true;
  const code = (e as { code?: unknown } | undefined)?.code;
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') return true;
  return /file is not a database|malformed/i.test(errorMessage(e));
}

export const stamp = (now: number): string => new Date(now).toISOString().replace(/[:.]/g, '-');

/** Moves the database and its -wal/-shm aside as `<name>.corrupt-<stamp>[-wal|-shm]` (never deletes them). */
export function moveAside(dbPath: string, now = Date.now()): string[] {
  const moved: string[] = [];
  for (const suffix of ['', '-wal', '-shm']) {
    const f = dbPath + suffix;
    if (!existsSync(f)) continue;
    const aside = join(dirname(dbPath), `${basename(dbPath)}.corrupt-${stamp(now)}${suffix}`);
    renameSync(f, aside);
    moved.push(aside);
  }
  return moved;
}

/** quick_check of a backup file, read-only; 'ok' or the reason. */
export function checkFile(path: string): string {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const rows = db.pragma('quick_check') as Array<{ quick_check: string }>;
    return rows.map((r) => r.quick_check).join('; ');
  } catch (e) {
    return errorMessage(e);
  } finally {
    db?.close();
  }
}

/**
 * Opens the station database; when it is damaged (quick_check fails, "file is not a database"), moves it and its
 * -wal/-shm aside, restores the newest backup that passes quick_check (older ones if it does not), or starts a
 * fresh database when there is none — never refusing to start, so systemd never sees a crash loop. Either way
 * the continuity marker is set (the publisher waits for HQ's highest sequence before sending).
 */
export function openStationDbRecovering(
  dbPath: string,
  opts: StationDbOptions & { backupDir?: string; now?: () => number } = {},
): { sdb: StationDb; recovery?: RecoveryInfo } {
  const now = opts.now ?? Date.now;
  try {
    return { sdb: openStationDb(dbPath, opts) };
  } catch (e) {
    if (!isCorruption(e)) throw e;
    const at = now();
    const reason = errorMessage(e);
    log.error({ dbPath, reason }, 'station database is damaged; moving it aside and restoring the newest backup');
    const movedAside = moveAside(dbPath, at);
    const refused: RecoveryInfo['refused'] = [];
    for (const b of listBackups(opts.backupDir ?? join(dirname(dbPath), 'backups'))) {
      const check = checkFile(b);
      if (check !== 'ok') {
        refused.push({ backup: b, reason: check.slice(0, 200) });
        log.error({ backup: b, check }, 'backup damaged too; trying an older one');
        continue;
      }
      try {
        copyFileSync(b, dbPath);
        const sdb = openStationDb(dbPath, opts);
        markRestored(sdb, b, at);
        log.warn({ dbPath, restoredFrom: b, movedAside }, 'DATABASE RESTORED FROM BACKUP; returns recorded after it are asked back from HQ');
        return { sdb, recovery: { recoveredFrom: b, fresh: false, movedAside, reason, at, refused } };
      } catch (err) {
        refused.push({ backup: b, reason: errorMessage(err).slice(0, 200) });
        log.error({ backup: b, err: errorMessage(err) }, 'backup could not be opened; trying an older one');
        for (const s of ['', '-wal', '-shm']) rmSync(dbPath + s, { force: true });
      }
    }
    const sdb = openStationDb(dbPath, opts);
    markRestored(sdb, '', at);
    log.error(
      { dbPath, movedAside, refused },
      'NO USABLE BACKUP: STARTED A FRESH, EMPTY STATION DATABASE. Returns HQ holds are asked back; anything HQ never got is only in the file moved aside.',
    );
    return { sdb, recovery: { fresh: true, movedAside, reason, at, refused } };
  }
}

/** For the CLI's `db check`: 'ok' or why not. */
export function checkStationDb(dbPath: string): string {
  if (!existsSync(dbPath)) throw new StationError('DB_NOT_FOUND', `There is no station database at ${dbPath}.`, { hint: 'Check --data-dir.' });
  return checkFile(dbPath);
}
