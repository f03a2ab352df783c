import type { StationDb } from './db.js';

/**
 * Downlink bookkeeping (tables: migration 4). A stream is what versions are counted in: rule sets replace each other
 * whatever their target (one stream `rules`, the highest version wins), catalog and expected returns add rows, so
 * `all` and the station's own pushes are two streams each (`catalog:all`, `catalog:dock-3` …).
 */
export interface AppliedDownlink {
  stream: string;
  kind: string;
  target: string;
  version: number;
  issuedAt: string;
  appliedAt: number;
  hash: string;
  payload: string | null;
}

export interface DownlinkLogEntry {
  id: number;
  at: number;
  kind: string;
  target: string;
  version: number | null;
  status: 'applied' | 'refused';
  code: string | null;
  reason: string | null;
}

/** Refusals and applications kept for the supervisor; older rows go (a flood of garbage must not fill the disk). */
const LOG_KEEP = 1000;

interface AppliedRow {
  stream: string;
  kind: string;
  target: string;
  version: number;
  issued_at: string;
  applied_at: number;
  hash: string;
  payload: string | null;
}

const toApplied = (r: AppliedRow): AppliedDownlink => ({
  stream: r.stream,
  kind: r.kind,
  target: r.target,
  version: r.version,
  issuedAt: r.issued_at,
  appliedAt: r.applied_at,
  hash: r.hash,
  payload: r.payload,
});

export function appliedDownlink(sdb: StationDb, stream: string): AppliedDownlink | undefined {
  const r = sdb.prepare('SELECT * FROM downlink_applied WHERE stream = ?').get(stream) as AppliedRow | undefined;
  return r ? toApplied(r) : undefined;
}

export function appliedDownlinks(sdb: StationDb): AppliedDownlink[] {
  return (sdb.prepare('SELECT * FROM downlink_applied ORDER BY stream').all() as AppliedRow[]).map(toApplied);
}

/** Call inside the transaction that applies the data, so the version and the data commit together. */
export function recordDownlinkApplied(sdb: StationDb, a: AppliedDownlink): void {
  sdb
    .prepare(
      `INSERT INTO downlink_applied (stream, kind, target, version, issued_at, applied_at, hash, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(stream) DO UPDATE SET kind = excluded.kind, target = excluded.target, version = excluded.version, issued_at = excluded.issued_at,
       applied_at = excluded.applied_at, hash = excluded.hash, payload = excluded.payload`,
    )
    .run(a.stream, a.kind, a.target, a.version, a.issuedAt, a.appliedAt, a.hash, a.payload);
}

export function logDownlink(sdb: StationDb, e: Omit<DownlinkLogEntry, 'id'>): void {
  const id = sdb.prepare('INSERT INTO downlink_log (at, kind, target, version, status, code, reason) VALUES (?, ?, ?, ?, ?, ?, ?)').run(e.at, e.kind, e.target, e.version, e.status, e.code, e.reason?.slice(0, 2000) ?? null)
    .lastInsertRowid;
  if (Number(id) % 100 === 0) sdb.prepare('DELETE FROM downlink_log WHERE id <= ?').run(Number(id) - LOG_KEEP);
}

export function downlinkLog(sdb: StationDb, limit = 50): DownlinkLogEntry[] {
  return sdb.prepare('SELECT id, at, kind, target, version, status, code, reason FROM downlink_log ORDER BY id DESC LIMIT ?').all(limit) as DownlinkLogEntry[];
}

/**
 * The newest refusal that no later push of the same kind and target has made good: a refused rule set must stay
 * visible in health even when a catalog push is applied after it.
 */
export function lastOpenRefusal(sdb: StationDb): DownlinkLogEntry | undefined {
  return sdb
    .prepare(
      `SELECT r.id, r.at, r.kind, r.target, r.version, r.status, r.code, r.reason FROM downlink_log r
       WHERE r.status = 'refused'
         AND NOT EXISTS (SELECT 1 FROM downlink_log a WHERE a.status = 'applied' AND a.kind = r.kind AND a.target = r.target AND a.id > r.id)
       ORDER BY r.id DESC LIMIT 1`,
    )
    .get() as DownlinkLogEntry | undefined;
}
