import type BetterSqlite3 from 'better-sqlite3';
import { StationError } from '../core/errors.js';
import type { WorkEvent } from './types.js';

/**
 * The workload area owns one table, created here rather than in the store's migrations so the two areas cannot
 * collide. Idempotent: safe to call on every start.
 */
export function ensureWorkloadSchema(db: BetterSqlite3.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS work_events (
      id INTEGER PRIMARY KEY,
      at INTEGER NOT NULL,
      station TEXT NOT NULL,
      operator TEXT,
      kind TEXT NOT NULL,
      item_id TEXT,
      intake TEXT,
      meta TEXT
    );
    CREATE INDEX IF NOT EXISTS work_events_at ON work_events (at);
    CREATE INDEX IF NOT EXISTS work_events_station_at ON work_events (station, at);
    CREATE INDEX IF NOT EXISTS work_events_operator_at ON work_events (operator, at) WHERE operator IS NOT NULL;
    CREATE INDEX IF NOT EXISTS work_events_kind_at ON work_events (kind, at);
  `);
}

/** Row order used everywhere: time, then insertion order for events in the same millisecond. */
export type WorkEventRow = [id: number, at: number, station: string, operator: string | null, kind: string, itemId: string | null, intake: string | null, meta: string | null];

const inserts = new WeakMap<BetterSqlite3.Database, BetterSqlite3.Statement>();

function insertStatement(db: BetterSqlite3.Database): BetterSqlite3.Statement {
  let stmt = inserts.get(db);
  if (!stmt) {
    stmt = db.prepare('INSERT INTO work_events (at, station, operator, kind, item_id, intake, meta) VALUES (?, ?, ?, ?, ?, ?, ?)');
    inserts.set(db, stmt);
  }
  return stmt;
}

/** Checks an event before it is stored; returns a message for a warehouse person, or null when fine. */
export function workEventProblem(ev: WorkEvent): string | null {
  if (typeof ev !== 'object' || ev === null) return 'the event is empty';
  if (typeof ev.at !== 'number' || !Number.isFinite(ev.at) || ev.at < 0) return 'the event has no valid time';
  if (typeof ev.station !== 'string' || ev.station === '') return 'the event does not name its station';
  if (typeof ev.kind !== 'string' || ev.kind === '') return 'the event has no kind';
  if (ev.operator !== undefined && ev.operator !== null && typeof ev.operator !== 'string') return 'the operator must be a pseudonym text';
  return null;
}

/**
 * Stores one operator-activity event (the station calls this as things happen). Returns the row id.
 * Throws WORKLOAD_BAD_EVENT for an event that cannot be stored; the caller's workflow should not depend on it.
 */
export function recordWorkEvent(db: BetterSqlite3.Database, ev: WorkEvent): number {
  const problem = workEventProblem(ev);
  if (problem) {
    throw new StationError('WORKLOAD_BAD_EVENT', `Work event not recorded: ${problem}.`, { details: { kind: ev?.kind } });
  }
  const info = insertStatement(db).run(
    Math.round(ev.at),
    ev.station,
    ev.operator ?? null,
    ev.kind,
    ev.itemId ?? null,
    ev.intake ?? null,
    ev.meta == null ? null : JSON.stringify(ev.meta),
  );
  return Number(info.lastInsertRowid);
}

/** Bulk insert in one transaction (imports, the generator). Returns how many rows were written. */
export function recordWorkEvents(db: BetterSqlite3.Database, events: Iterable<WorkEvent>): number {
  let n = 0;
  const tx = db.transaction((evs: Iterable<WorkEvent>) => {
    for (const ev of evs) {
      recordWorkEvent(db, ev);
      n++;
    }
  });
  tx.immediate(events);
  return n;
}

/** Streams stored events in time order, as positional rows (fast: no object per column). */
export function iterateWorkEventRows(db: BetterSqlite3.Database, opts: { station?: string | null; sinceId?: number } = {}): IterableIterator<WorkEventRow> {
  const cols = 'SELECT id, at, station, operator, kind, item_id, intake, meta FROM work_events';
  const sinceId = opts.sinceId ?? 0;
  const stmt =
    opts.station == null
      ? db.prepare(`${cols} WHERE id > ? ORDER BY at, id`)
      : db.prepare(`${cols} WHERE id > ? AND station = ? ORDER BY at, id`);
  const args = opts.station == null ? [sinceId] : [sinceId, opts.station];
  return stmt.raw(true).iterate(...args) as IterableIterator<WorkEventRow>;
}

/**
 * The five columns the monitor replays: [at, operator, kind, item_id, intake], in recording order (row id). That is
 * the order live ingestion saw them, so a replay rebuilds exactly the live state; it is also a plain table scan,
 * much faster than walking the time index for a million rows.
 */
export type ReplayRow = [at: number, operator: string | null, kind: string, itemId: string | null, intake: string | null];

export function iterateReplayRows(db: BetterSqlite3.Database, station: string | null, until = Number.MAX_SAFE_INTEGER): IterableIterator<ReplayRow> {
  const cols = 'SELECT at, operator, kind, item_id, intake FROM work_events WHERE at <= ?';
  const stmt = station === null ? db.prepare(`${cols} ORDER BY id`) : db.prepare(`${cols} AND station = ? ORDER BY id`);
  const it = station === null ? stmt.raw(true).iterate(until) : stmt.raw(true).iterate(until, station);
  return it as IterableIterator<ReplayRow>;
}

export function rowToEvent(row: WorkEventRow): WorkEvent {
  let meta: Record<string, unknown> | null = null;
  if (row[7] !== null) {
    try {
      meta = JSON.parse(row[7]) as Record<string, unknown>;
    } catch {
      // A hand-edited meta column must not stop the monitor; the figures never read meta.
      meta = null;
    }
  }
  return { id: row[0], at: row[1], station: row[2], operator: row[3], kind: row[4], itemId: row[5], intake: row[6], meta };
}
