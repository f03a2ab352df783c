import type { StationDb } from './db.js';
import type { OutboxRow } from './outbox.js';

/**
 * The publisher's side of the outbox. Rows move pending → sent (PUBACK) → confirmed (HQ receipt); only HQ's
 * receipt ends a row's life, because a PUBACK only proves the broker took it.
 */

export function nextPending(sdb: StationDb, afterSeq: number, limit: number): OutboxRow[] {
  return sdb
    .prepare("SELECT * FROM outbox WHERE state = 'pending' AND seq > ? ORDER BY seq LIMIT ?")
    .all(afterSeq, limit) as OutboxRow[];
}

/** Marks rows sent after their PUBACKs, in one transaction (batched by the caller to keep fsyncs few). */
export function markSent(sdb: StationDb, seqs: readonly number[], at = Date.now()): void {
  if (seqs.length === 0) return;
  const st = sdb.prepare("UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1 WHERE seq = ? AND state = 'pending'");
  const meta = sdb.prepare("INSERT INTO meta(key, value) VALUES ('outbox_last_sent_at', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  sdb.db.transaction(() => {
    for (const s of seqs) st.run(at, s);
    meta.run(String(at));
  }).immediate();
}

/**
 * HQ's receipt: everything up to `seq` is stored at HQ. Returns how many rows this confirmed.
 * Blocked rows are confirmed too once HQ has accounted for their sequence number (HQ got a skip notice).
 */
export function confirmUpTo(sdb: StationDb, seq: number, at = Date.now()): number {
  const prev = confirmedSeq(sdb);
  if (seq <= prev) return 0;
  let n = 0;
  sdb.db.transaction(() => {
    n = sdb
      .prepare("UPDATE outbox SET state = 'confirmed', confirmed_at = ? WHERE seq > ? AND seq <= ? AND state <> 'confirmed' AND state <> 'blocked_oversize'")
      .run(at, prev, seq).changes;
    setMeta(sdb, 'outbox_confirmed_seq', String(seq));
    setMeta(sdb, 'outbox_last_confirmed_at', String(at));
  }).immediate();
  return n;
}

export function confirmedSeq(sdb: StationDb): number {
  const row = sdb.prepare("SELECT value FROM meta WHERE key = 'outbox_confirmed_seq'").get() as { value: string } | undefined;
  return row ? Number(row.value) : 0;
}

/** Sent-but-unconfirmed rows in [from, to] go back to pending so they are sent again (HQ reported a gap). */
export function requeueRange(sdb: StationDb, from: number, to: number): number {
  return sdb.prepare("UPDATE outbox SET state = 'pending' WHERE seq BETWEEN ? AND ? AND state = 'sent'").run(from, to).changes;
}

/** Sent rows HQ has not confirmed within the time-out go back to pending. */
export function requeueStale(sdb: StationDb, sentBefore: number): number {
  return sdb.prepare("UPDATE outbox SET state = 'pending' WHERE state = 'sent' AND sent_at < ?").run(sentBefore).changes;
}

/** On start-up nothing is in flight any more: what was sent but never confirmed is sent again. */
export function requeueAllSent(sdb: StationDb): number {
  return sdb.prepare("UPDATE outbox SET state = 'pending' WHERE state = 'sent'").run().changes;
}

export function markBlockedOversize(sdb: StationDb, seq: number): void {
  sdb.prepare("UPDATE outbox SET state = 'blocked_oversize' WHERE seq = ?").run(seq);
}

export function blockedRows(sdb: StationDb, limit = 100): Array<Pick<OutboxRow, 'seq' | 'event_id' | 'created_at' | 'item_id'> & { bytes: number }> {
  return sdb
    .prepare("SELECT seq, event_id, created_at, item_id, length(CAST(payload AS BLOB)) AS bytes FROM outbox WHERE state = 'blocked_oversize' ORDER BY seq LIMIT ?")
    .all(limit) as Array<Pick<OutboxRow, 'seq' | 'event_id' | 'created_at' | 'item_id'> & { bytes: number }>;
}

/** Deletes confirmed rows older than `olderThanMs`, in chunks so a big purge never holds the lock for long. */
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

function setMeta(sdb: StationDb, key: string, value: string): void {
  sdb.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}
