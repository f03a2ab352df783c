import type { StationDb } from './db.js';
import { setMeta } from './meta.js';
import type { OutboxRow } from './outbox.js';

/**
 * The publisher's side of the outbox. Delivery is tracked by two watermarks in `meta`, not by rewriting rows:
 *  - `outbox_sent_through`: every row ≤ it got a PUBACK (the broker has it);
 *  - `outbox_confirmed_seq`: HQ's receipt, every row ≤ it is stored at HQ (highest contiguous sequence).
 * Rewriting 100,000 rows twice per drain would cost more than sending them; the watermarks cost one tiny
 * write per batch. `settleConfirmed` later stamps rows (state/confirmed_at) when the station is idle, and the
 * `outbox_status` view always shows the exact state.
 */

export interface Watermarks {
  sentThrough: number;
  confirmedSeq: number;
  lastSentAt?: number;
  lastConfirmedAt?: number;
}

export function readWatermarks(sdb: StationDb): Watermarks {
  const rows = sdb
    .prepare("SELECT key, value FROM meta WHERE key IN ('outbox_sent_through','outbox_confirmed_seq','outbox_last_sent_at','outbox_last_confirmed_at')")
    .all() as Array<{ key: string; value: string }>;
  const get = (k: string): number | undefined => {
    const v = rows.find((r) => r.key === k)?.value;
    return v === undefined ? undefined : Number(v);
  };
  const w: Watermarks = { sentThrough: get('outbox_sent_through') ?? 0, confirmedSeq: get('outbox_confirmed_seq') ?? 0 };
  const s = get('outbox_last_sent_at');
  const c = get('outbox_last_confirmed_at');
  if (s !== undefined) w.lastSentAt = s;
  if (c !== undefined) w.lastConfirmedAt = c;
  return w;
}

/** Rows to send, in sequence order: not blocked, above `afterSeq`, up to `throughSeq` if given. */
export function rowsFrom(sdb: StationDb, afterSeq: number, limit: number, throughSeq = Number.MAX_SAFE_INTEGER): Array<Pick<OutboxRow, 'seq' | 'event_id' | 'topic' | 'payload' | 'state'>> {
  return sdb
    .prepare('SELECT seq, event_id, topic, payload, state FROM outbox WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?')
    .all(afterSeq, throughSeq, limit) as Array<Pick<OutboxRow, 'seq' | 'event_id' | 'topic' | 'payload' | 'state'>>;
}

/** Records that every row ≤ `seq` has had its PUBACK. Never moves backwards. */
export function markSentThrough(sdb: StationDb, seq: number, at = Date.now()): void {
  sdb.db.transaction(() => {
    const w = readWatermarks(sdb);
    if (seq > w.sentThrough) setMeta(sdb, 'outbox_sent_through', String(seq));
    setMeta(sdb, 'outbox_last_sent_at', String(at));
  }).immediate();
}

/** HQ's receipt. Returns how many sequence numbers it newly confirmed (0 for a stale or repeated receipt). */
export function confirmUpTo(sdb: StationDb, seq: number, at = Date.now()): number {
  let n = 0;
  sdb.db.transaction(() => {
    const w = readWatermarks(sdb);
    const last = lastSeq(sdb);
    // A receipt can never confirm what we never wrote (HQ talking about another install's history).
    const upTo = Math.min(seq, last);
    if (upTo <= w.confirmedSeq) return;
    n = upTo - w.confirmedSeq;
    setMeta(sdb, 'outbox_confirmed_seq', String(upTo));
    if (upTo > w.sentThrough) setMeta(sdb, 'outbox_sent_through', String(upTo));
    setMeta(sdb, 'outbox_last_confirmed_at', String(at));
  }).immediate();
  return n;
}

/**
 * HQ's receipt went back below what it had confirmed (HQ lost events: a new or restored HQ database). The watermark
 * follows it down, and rows above it lose their settled "confirmed" state, so retention does not delete what HQ now
 * lacks. Returns how many rows were un-settled.
 */
export function rewindConfirmed(sdb: StationDb, seq: number): number {
  let n = 0;
  sdb.db.transaction(() => {
    const w = readWatermarks(sdb);
    if (seq >= w.confirmedSeq) return;
    setMeta(sdb, 'outbox_confirmed_seq', String(Math.max(0, seq)));
    n = sdb.prepare("UPDATE outbox SET state = 'pending', confirmed_at = NULL WHERE seq > ? AND state = 'confirmed'").run(seq).changes;
  }).immediate();
  return n;
}

export function lastSeq(sdb: StationDb): number {
  const r = sdb.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").get() as { seq: number } | undefined;
  return r?.seq ?? 0;
}

export function markBlockedOversize(sdb: StationDb, seq: number): void {
  sdb.prepare("UPDATE outbox SET state = 'blocked_oversize' WHERE seq = ? AND state = 'pending'").run(seq);
}

export function blockedRows(sdb: StationDb, limit = 100): Array<{ seq: number; event_id: string; created_at: number; item_id: string | null; bytes: number }> {
  return sdb
    .prepare("SELECT seq, event_id, created_at, item_id, length(CAST(payload AS BLOB)) AS bytes FROM outbox WHERE state = 'blocked_oversize' ORDER BY seq LIMIT ?")
    .all(limit) as Array<{ seq: number; event_id: string; created_at: number; item_id: string | null; bytes: number }>;
}

/**
 * Stamps confirmed rows (state, sent_at, confirmed_at) in small chunks; run when idle. Returns rows stamped.
 */
export function settleConfirmed(sdb: StationDb, chunk = 2000, at = Date.now()): number {
  const w = readWatermarks(sdb);
  return sdb
    .prepare(
      "UPDATE outbox SET state = 'confirmed', confirmed_at = ?, sent_at = COALESCE(sent_at, ?) WHERE seq IN (SELECT seq FROM outbox WHERE state = 'pending' AND seq <= ? ORDER BY seq LIMIT ?)",
    )
    .run(w.lastConfirmedAt ?? at, w.lastSentAt ?? at, w.confirmedSeq, chunk).changes;
}

/** Deletes settled rows confirmed more than `olderThanMs` ago, in chunks so a big purge never holds the lock long. */
export function purgeConfirmed(sdb: StationDb, olderThanMs: number, now = Date.now(), chunk = 5000): number {
  const st = sdb.prepare(
    "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE state = 'confirmed' AND confirmed_at < ? LIMIT ?)",
  );
  let total = 0;
  for (;;) {
    const n = st.run(now - olderThanMs, chunk).changes;
    total += n;
    if (n < chunk) return total;
  }
}
